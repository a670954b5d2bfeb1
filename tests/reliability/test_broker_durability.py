"""Queued tasks survive a hard kill of Redis; Redis never evicts queued tasks."""

import json
import signal

import pytest
import redis
from django.conf import settings

from shop.celery import app

from .conftest import RedisServer

pytestmark = pytest.mark.slow


def test_a_thousand_queued_tasks_survive_kill_9_of_redis():
    # given a Redis of our own with AOF on (fsync always) and 1,000 tasks queued through Celery
    server = RedisServer(appendfsync="always").start()
    try:
        with app.connection_for_write(server.url) as conn:
            producer = app.amqp.Producer(conn, auto_declare=True)
            for i in range(1000):
                app.send_task("shop.probe.durable", args=[i], producer=producer)
        assert server.client().llen("celery") == 1000

        # when Redis is killed with SIGKILL and started again on the same data directory
        server.kill(signal.SIGKILL)
        server.start()

        # then all 1,000 are still queued, each once, with its own arguments
        client = server.client()
        raw = client.lrange("celery", 0, -1)
        assert len(raw) == 1000
        messages = [json.loads(m) for m in raw]
        assert {m["headers"]["task"] for m in messages} == {"shop.probe.durable"}
        assert len({m["headers"]["id"] for m in messages}) == 1000
        import base64

        args = sorted(json.loads(base64.b64decode(m["body"]))[0][0] for m in messages)
        assert args == list(range(1000))
    finally:
        server.close()


def test_the_run_redis_refuses_to_evict_and_keeps_an_append_only_file():
    # given the Redis the suite (and make run) starts through shop.core.redis_server
    path = settings.REDIS_URL.removeprefix("redis+socket://")
    if path == settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
    else:
        client = redis.Redis(unix_socket_path=path)
    # then a full memory refuses writes instead of silently dropping queued tasks
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    assert client.config_get("appendonly") == {"appendonly": "yes"}
