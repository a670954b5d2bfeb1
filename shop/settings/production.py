"""Production: PostgreSQL, Redis, SMTP, real Stripe keys, all from the environment."""

from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DEV_SECRET_KEY, FAKE_STRIPE_WEBHOOK_SECRET, REDIS_CACHE_URL, env


def required_secret(name: str, *, fakes: tuple[str, ...]) -> str:
    """The value of environment variable ``name``; refuse to start when it is unset, empty or
    one of the development / localstripe defaults (a known webhook secret lets anyone forge
    Stripe events, a known secret key lets anyone sign sessions)."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: production needs a real secret in the environment.")
    if value in fakes:
        raise ImproperlyConfigured(
            f"{name} is the development/localstripe default: set a real secret in the environment."
        )
    return value


DEBUG = False
SECRET_KEY = required_secret("DJANGO_SECRET_KEY", fakes=(DEV_SECRET_KEY,))
STRIPE_WEBHOOK_SECRET = required_secret("STRIPE_WEBHOOK_SECRET", fakes=(FAKE_STRIPE_WEBHOOK_SECRET,))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")


def redis_server(url: str) -> str:
    """The server a Redis URL names (host and port, or the socket path), without the db index."""
    parsed = urlparse(url.replace("redis+socket://", "unix://"))
    return parsed.path if parsed.scheme == "unix" else f"{parsed.hostname}:{parsed.port or 6379}"


# The cache on a Redis of its own (allkeys-lru, bounded): with one server for both, a full cache
# makes the broker refuse tasks (noeviction) — another db index on the same server is no help.
if not env.str("REDIS_CACHE_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL is not set: production keeps the cache on a Redis of its own."
    )
if redis_server(REDIS_CACHE_URL) == redis_server(CELERY_BROKER_URL):
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL names the broker's Redis server: give the cache a Redis of its own "
        "(maxmemory with allkeys-lru), so a full cache can never stop the broker."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
