"""The Redis cache, degrading to "no cache" while Redis is unreachable.

Django's RedisCache raises on a connection error, and the cached_db session backend writes
to the cache after every database read, so with Redis down every signed-in page was a server
error. Redis is also the broker: a broker outage must not stop buyers from submitting (the
database keeps every submission and the sweeps enqueue them later). Here a read is a miss, a
write is dropped and ``add``/``delete`` report failure; each failure is logged. ``incr`` and
``decr`` still raise (``ValueError``), as they do for a missing key, so counters fail open
where their callers decide (see shop.core.ratelimit).

"Unreachable" means any Redis error, not only a lost connection: a Redis at ``maxmemory``
with ``noeviction`` answers writes with ``OutOfMemoryError`` (a ``ResponseError``), and that
must be a dropped write too, never a server error on a storefront page or a form.

``set_bounded`` stores entries that anyone can multiply by making up URLs (search pages) in
a bounded group: an index of at most ``limit`` keys, the oldest dropped when a new one comes,
so such entries can never fill the cache."""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("shop.cache")


def _failures():
    import redis

    return (redis.exceptions.RedisError, OSError)


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

    def set_bounded(self, data: dict, timeout=DEFAULT_TIMEOUT, *, group: str, limit: int) -> None:
        """``set_many(data)``, keeping at most ``limit`` keys of ``group`` in the cache: every
        key is recorded in a sorted set by the time it was stored; keys beyond the newest
        ``limit`` are deleted with their index entries in the same round trip."""
        try:
            client = self._cache.get_client(write=True)
            index = self.make_and_validate_key(f"bounded:{group}")
            keys = {self.make_and_validate_key(k): v for k, v in data.items()}
            expiry = self.get_backend_timeout(timeout)
            if expiry == 0:
                return
            now = time.time()
            pipe = client.pipeline()
            for key, value in keys.items():
                pipe.set(key, self._cache._serializer.dumps(value), ex=expiry)
            pipe.zadd(index, dict.fromkeys(keys, now))
            pipe.zrange(index, 0, -(limit + 1))
            pipe.zremrangebyrank(index, 0, -(limit + 1))
            old = pipe.execute()[-2]
            if old:
                client.delete(*old)
        except _failures() as exc:
            self._down("set_bounded", exc)
