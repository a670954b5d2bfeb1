"""A worker that dies is started again: ``shop.core.supervise`` around the worker (with beat).

The worker's main process is killed with ``kill -9`` while Redis is down, and requests are
submitted meanwhile (saved, not enqueued). Nobody touches anything after that: Redis comes
back, the supervisor has started a new worker, beat's sweep enqueues the backlog, and every
request is processed exactly once. ``manage.py check_workers`` reports the worker missing
while it is gone and present once it runs."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shop.quotes.models import QuoteRequest, VendorQuote
from tests.conftest import ROOT, celery_broker, subprocess_env, wait_until
from tests.factories.quotes import make_vendor, stocked_product, submit_request

from .conftest import FAST_SETTINGS, RedisServer, short_tmpdir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SWEEP = 4  # seconds
REQUESTS = 12


class SupervisedWorker:
    def __init__(self, env: dict):
        self.dir = short_tmpdir("sv")
        self.log_path = self.dir / "supervise.log"
        self.env = env

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shop.core.supervise",
                "--name",
                "worker",
                "--max-backoff",
                "2",
                "--",
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shop",
                "worker",
                "--beat",
                "--schedule",
                str(self.dir / "beat-schedule"),
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            env=subprocess_env(**self.env),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pid(self) -> int | None:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [int(p) for p in path.read_text().split()] if path.exists() else []
        return pids[0] if pids else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


def check_workers(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check_workers", "--timeout", "2"],
        env=subprocess_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def processed() -> bool:
    return not QuoteRequest.objects.filter(status="submitted").exists()


def test_a_worker_killed_while_redis_is_down_is_restarted_and_the_backlog_drains(worker_outbox):
    # given a vendor's product, Redis of its own and a supervised worker running beat
    partner, _ = make_vendor("甲供应商")
    product = stocked_product(vendors=[(partner, "1180.00")], title="会议一体机")
    redis_server = RedisServer().start()
    env = {
        "DJANGO_SETTINGS_MODULE": FAST_SETTINGS,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "SWEEP_INTERVAL_SECONDS": SWEEP,
    }
    supervised = SupervisedWorker(env).start()
    try:
        wait_until(lambda: " ready." in supervised.output(), timeout=120, message="worker ready")
        assert check_workers(env).returncode == 0
        first_pid = supervised.worker_pid()

        # when Redis stops, the worker's main process is killed, and requests come in meanwhile
        redis_server.kill()
        os.kill(first_pid, signal.SIGKILL)
        with celery_broker(redis_server.url):
            requests = [submit_request(lines=[(product, 1)]) for _ in range(REQUESTS)]
        assert QuoteRequest.objects.filter(status="submitted").count() == REQUESTS

        # then the supervisor starts a new worker without anyone asking
        wait_until(
            lambda: supervised.worker_pid() not in (None, first_pid),
            timeout=30,
            message="a new worker process",
        )
        assert "worker: exited with -9" in supervised.output()

        # when Redis comes back (nobody touches the worker)
        redis_server.start()
        # then the sweep enqueues the backlog and every request is processed, each once
        wait_until(processed, timeout=120, message="backlog drained")
        assert VendorQuote.objects.filter(request__in=requests).count() == REQUESTS
        assert check_workers(env).returncode == 0
    finally:
        supervised.stop()
        redis_server.close()
    # and once the worker is gone, the health check says so
    redis_server = RedisServer().start()
    try:
        missing = check_workers({**env, "REDIS_URL": redis_server.url, "CELERY_BROKER_URL": redis_server.url})
        assert missing.returncode == 1
        assert "在运行的 Celery worker 只有 0 个" in missing.stderr
    finally:
        redis_server.close()
