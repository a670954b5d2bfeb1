"""The Redis cache, degrading to "no cache" while Redis is unreachable.

Django's RedisCache raises on a connection error, and the cached_db session backend writes
to the cache after every database read, so with Redis down every signed-in page was a server
error. Redis is also the broker: a broker outage must not stop buyers from submitting (the
database keeps every submission and the sweeps enqueue them later). Here a read is a miss, a
write is dropped and ``add``/``delete`` report failure; each failure is logged. ``incr`` and
``decr`` still raise (``ValueError``), as they do for a missing key, so counters fail open
where their callers decide (see shop.core.ratelimit)."""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("shop.cache")


def _failures():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _down(self, op: str, exc: Exception):
        logger.warning("cache unavailable (%s): %s", op, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _failures() as exc:
            self._down("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _failures() as exc:
            self._down("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _failures() as exc:
            self._down("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except _failures() as exc:
            self._down("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _failures() as exc:
            self._down("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _failures() as exc:
            self._down("add", exc)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _failures() as exc:
            self._down("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _failures() as exc:
            self._down("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except _failures() as exc:
            self._down("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _failures() as exc:
            self._down("incr", exc)
            raise ValueError(f"cache unavailable: {exc}")

    def clear(self):
        try:
            return super().clear()
        except _failures() as exc:
            self._down("clear", exc)
