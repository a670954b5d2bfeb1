"""The ``default`` cache is django-redis on the cache's own Redis: a stopped cache Redis keeps
every page up and is logged once per outage; redis://, unix:// and redis+socket:// URLs all
reach it."""

import shutil
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from shop.core.redis_server import redis_argv
from tests.conftest import ROOT, free_port, subprocess_env
from tests.factories.catalogue import ProductFactory

from .conftest import Gunicorn, http, short_tmpdir

pytestmark = pytest.mark.django_db

UNAVAILABLE = "cache unavailable, pages are served without it"
BACK = "cache available again"


def test_cache_replies_are_read_by_the_c_parser():
    # given the cache's client (the broker's uses the same redis-py)
    client = cache.client.get_client(write=False)
    # when it has talked to the cache Redis
    assert client.ping() is True
    # then its connections parse replies with hiredis, not redis-py's pure-Python parser
    connection = client.connection_pool.get_connection()
    try:
        assert type(connection._parser).__name__ == "_HiredisParser"
    finally:
        client.connection_pool.release(connection)


def test_values_of_every_kind_read_back_as_stored_and_a_pickle_skips_the_integer_try(monkeypatch):
    from django_redis.client import DefaultClient

    from shop.core.cache import CacheClient

    # given values of the kinds the store caches: integers (kept unpickled by django-redis),
    # strings, tuples, dicts, bytes, booleans, None
    values = {
        "t:int": 179649897734,
        "t:negative": -3,
        "t:text": "会议一体机",
        "t:tuple": ("gen", [1, 2], {"a": None}),
        "t:bytes": b"\x80raw",
        "t:true": True,
        "t:none": None,
    }
    cache.set_many(values, 60)
    # when they are read back, one at a time and together, by the project's client
    assert type(cache.client) is CacheClient
    slow = []
    monkeypatch.setattr(DefaultClient, "decode", lambda self, value: slow.append(value) or int(value))
    # then each is what was stored
    assert cache.get_many(list(values)) == values
    assert {key: cache.get(key) for key in values} == values
    # and only the integers went through django-redis's own decode (an integer first)
    assert sorted(set(slow)) == [b"-3", b"179649897734"]


def test_get_many_is_one_mget_packed_by_hiredis_on_a_pooled_connection(monkeypatch):
    from django_redis.client import DefaultClient

    from shop.core.cache import CacheRedis

    # given stored values (one under another key version) and a key never stored
    cache.set_many({"t:a": ("gen", 1), "t:b": "会议一体机", "t:n": 7}, 60)
    cache.set("t:v", "version two", 60, version=2)
    commands = []
    execute = CacheRedis.execute_command
    monkeypatch.setattr(
        CacheRedis,
        "execute_command",
        lambda self, *args, **kw: commands.append(args[0]) or execute(self, *args, **kw),
    )
    pool = cache.client.get_client(write=False).connection_pool
    # when they are read together, as the project's client reads them
    found = cache.get_many(["t:a", "t:b", "t:n", "t:missing"])
    found_v2 = cache.get_many(["t:v", "t:a"], version=2)
    # then the values are what django-redis's own get_many reads (the missing key absent)
    assert found == {"t:a": ("gen", 1), "t:b": "会议一体机", "t:n": 7}
    assert found_v2 == {"t:v": "version two"}
    # and no command went through Redis.execute_command (its retry loop and metrics), and the
    # connection went back to the pool
    assert commands == []
    assert cache.get_many([]) == {}
    assert list(pool._in_use_connections) == []
    # and django-redis's own get_many (which does go through it) reads the same
    assert DefaultClient.get_many(cache.client, ["t:a", "t:b", "t:n", "t:missing"]) == found
    assert commands == ["MGET"]


