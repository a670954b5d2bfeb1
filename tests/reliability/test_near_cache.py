"""The near copy of the cache (shop/core/nearcache.py): values read with ``get_many`` answered
from the process's memory until Redis reports their change, on the run's real Redis. "Another
process" is a client of its own connection, as another web worker or Celery is."""

import os
import time

import pytest
import redis
from django.core.cache import cache

from shop.core.cache import set_bounded
from shop.core.nearcache import NearCache

from .conftest import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    """A client of its own, as another process: its writes reach this one only through Redis."""
    pool = cache.client.get_client(write=False).connection_pool
    client = redis.Redis(
        connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **pool.connection_kwargs)
    )
    yield client
    client.close()


def key(name: str) -> str:
    return cache.client.make_key(name)


def warm(names, expected):
    """Read ``names`` twice: the first read fills the near copy, the second comes from it."""
    assert cache.get_many(names) == expected
    assert cache.get_many(names) == expected


def test_values_held_near_are_read_without_a_round_trip_and_as_stored(near_copy, cache_commands):
    # given values stored, and read once
    cache.set_many({"t:a": {"会议": [1, 2]}, "t:b": 7, "t:c": "一体机"}, 60)
    assert cache.get_many(["t:a", "t:b", "t:c", "t:none"]) == {
        "t:a": {"会议": [1, 2]},
        "t:b": 7,
        "t:c": "一体机",
    }
    cache_commands.clear()
    # when they are read again
    got = cache.get_many(["t:a", "t:b", "t:c", "t:none"])
    # then they come from the near_copy copy: the same values, no command sent; the missing key is
    # known to be missing
    assert got == {"t:a": {"会议": [1, 2]}, "t:b": 7, "t:c": "一体机"}
    assert cache_commands == []
    assert near_copy.held() == 4
    # and each caller gets its own object (a caller's change does not reach the copy)
    got["t:a"]["会议"].append(3)
    assert cache.get_many(["t:a"]) == {"t:a": {"会议": [1, 2]}}


def test_a_change_by_another_process_is_read_at_once(near_copy, other, cache_commands):
    # given values held near_copy
    cache.set_many({"t:a": "old", "t:b": "kept"}, 60)
    warm(["t:a", "t:b", "t:new"], {"t:a": "old", "t:b": "kept"})
    for round_ in range(20):
        # when another process changes one key and creates another (its reply received)
        value = f"new-{round_}"
        other.set(key("t:a"), cache.client.encode(value))
        other.set(key("t:new"), cache.client.encode(value))
        cache_commands.clear()
        # then the next get_many reads them, and only them, from Redis: Redis wrote its report
        # of the change before it answered the writer
        assert cache.get_many(["t:a", "t:b", "t:new"]) == {"t:a": value, "t:b": "kept", "t:new": value}
        assert cache_commands == ["MGET"]
    # and a key deleted or expired by Redis is read as missing
    other.delete(key("t:b"))
    assert cache.get_many(["t:a", "t:b"]) == {"t:a": "new-19"}
    other.pexpire(key("t:a"), 1)
    time.sleep(0.01)
    assert other.exists(key("t:a")) == 0  # (Redis expires it on this access, and reports it)
    assert cache.get_many(["t:a", "t:b"]) == {}


def test_this_processes_own_writes_are_read_back_at_once(near_copy, cache_commands):
    # given values held near_copy
    cache.set_many({"t:a": 1, "t:b": 2, "t:c": 3}, 60)
    warm(["t:a", "t:b", "t:c"], {"t:a": 1, "t:b": 2, "t:c": 3})
    # when this process writes each way the cache's client writes, reading after each
    cache.set("t:a", 10, 60)
    assert cache.get_many(["t:a", "t:b", "t:c"]) == {"t:a": 10, "t:b": 2, "t:c": 3}
    cache.set_many({"t:b": 20, "t:c": 30}, 60)  # a pipeline
    assert cache.get_many(["t:a", "t:b", "t:c"]) == {"t:a": 10, "t:b": 20, "t:c": 30}
    cache.incr("t:c", 5)
    assert cache.get_many(["t:c"]) == {"t:c": 35}
    cache.delete("t:a")
    assert cache.get_many(["t:a", "t:b"]) == {"t:b": 20}
    set_bounded({"t:b": 200}, 60, group="test", limit=5)  # the bounded groups' own pipeline
    assert cache.get_many(["t:b"]) == {"t:b": 200}
    # then each read after a write first read up to Redis's reports (a PING on the
    # invalidation connection), then fetched what had changed
    cache_commands.clear()
    cache.set("t:b", 2000, 60)
    assert cache.get_many(["t:b", "t:c"]) == {"t:b": 2000, "t:c": 35}
    assert cache_commands == ["SET", "PING", "MGET"]


