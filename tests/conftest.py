"""Shared fixtures: the real Celery worker, localstripe, the browser, mail read back from it.

The real parts are started by scripts/test.sh (PostgreSQL, Redis) and by the fixtures below
(a Celery worker, localstripe, Chromium); nothing is mocked."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the test run created (so subprocesses share it)."""
    from django.db import connection

    sd = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{sd['NAME']}"
    return f"postgres://{sd['USER']}@{sd['HOST']}:{sd['PORT']}/{sd['NAME']}"


def subprocess_env(**extra) -> dict:
    env = os.environ.copy()
    # set in this process for Playwright's live server only; a deploy check of a child fails on it
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings.test",
        DATABASE_URL=test_database_url(),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir()),
        STRIPE_API_BASE=settings.STRIPE_API_BASE,
        PYTHONPATH=str(ROOT),
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def mail_dir() -> Path:
    path = Path(settings.EMAIL_FILE_PATH)
    path.mkdir(parents=True, exist_ok=True)
    return path


class WorkerOutbox:
    """E-mails written by worker processes (file backend), read back as text."""

    def clear(self):
        shutil.rmtree(mail_dir(), ignore_errors=True)
        mail_dir()

    def messages(self) -> list[str]:
        import email
        from email import policy

        out = []
        for f in sorted(mail_dir().glob("*.log")):
            for chunk in f.read_bytes().split(b"-" * 79):
                chunk = chunk.strip()
                if chunk:
                    msg = email.message_from_bytes(chunk, policy=policy.default)
                    body = msg.get_body(preferencelist=("plain", "html"))
                    out.append(
                        f"To: {msg['To']}\nSubject: {msg['Subject']}\n\n{body.get_content() if body else ''}"
                    )
        return out


@pytest.fixture
def worker_outbox():
    box = WorkerOutbox()
    box.clear()
    return box


def deliver_outbox() -> int:
    """Send, in this process, every e-mail waiting in the outbox (what the worker does after
    commit); tests inside a transaction use it to read the mails in ``mail.outbox``."""
    from shop.core.mail import outbound_email_send
    from shop.core.models import OutboundEmail

    pending = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).order_by("pk")
    return sum(
        outbound_email_send(email_id=pk) == "sent" for pk in list(pending.values_list("pk", flat=True))
    )


def wait_until(predicate, *, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    """Poll ``predicate`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class CeleryWorker:
    """A real ``celery worker`` process on the test database and the test Redis."""

    def __init__(self, *, concurrency: int = 2, extra_env: dict | None = None, args: list | None = None):
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.args = args or []
        self.proc: subprocess.Popen | None = None
        self.log = Path(settings.EMAIL_FILE_PATH).parent / f"{self.name}.log"

    def start(self, *, wait: bool = True):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shop",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "INFO",
                "--hostname",
                self.name,
                "--without-gossip",
                "--without-mingle",
                *self.args,
            ],
            env=subprocess_env(**self.extra_env),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 120.0):
        """Ready when the worker logs ``<name> ready.`` (its consumer is connected to the broker).

        Reading the worker's own log keeps this independent of this process's Celery app state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.output()[-3000:]}")
            if f"{self.name} ready." in self.output():
                return
            time.sleep(0.2)
        raise RuntimeError(f"celery worker not ready:\n{self.output()[-3000:]}")

    def stop(self, sig: int = 15, timeout: float = 20.0):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (and settings) at ``url``; restore afterwards."""
    from shop.celery import app

    def reset_pools():
        # kombu keeps one global pool per broker URL: reset the registry, not just our handle,
        # or the next test would acquire from a closed pool.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    old_conf, old_setting = app.conf.broker_url, settings.CELERY_BROKER_URL
    app.conf.broker_url = settings.CELERY_BROKER_URL = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, settings.CELERY_BROKER_URL = old_conf, old_setting
        reset_pools()


def purge_broker():
    from shop.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()


@pytest.fixture
def celery_worker(transactional_db):
    """A fresh real worker for one test (tests using it see committed data only)."""
    purge_broker()
    worker = CeleryWorker().start()
    yield worker
    worker.stop()


@pytest.fixture
def localstripe():
    """A localstripe server on loopback, fresh for each test; settings point the SDK at it."""
    port = free_port()
    log = open(Path(settings.EMAIL_FILE_PATH).parent / f"localstripe-{port}.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shop.payments.localstripe_server", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("localstripe did not start")
            time.sleep(0.1)
    old = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = base
    yield base
    settings.STRIPE_API_BASE = old
    os.killpg(proc.pid, 15)
    proc.wait(10)
    log.close()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    path = chromium_path()
    if not path:
        pytest.skip("chromium is not installed (make test installs it as root)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (own cookies) on the live server; fails on any console error."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the Redis started for the run) and no page copies
    in this process (shop.storefront.cache.LocalPages)."""
    from django.core.cache import cache

    from shop.storefront.cache import local_pages

    cache.clear()
    local_pages.clear()
    yield


@pytest.fixture
def cache_commands(monkeypatch):
    """The Redis commands sent from here on, by name, one per write to a connection's socket
    (a round trip): whether redis-py packs them or the cache's client (``get_many``) does."""
    from redis.connection import AbstractConnection

    sent: list[str] = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        packed = command.encode() if isinstance(command, str) else b"".join(command)
        sent.append(packed.split(b"\r\n")[2].decode().upper())  # *<n>, $<length>, the name
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.fixture
def near_copy(monkeypatch):
    """This process's near copy of the default cache (shop/core/nearcache.py), with no timed
    barrier during a test (one still follows every write) and no pause before it connects
    again."""
    from django.core.cache import cache

    from shop.core.nearcache import NearCache

    near = cache.client._near_copy(cache.client.get_client(write=False))
    assert isinstance(near, NearCache)
    monkeypatch.setattr(near, "sync_every", 3600.0)
    monkeypatch.setattr(near, "retry_every", 0.0)
    return near


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (SeaweedFS on loopback, tests/s3.py) with its bucket and one
    key pair, started on first use and stopped at the end of the run."""
    from tests.s3 import SeaweedS3

    server = SeaweedS3().start()
    yield server
    server.cleanup()