def test_a_get_many_the_cache_does_not_answer_in_time_is_a_miss_and_its_connection_closed(caplog):
    from django.core.cache import caches

    from shop.core.cache import outage

    # given the cache with a 0.2 s socket timeout (on a URL of its own: django-redis keeps one
    # pool per URL) and a stored value
    location = settings.CACHES["default"]["LOCATION"]
    short = dict(
        settings.CACHES["default"],
        LOCATION=location + ("&" if "?" in location else "?") + "client_name=short-test",
        KEY_PREFIX="short-test",
        OPTIONS={**settings.CACHES["default"]["OPTIONS"], "SOCKET_TIMEOUT": 0.2},
    )
    with override_settings(CACHES={"default": settings.CACHES["default"], "short": short}):
        quick = caches["short"]
        quick.set("t:k", "value", 60)
        pool = quick.client.get_client(write=False).connection_pool
        outage.end()
        caplog.clear()
        # when Redis holds every client's commands for 1.5 s (CLIENT PAUSE) during a get_many
        assert pool.connection_kwargs["socket_timeout"] == 0.2
        cache.client.get_client().execute_command("CLIENT", "PAUSE", 1500)
        started = time.monotonic()
        found = quick.get_many(["t:k"])
        waited = time.monotonic() - started
        # then it is a miss, logged once as the start of an outage, and the connection that
        # waited is closed before it went back to the pool (its late reply is never read)
        assert found == {}
        assert 0.2 <= waited < 1.0  # it gave up at its timeout, not when the pause ended
        lines = [r.getMessage() for r in caplog.records if r.name == "shop.cache"]
        assert len(lines) == 1 and lines[0].startswith(UNAVAILABLE)
        assert "TimeoutError" in lines[0]
        assert list(pool._in_use_connections) == []
        assert all(connection._sock is None for connection in pool._available_connections)
        # and once Redis answers again the next read gets the value on a new connection
        time.sleep(max(0.0, 1.6 - (time.monotonic() - started)))
        assert quick.get_many(["t:k"]) == {"t:k": "value"}
        quick.set("t:k", "value", 60)  # a write ends the outage
    assert [r.getMessage() for r in caplog.records if r.name == "shop.cache"][-1].startswith(BACK)


def test_a_pickle_is_left_to_django_redis_when_another_serializer_is_configured(settings):
    from django.core.cache import caches

    # given the cache configured with django-redis's JSON serializer
    settings.CACHES = {
        "default": settings.CACHES["default"],
        "json": {
            **settings.CACHES["default"],
            "KEY_PREFIX": "json-test",
            "OPTIONS": {
                **settings.CACHES["default"]["OPTIONS"],
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
            },
        },
    }
    json_cache = caches["json"]
    # when a value is stored and read
    json_cache.set("t:list", ["会议", 1], 60)
    # then the JSON serializer reads it (a list, not a tuple; no pickle involved)
    assert json_cache.client._plain_pickle is False
    assert json_cache.get("t:list") == ["会议", 1]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_stopped_cache_redis_keeps_pages_up_and_is_logged_once_per_outage(own_redis):
    # given a product and gunicorn (one process) with its cache on a Redis of its own
    product = ProductFactory(title="智慧灯杆")
    web = Gunicorn(workers=1, threads=2, REDIS_CACHE_URL=own_redis.url).start()
    pages = ["/", product.get_absolute_url(), reverse("search:search") + "?q=%E7%81%AF%E6%9D%86"]
    try:
        assert [http("GET", web.url + url)[0] for url in pages] == [200, 200, 200], web.output()[-3000:]
        assert http("GET", web.url + "/")[1]["X-Storefront-Cache"] == "hit"
        # when the cache's Redis stops and visitors keep coming
        own_redis.kill()
        answers = [http("GET", web.url + url) for _ in range(5) for url in pages]
        # then every page answers from the database, uncached, and the outage is logged once
        assert [status for status, _, _ in answers] == [200] * 15, web.output()[-3000:]
        assert {headers["X-Storefront-Cache"] for _, headers, _ in answers} == {"miss"}
        assert "智慧灯杆" in answers[1][2]
        assert web.output().count(UNAVAILABLE) == 1
        assert "Traceback" not in web.output()
        # when it is back (empty, as a cache Redis without persistence restarts), the first
        # write ends the outage (logged once) and pages are cached again
        shutil.rmtree(own_redis.dir / "data")
        own_redis.start()
        assert [http("GET", web.url + url)[0] for url in pages * 2] == [200] * 6
        assert http("GET", web.url + "/")[1]["X-Storefront-Cache"] == "hit"
        assert web.output().count(BACK) == 1
        # and a second outage is a second line
        own_redis.kill()
        assert [http("GET", web.url + url)[0] for url in pages * 2] == [200] * 6
        assert web.output().count(UNAVAILABLE) == 2
    finally:
        web.stop()


