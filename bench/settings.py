"""Settings for `make bench` and `make load-test`: production settings on loopback HTTP.

Everything production has (DEBUG off, the same middleware, PostgreSQL, Redis caches and
sessions) plus the benchmark's ceiling view at /hello/ (bench/urls.py). Only the parts that
need HTTPS are relaxed, because the benchmark talks plain HTTP on 127.0.0.1.
"""

from shop.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The same rate-limit checks run (their cost is part of every submission), with limits high
# enough for a few benchmark buyers submitting many times a minute.
RATE_LIMITS = {name: "1000000/m" for name in RATE_LIMITS}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
