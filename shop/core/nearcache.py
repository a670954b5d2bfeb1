"""The cache's near copy: what a process read with ``get_many`` kept in its memory, dropped the
moment Redis reports the key changed (Redis's server-assisted client-side caching).

A stored storefront page makes one cache round trip, a ``get_many`` of the catalogue version,
the session, the user's row and the header's keys (the page itself is held by the process,
``shop.storefront.cache.LocalPages``). On a small machine that round trip is about a quarter of
a signed-in buyer's page: waking Redis and being woken by it. Values that have not changed
since the process last read them need no round trip, if the process learns of every change.

How the process learns of changes:

- **Invalidations.** One connection per process and cache server asks Redis to report every
  change of a key under the cache's prefix (``CLIENT TRACKING ON BCAST PREFIX xh:``, redirected
  to itself, subscribed to ``__redis__:invalidate``; Redis 6 or later). Any write, delete,
  expiry, eviction or flush of such a key, by any process, sends its name there; a flush sends
  "everything". Before each ``get_many`` uses a held value, the reports that have arrived are
  read (a ``poll`` without waiting, about a microsecond when there are none) and their keys
  dropped.
- **Barriers.** Redis writes a change's report to this connection before the reply to the
  command that made the change, but a process may read before the report has been read off the
  socket. So after this process wrote to the cache (any command but a read, counted by
  ``shop.core.cache.CacheRedis``), and at least every ``sync_every`` seconds, the next
  ``get_many`` first sends ``PING`` on the connection and reads up to its answer: every change
  Redis made before that is then known. A buyer's own write (a session saved, the cart) is
  therefore never answered from a copy older than it; a change by another process is seen
  once its report has arrived (Redis has written it before the writer had its reply) and at
  most ``sync_every`` seconds later.
- **Races.** A value read from Redis is kept only if no report arrived between the moment the
  read began and the moment it is kept (an epoch counter): otherwise the report could concern
  a value read just before the change, and that copy would outlive it.
- **Failure.** When the connection fails (Redis gone, restarted, a barrier unanswered within
  the socket timeout) every copy is dropped and ``get_many`` reads Redis as before; the
  connection is tried again at most every ``retry_every`` seconds. A Redis that does not know
  ``CLIENT TRACKING`` (before 6) or refuses it leaves the near copy off. After a fork the child
  drops what it inherited.

Bounds: values above ``max_value`` bytes are not kept, the held bytes stay under ``max_bytes``
(least recently used go first), and a copy is used for at most ``max_age`` seconds, so a key
that expired in Redis without Redis noticing yet is not served long after. Values are held as
Redis sent them (the pickle), so every caller gets its own object; a key Redis does not hold is
held as missing (its creation is reported like any change)."""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import weakref
from collections import OrderedDict

import redis

logger = logging.getLogger("shop.cache")

CHANNEL = b"__redis__:invalidate"
_ENTRY_OVERHEAD = 120  # bytes a held entry costs besides its value (key, tuple, dict slot)


def _cost(name: str, raw: bytes | None) -> int:
    """The bytes a held entry counts against ``max_bytes``."""
    return (len(raw) if raw is not None else 0) + len(name) + _ENTRY_OVERHEAD


# Commands of the cache's client that change nothing; any other command is a write.
READ_COMMANDS = frozenset(
    {"GET", "MGET", "EXISTS", "TTL", "PTTL", "PING", "KEYS", "SCAN", "TYPE", "STRLEN", "DBSIZE", "INFO"}
    | {"HGET", "HLEN", "HKEYS", "HEXISTS", "SMEMBERS", "SCARD", "SISMEMBER", "SMISMEMBER"}
    | {"ZRANGE", "ZCARD", "ZSCORE"}
)

_writes = 0  # the cache writes this process has made (count_write)


def count_write() -> None:
    """A write of this process's cache client has been answered (or failed): the next
    ``get_many`` of a near copy waits for Redis's reports up to now."""
    global _writes
    _writes += 1