def test_each_cache_error_of_an_outage_is_logged_once_in_process(caplog):
    # given the cache pointed at a socket where no Redis listens
    dead = dict(settings.CACHES["default"], LOCATION=f"unix://{short_tmpdir('dead')}/none.sock")
    with override_settings(CACHES={"default": dead}):
        from shop.core.cache import outage

        outage.end()
        caplog.clear()
        # when the cache is used many times
        results = [cache.get("k", "miss") for _ in range(5)]
        cache.set("k", "v")
        cache.set_many({"a": 1, "b": 2})
        found = cache.get_many(["a", "b"])
    # then every read is a miss, nothing raised, and one warning names the outage
    assert results == ["miss"] * 5
    assert found == {}
    lines = [r for r in caplog.records if r.name == "shop.cache"]
    assert [(r.levelname, r.getMessage().split(":")[0]) for r in lines] == [
        ("WARNING", "cache unavailable, pages are served without it until it takes writes again")
    ]
    assert "ConnectionError" in lines[0].getMessage()
    assert lines[0].exc_info is None  # one line, no traceback per request


def test_a_counter_of_a_missing_key_still_raises_and_a_dead_cache_counter_is_none():
    # given the cache up: incr of a missing key is a ValueError, as Django's API says
    with pytest.raises(ValueError):
        cache.incr("never-set")
    cache.set("n", 1)
    assert cache.incr("n") == 2
    # and a cache that is down gives no count instead of an error
    dead = dict(settings.CACHES["default"], LOCATION=f"unix://{short_tmpdir('dead')}/none.sock")
    with override_settings(CACHES={"default": dead}):
        assert cache.incr("n") is None
        assert cache.add("n", 1) is None


def test_rate_limits_let_submissions_through_while_the_cache_is_down():
    from shop.core import ratelimit

    # given the configured backend on a socket where no Redis listens
    dead = dict(settings.CACHES["default"], LOCATION=f"unix://{short_tmpdir('dead')}/none.sock")
    with override_settings(CACHES={"default": dead}):
        # when a submission is counted
        hit = ratelimit.hit(key="quotes:submit:u1", rate=ratelimit.Rate(1, 3600))
        reserved = ratelimit.reserve(key="quotes:submit:u1", rate=ratelimit.Rate(1, 3600))
    # then it is let through (no count to give back) instead of failing
    assert hit == (True, 0)
    assert reserved == ("", 0)


def test_the_cache_on_a_redis_url_over_loopback_tcp():
    # given a Redis listening on a loopback TCP port
    directory = short_tmpdir("tcp")
    port = free_port()
    argv = redis_argv(socket_path=directory / "s.sock", data_dir=directory / "d", port=port, role="cache")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, db=3)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis did not start"
                time.sleep(0.05)
        # when the cache is pointed at it by a redis:// URL with a db index
        tcp = dict(settings.CACHES["default"], LOCATION=f"redis://127.0.0.1:{port}/3", KEY_PREFIX="tcp")
        with override_settings(CACHES={"default": tcp}):
            cache.set("greeting", {"text": "你好"})
            got = cache.get("greeting")
        # then the value went to that server and db, under the prefix and version
        assert got == {"text": "你好"}
        assert client.keys("*") == [b"tcp:1:greeting"]
    finally:
        proc.kill()
        proc.wait(10)


def test_the_settings_read_unix_and_redis_socket_cache_urls(tmp_path):
    # given REDIS_CACHE_URL as redis+socket:// (the embedded server) and as unix://
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "c = s.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    )
    seen = []
    for url in (f"redis+socket://{tmp_path}/c.sock", f"unix://{tmp_path}/c.sock", "redis://127.0.0.1:6390/2"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=subprocess_env(REDIS_CACHE_URL=url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        seen.append(done.stdout.split())
    # then django-redis gets a URL redis-py reads: the socket path, or the TCP address
    assert seen == [
        ["django_redis.cache.RedisCache", f"unix://{tmp_path}/c.sock"],
        ["django_redis.cache.RedisCache", f"unix://{tmp_path}/c.sock"],
        ["django_redis.cache.RedisCache", "redis://127.0.0.1:6390/2"],
    ]
