"""Exactly one scheduler: two ``celery beat`` processes started by mistake send each periodic
job once per period, and when the leading one dies the other takes over.

Both beats run the real schedule with a 2-second sweep interval against a Redis of their own
and no worker, so every job they send stays in the queue to be counted."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from shop.core.beat import LOCK_KEY
from tests.conftest import ROOT, subprocess_env, wait_until

from .conftest import FAST_SETTINGS, RedisServer, short_tmpdir

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SWEEP = 2
LEADER_SECONDS = 3


def start_beat(env: dict) -> subprocess.Popen:
    directory = short_tmpdir("bt")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(directory / "schedule"),
        ],
        env=subprocess_env(**env),
        cwd=ROOT,
        stdout=open(directory / "beat.log", "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sent(client) -> Counter:
    return Counter(json.loads(m)["headers"]["task"] for m in client.lrange("celery", 0, -1))


def test_two_beats_send_each_job_once_per_period_and_the_second_takes_over(transactional_db):
    # given a Redis of its own and two beat processes on the same schedule
    redis_server = RedisServer().start()
    client = redis_server.client()
    env = {
        "DJANGO_SETTINGS_MODULE": FAST_SETTINGS,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "SWEEP_INTERVAL_SECONDS": SWEEP,
        "BEAT_LEADER_SECONDS": LEADER_SECONDS,
    }
    beats = [start_beat(env), start_beat(env)]
    try:
        wait_until(lambda: client.get(LOCK_KEY) is not None, timeout=60, message="a leader")
        wait_until(lambda: sent(client)["core.outbound_email_sweep"] >= 1, timeout=60, message="first sweep")
        client.delete("celery")
        # when they run side by side for five sweep intervals
        time.sleep(5 * SWEEP)
        counts = sent(client)
        # then each sweep was sent about once per interval, not twice
        assert 4 <= counts["core.outbound_email_sweep"] <= 6, counts
        assert 4 <= counts["oem.sweep"] <= 6, counts
        # when the leader is killed without a chance to give up its lock
        leader_pid = int(client.get(LOCK_KEY).decode().split(":")[1])
        leader = next(b for b in beats if b.pid == leader_pid)
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait(10)
        client.delete("celery")
        # then the other beat leads within the lock period and sends the jobs again
        wait_until(
            lambda: (
                (client.get(LOCK_KEY) or b"").decode().split(":")[1:2]
                == [str(beats[1 - beats.index(leader)].pid)]
            ),
            timeout=LEADER_SECONDS + 10,
            message="the other beat leading",
        )
        wait_until(
            lambda: sent(client)["core.outbound_email_sweep"] >= 2,
            timeout=3 * SWEEP + 5,
            message="sweeps again",
        )
    finally:
        for b in beats:
            if b.poll() is None:
                os.killpg(b.pid, signal.SIGTERM)
                b.wait(20)
        redis_server.close()