class NearCache:
    """The near copy of one cache server's keys under ``prefix`` in this process (one for all
    threads). ``begin`` → ``lookup`` → (read the missing keys from Redis) → ``store``."""

    max_bytes = 16 * 1024 * 1024
    max_value = 256 * 1024
    max_age = 60.0
    sync_every = 1.0
    retry_every = 1.0

    def __init__(self, pool, prefix: str, *, sync_every: float | None = None) -> None:
        self.pool = pool
        self.prefix = prefix
        if sync_every is not None:
            self.sync_every = sync_every
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[bytes | None, float]] = OrderedDict()
        self._bytes = 0
        self._epoch = 0
        self._conn = None
        self._poll = None
        self._synced_at = 0.0
        self._seen_writes = -1
        self._retry_at = 0.0
        self._unsupported = False
        _instances.add(self)

    # --- the three steps of a get_many --------------------------------------------------------

    def begin(self) -> int | None:
        """Bring the copy up to date with Redis's reports (and a barrier when one is due).
        Returns the epoch to hand to ``store``, or None when the copy cannot be used now."""
        with self._lock:
            if self._conn is None and not self._connect():
                return None
            try:
                self._drain()
                now, writes = time.monotonic(), _writes
                if writes != self._seen_writes or now - self._synced_at >= self.sync_every:
                    self._barrier(now)
                    self._seen_writes = writes
            except (redis.exceptions.RedisError, OSError) as exc:
                self._broken(exc)
                return None
            return self._epoch

    def lookup(self, names) -> tuple[dict, list]:
        """The held raw values of ``names`` (None: Redis holds no such key) and the names to
        read from Redis."""
        held, missing = {}, []
        limit = time.monotonic() - self.max_age
        with self._lock:
            entries = self._entries
            for name in names:
                entry = entries.get(name)
                if entry is None or entry[1] < limit:
                    missing.append(name)
                else:
                    held[name] = entry[0]
                    entries.move_to_end(name)
        return held, missing

    def store(self, epoch: int, pairs) -> None:
        """Keep raw values read from Redis, unless a report arrived since ``begin`` gave
        ``epoch`` (the values may be older than the change it reports)."""
        now = time.monotonic()
        with self._lock:
            if epoch != self._epoch or self._conn is None:
                return
            entries = self._entries
            for name, raw in pairs:
                if raw is not None and len(raw) > self.max_value:
                    continue
                self._forget(name)
                entries[name] = (raw, now)
                self._bytes += _cost(name, raw)
            while self._bytes > self.max_bytes and entries:
                name, (raw, _at) = entries.popitem(last=False)
                self._bytes -= _cost(name, raw)

    # --- state ----------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def held(self) -> int:
        """How many keys are held."""
        return len(self._entries)

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        self._epoch += 1

    def _forget(self, name: str) -> None:
        entry = self._entries.pop(name, None)
        if entry is not None:
            self._bytes -= _cost(name, entry[0])

    def _drop_connection(self) -> None:
        conn, self._conn, self._poll = self._conn, None, None
        if conn is not None:
            conn.disconnect()

    def _broken(self, exc: BaseException) -> None:
        self._drop_connection()
        self._clear()
        self._retry_at = time.monotonic() + self.retry_every
        logger.debug("near copy of the cache off until Redis answers again: %s: %s", type(exc).__name__, exc)

    def _after_fork(self) -> None:
        """In a forked child: a new lock, nothing held, the parent's connection left alone."""
        self._lock = threading.Lock()
        self._drop_connection()  # closes the child's descriptor only (redis-py checks the pid)
        self._clear()

    # --- the invalidation connection -------------------------------------------------------------

    def _connect(self) -> bool:
        now = time.monotonic()
        if self._unsupported or now < self._retry_at:
            return False
        self._retry_at = now + self.retry_every
        # RESP2: the reports come as messages of the channel (redis-py speaks RESP3 by default,
        # where they would be push replies its parser hands elsewhere)
        conn = self.pool.connection_class(**{**self.pool.connection_kwargs, "protocol": 2})
        try:
            conn.connect()
            conn.send_command("CLIENT", "ID")
            client_id = conn.read_response()
            tracking = ["CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST"]
            if self.prefix:
                tracking += ["PREFIX", self.prefix]
            conn.send_command(*tracking)
            conn.read_response()
            conn.send_command("SUBSCRIBE", CHANNEL)
            conn.read_response()
        except redis.exceptions.ResponseError as exc:
            conn.disconnect()
            self._unsupported = True
            logger.info("near copy of the cache off: this Redis refuses CLIENT TRACKING (%s)", exc)
            return False
        except (redis.exceptions.RedisError, OSError):
            conn.disconnect()
            return False
        self._conn = conn
        sock = getattr(conn, "_sock", None)
        # a TLS socket may hold decrypted bytes poll() cannot see: ask the connection instead
        if sock is not None and type(sock).__name__ != "SSLSocket":
            self._poll = select.poll()
            self._poll.register(sock.fileno(), select.POLLIN)
        self._clear()
        self._synced_at = now  # nothing is held yet that a report could concern
        self._seen_writes = _writes
        return True

    def _drain(self) -> None:
        """Read every report that has arrived, without waiting."""
        if self._poll is not None and not self._poll.poll(0):
            return
        conn = self._conn
        while conn.can_read(0):
            self._handle(conn.read_response())

    def _barrier(self, now: float) -> None:
        """PING and read up to its answer: every change Redis made before is then known."""
        conn = self._conn
        conn.send_command("PING")
        while not self._handle(conn.read_response()):
            pass
        self._synced_at = now
        while conn.can_read(0):  # what came with the answer, so that poll() sees only new bytes
            self._handle(conn.read_response())

    def _handle(self, message) -> bool:
        """Apply one message of the connection; True for the answer to a PING."""
        if type(message) is not list or not message:
            return False
        kind = message[0]
        if kind == b"message" and len(message) == 3 and message[1] == CHANNEL:
            keys = message[2]
            if keys is None:  # FLUSHDB / FLUSHALL
                self._clear()
                return False
            self._epoch += 1
            for key in keys:
                self._forget(key.decode("utf-8", "surrogateescape") if type(key) is bytes else key)
            return False
        return kind == b"pong"


_instances: weakref.WeakSet[NearCache] = weakref.WeakSet()
_registry: dict[tuple[int, str], NearCache] = {}
_registry_lock = threading.Lock()


def near_cache_for(pool, prefix: str, *, sync_every: float | None = None) -> NearCache:
    """This process's near copy for a connection pool and key prefix (created on first use;
    ``sync_every``: the longest time between two barriers, in seconds)."""
    key = (id(pool), prefix)
    near = _registry.get(key)
    if near is None or near.pool is not pool:
        with _registry_lock:
            near = _registry.get(key)
            if near is None or near.pool is not pool:
                near = _registry[key] = NearCache(pool, prefix, sync_every=sync_every)
    return near


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for near in list(_instances):
        near._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