def test_a_flush_drops_everything_held(near_copy, other, cache_commands):
    # given values held near_copy
    cache.set_many({"t:a": 1, "t:b": 2}, 60)
    warm(["t:a", "t:b"], {"t:a": 1, "t:b": 2})
    # when another process flushes the cache's database
    other.flushdb()
    cache_commands.clear()
    # then nothing is held any more and the next read finds nothing
    assert cache.get_many(["t:a", "t:b"]) == {}
    assert cache_commands == ["MGET"]
    # and this process's own clear() does the same
    cache.set_many({"t:a": 1}, 60)
    warm(["t:a"], {"t:a": 1})
    cache.clear()
    assert cache.get_many(["t:a"]) == {}


def test_a_value_read_while_its_change_is_reported_is_not_kept(near_copy, other, monkeypatch):
    from shop.core.cache import CacheClient

    # given a value in Redis, read by a get_many during which another process changes it and
    # another thread of this process takes in the report (its own get_many)
    cache.set("t:a", "old", 60)
    original = CacheClient._mget

    def racing(self, client, names):
        values = original(self, client, names)
        other.set(key("t:a"), cache.client.encode("new"))
        assert near_copy.begin() is not None  # the other thread: reads the report
        return values

    monkeypatch.setattr(CacheClient, "_mget", racing)
    # when the get_many returns
    assert cache.get_many(["t:a"]) == {"t:a": "old"}  # read before the change: fine to return
    monkeypatch.setattr(CacheClient, "_mget", original)
    # then the value it read was not kept, and the next read gets the new one
    assert near_copy.lookup([key("t:a")]) == ({}, [key("t:a")])
    assert cache.get_many(["t:a"]) == {"t:a": "new"}


def test_a_lost_invalidation_connection_drops_the_copy_and_redis_is_read(near_copy, other, cache_commands):
    # given values held near_copy
    cache.set_many({"t:a": 1, "t:b": 2}, 60)
    warm(["t:a", "t:b"], {"t:a": 1, "t:b": 2})
    assert near_copy.connected
    # when Redis closes the connection that carries the reports (as when it restarts)
    assert other.execute_command("CLIENT", "KILL", "TYPE", "pubsub") >= 1
    other.set(key("t:a"), cache.client.encode(100))  # a change whose report is lost with it
    time.sleep(0.05)
    cache_commands.clear()
    # then the next read sees the connection closed, drops everything held and reads Redis
    assert cache.get_many(["t:a", "t:b"]) == {"t:a": 100, "t:b": 2}
    assert cache_commands == ["MGET"]
    assert not near_copy.connected and near_copy.held() == 0
    # and the read after connects again (CLIENT ID, CLIENT TRACKING, SUBSCRIBE) and fills it
    cache_commands.clear()
    assert cache.get_many(["t:a", "t:b"]) == {"t:a": 100, "t:b": 2}
    assert cache_commands[-4:] == ["CLIENT", "CLIENT", "SUBSCRIBE", "MGET"]
    assert near_copy.connected and near_copy.held() == 2


def test_a_barrier_unanswered_in_time_turns_the_copy_off_until_redis_answers(near_copy, cache_commands):
    # given values held near_copy, and a barrier due (as every second)
    cache.set_many({"t:a": 1}, 60)
    warm(["t:a"], {"t:a": 1})
    near_copy.sync_every = 0.0
    near_copy._conn._sock.settimeout(0.2)
    # when Redis answers nothing for 1 s (CLIENT PAUSE holds every client's commands)
    other_client = cache.client.get_client(write=True)
    other_client.execute_command("CLIENT", "PAUSE", 1000)
    started = time.monotonic()
    near_epoch = near_copy.begin()
    # then the barrier gave up at its timeout: nothing is held, and get_many reads Redis
    assert near_epoch is None and time.monotonic() - started < 0.9
    assert not near_copy.connected and near_copy.held() == 0
    time.sleep(max(0.0, 1.1 - (time.monotonic() - started)))
    assert cache.get_many(["t:a"]) == {"t:a": 1}
    assert near_copy.connected and near_copy.held() == 1


def test_values_too_large_and_the_least_recently_used_beyond_the_bound_are_not_kept(near_copy, monkeypatch):
    # given a bound of 64 kB per value and 2 kB held in all
    monkeypatch.setattr(near_copy, "max_value", 64 * 1024)
    monkeypatch.setattr(near_copy, "max_bytes", 2048)
    cache.set_many({"t:big": "x" * 100_000, **{f"t:{i}": i for i in range(20)}}, 60)
    # when they are read
    assert cache.get_many(["t:big"]) == {"t:big": "x" * 100_000}
    for i in range(20):
        assert cache.get_many([f"t:{i}"]) == {f"t:{i}": i}
    # then the large value is not held, and of the small ones only the latest read fit
    held, missing = near_copy.lookup([key("t:big"), *(key(f"t:{i}") for i in range(20))])
    assert key("t:big") in missing
    assert 0 < len(held) < 20
    assert set(held) == {key(f"t:{i}") for i in range(20 - len(held), 20)}
    assert near_copy._bytes <= 2048


def test_a_copy_older_than_its_age_limit_is_read_again(near_copy, monkeypatch, cache_commands):
    # given a value held near_copy
    cache.set("t:a", 1, 60)
    warm(["t:a"], {"t:a": 1})
    # when the copy is older than the age limit
    monkeypatch.setattr(near_copy, "max_age", 0.0)
    cache_commands.clear()
    # then it is read from Redis again
    assert cache.get_many(["t:a"]) == {"t:a": 1}
    assert cache_commands == ["MGET"]


def test_a_forked_process_drops_what_it_inherited(near_copy):
    # given values held near_copy in this process
    cache.set_many({"t:a": 1}, 60)
    warm(["t:a"], {"t:a": 1})
    assert near_copy.held() == 1
    # when the process forks (gunicorn's workers, Celery's pool)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it holds, then what it reads on its own connection
        try:
            state = f"{near_copy.held()} {near_copy.connected}"
            got = cache.get_many(["t:a"])
            state += f" {got} {near_copy.connected} {near_copy.held()}"
            os.write(write, state.encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    report = os.read(read, 1000).decode()
    os.close(read)
    # then the child started with nothing held and no connection, then made its own
    assert report == "0 False {'t:a': 1} True 1"
    # and the parent still holds its copy on its own connection
    assert near_copy.connected and near_copy.held() == 1


def test_a_redis_that_refuses_client_tracking_leaves_the_copy_off():
    # given a Redis where the cache's user may not use CLIENT (as some managed services)
    server = RedisServer().start()
    try:
        server.client().execute_command(
            "ACL", "SETUSER", "shop", "on", ">pw", "~*", "&*", "+@all", "-client", "-subscribe"
        )
        pool = redis.ConnectionPool(
            connection_class=redis.UnixDomainSocketConnection,
            path=str(server.socket),
            username="shop",
            password="pw",
        )
        near = NearCache(pool, "xh:")
        # when the near copy tries to start
        epoch = near.begin()
        # then it stays off for good, and Redis is still there for reads
        assert epoch is None and not near.connected and near._unsupported
        assert near.begin() is None
        assert redis.Redis(connection_pool=pool).get("xh:1:a") is None
    finally:
        server.close()
