"""deploy/compose.yaml started as it is: all twelve services on a compose network, used through
nginx the way a buyer uses the store.

`make compose-check` (deploy/compose-check.sh) builds the images the compose file names (the
application image from the committed tree; stand-ins made from Debian's packages for the
upstream images this machine cannot pull, deploy/stand-ins/) and runs this module with
``XH_COMPOSE`` set; a plain `make test` skips it. The compose file runs from a copy of deploy/
with a filled-in ``.env`` and secrets generated here (never a real deploy/.env).

Given the compose file started,
- ``setup`` migrated and exited 0; PostgreSQL, both Redis servers and both web nodes report
  healthy; pgbouncer, the S3 server, the workers, beat and nginx run;
- nginx answers readiness with the database (through pgbouncer), broker, cache and storage ok;
- a buyer who signs in through nginx is signed in on every following request, and both web
  nodes answered some of them;
- a quote request submitted through nginx is split, rendered (its PDF in the bucket) and mailed
  by the workers, once;
- beat sends its periodic jobs and a worker runs them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port
from tests.factories.quotes import form_data
from tests.polling import TRANSIENT, wait_for

# a snippet run in a node fails (AssertionError) or prints nothing yet while the shape settles
SETTLING = (*TRANSIENT, AssertionError, json.JSONDecodeError)
PROJECT = os.environ.get("XH_COMPOSE_PROJECT", "xhcompose")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
if not os.environ.get("XH_COMPOSE"):
    pytestmark.append(pytest.mark.skip(reason="make compose-check builds the images and runs this"))

HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS terminator in front of nginx sends
DEMO_BUYER = "buyer@xianghui.example"
SERVICES = "beat nginx pgbouncer postgres redis-broker redis-cache s3 setup web1 web2 worker1 worker2".split()


def compose_command() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"]


class Shape:
    """The compose project, run from a copy of deploy/ with generated secrets."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "deploy"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [*compose_command(), "-p", PROJECT, "-f", str(self.dir / "compose.yaml")]

    def write_config(self) -> None:
        shutil.copytree(ROOT / "deploy", self.dir, ignore=shutil.ignore_patterns(".env", "secrets"))
        password = secrets.token_hex(16)
        access, secret = secrets.token_hex(10), secrets.token_hex(20)
        settings = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.port}",
            "DJANGO_SECURE_SSL_REDIRECT": "true",
            "TRUSTED_PROXIES": "172.16.0.0/12,10.0.0.0/8,192.168.0.0/16",
            "POSTGRES_PASSWORD": password,
            "DATABASE_URL": f"postgres://shop:{password}@pgbouncer:6432/shop?disable_server_side_cursors=true",
            "DATABASE_DIRECT_URL": f"postgres://shop:{password}@postgres:5432/shop",
            "REDIS_URL": "redis://redis-broker:6379/0",
            "CELERY_BROKER_URL": "redis://redis-broker:6379/0",
            "REDIS_CACHE_URL": "redis://redis-cache:6379/0",
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": "http://s3:8333",
            "S3_BUCKET": "xianghui",
            "S3_ACCESS_KEY": access,
            "S3_SECRET_KEY": secret,
            "S3_REGION": "us-east-1",
            "EMAIL_URL": "consolemail://",
            "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
            "LOG_FORMAT": "json",
            "HTTP_PORT": str(self.port),
            "CACHE_MAXMEMORY": "64mb",
        }
        (self.dir / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
        (self.dir / "secrets").mkdir()
        (self.dir / "secrets" / "pgbouncer-userlist.txt").write_text(
            f'"shop" "{password}"\n', encoding="utf-8"
        )
        s3 = (self.dir / "seaweedfs" / "s3.json.example").read_text(encoding="utf-8")
        s3 = s3.replace("REPLACE-ACCESS-KEY", access).replace("REPLACE-SECRET-KEY", secret)
        (self.dir / "secrets" / "s3.json").write_text(s3, encoding="utf-8")

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, *args], capture_output=True, text=True, timeout=timeout)

    def check(self, *args: str, timeout: float = 600) -> str:
        out = self.run(*args, timeout=timeout)
        assert out.returncode == 0, f"{' '.join(args)}: {out.stdout[-2000:]}{out.stderr[-2000:]}"
        return out.stdout

    def logs(self, *services: str) -> str:
        out = self.run("logs", "--no-color", *services, timeout=120)
        return out.stdout + out.stderr

    def state(self, service: str) -> dict:
        """The Docker state of the service's one container, running or exited."""
        containers = self.check("ps", "-a", "-q", service).split()
        assert len(containers) == 1, (service, containers)
        out = subprocess.run(
            ["docker", "inspect", "-f", "{{json .State}}", containers[0]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def manage(self, *args: str) -> str:
        """``python manage.py ...`` in the running web node 1 (through pgbouncer, like the nodes)."""
        return self.check("exec", "-T", "web1", "python", "manage.py", *args, timeout=300)

    def shell(self, code: str):
        """The JSON a snippet printed, run in web node 1's Django shell."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def shape(tmp_path_factory):
    if shutil.which("docker") is None:
        pytest.fail("XH_COMPOSE is set but there is no docker client")
    shape = Shape(tmp_path_factory.mktemp("compose"))
    shape.write_config()
    shape.run("down", "-v", "--remove-orphans", timeout=300)  # what an interrupted run left
    try:
        shape.check("up", "-d", "--no-build", timeout=900)

        def ready():
            return requests.get(shape.url + "/health/ready", headers=HTTPS, timeout=10).status_code == 200

        wait_for(ready, timeout=300, what="readiness through nginx", log=shape.logs, interval=1)
        yield shape
    finally:
        shape.run("down", "-v", "--remove-orphans", timeout=600)


# --- a browser's part, with requests -----------------------------------------------------------


class Browser:
    """A buyer's browser behind the TLS terminator: every request says it came over HTTPS, so
    the production settings' secure cookies are sent back as a browser would send them."""

    def __init__(self, base: str):
        self.base, self.session = base, requests.Session()

    def _after(self, response: requests.Response) -> requests.Response:
        for cookie in self.session.cookies:
            cookie.secure = False  # the client side of the TLS terminator is plain HTTP here
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self._after(self.session.get(self.base + path, headers=HTTPS, timeout=60, **kwargs))

    def post(self, path: str, data: dict, *, referer: str) -> requests.Response:
        headers = {**HTTPS, "Referer": f"https://{self.base.split('://', 1)[1]}{referer}"}
        response = self.session.post(
            self.base + path, data=data, headers=headers, timeout=60, allow_redirects=False
        )
        return self._after(response)

    @property
    def csrf(self) -> str:
        return self.session.cookies["csrftoken"]


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


# --- the tests -----------------------------------------------------------------------------------


def test_every_service_starts_and_setup_migrates(shape):
    # when the compose file has started
    services = shape.check("config", "--services").split()
    # then it has the twelve services of the production shape
    assert sorted(services) == SERVICES
    # and setup migrated and exited 0
    state = shape.state("setup")
    assert (state["Status"], state["ExitCode"]) == ("exited", 0)
    shape.manage("migrate", "--check")  # exits non-zero when a migration is unapplied
    # and every long-running service runs, the ones with a health check healthy
    for service in (s for s in SERVICES if s != "setup"):
        state = shape.state(service)
        assert state["Status"] == "running", (service, state)
        if service in ("postgres", "redis-broker", "redis-cache", "web1", "web2"):
            assert state["Health"]["Status"] == "healthy", (service, state["Health"])


def test_nginx_answers_readiness_with_every_part_ok(shape):
    # when the load balancer asks nginx for readiness
    response = requests.get(shape.url + "/health/ready", headers=HTTPS, timeout=30)
    # then a web node answers that the database, broker, cache and storage are ok
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"},
    }


def sign_in(shape) -> Browser:
    out = shape.manage("create_demo_accounts")
    match = re.search(rf"{re.escape(DEMO_BUYER)}\s+密码 (\S+)", out)
    assert match, out
    browser = Browser(shape.url)
    page = browser.get("/accounts/login/")
    assert page.status_code == 200
    response = browser.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
            "login-username": DEMO_BUYER,
            "login-password": match.group(1),
            "login_submit": "1",
        },
        referer="/accounts/login/",
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def test_a_buyer_signed_in_through_nginx_is_signed_in_on_both_web_nodes(shape):
    # given the demo buyer signed in through nginx
    browser = sign_in(shape)
    # when the buyer opens their account page ten times through nginx
    ids = []
    for _ in range(10):
        page = browser.get("/accounts/profile/", allow_redirects=False)
        # then every answer is the buyer's own account page, whichever node gave it
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
        assert DEMO_BUYER in page.text
        ids.append(page.headers["X-Request-ID"])
    # and both web nodes answered some of them (round robin, no sticky sessions)
    time.sleep(2)  # the access log lines reach docker's log
    served = {node: sum(request_id in shape.logs(node) for request_id in ids) for node in ("web1", "web2")}
    assert served["web1"] + served["web2"] == 10, served
    assert served["web1"] > 0 and served["web2"] > 0, served


def test_a_quote_submitted_through_nginx_is_processed_once_by_the_workers(shape):
    # given the catalogue loaded and the demo buyer signed in through nginx
    shape.manage("load_catalogue")
    product = shape.shell(
        "import json; from oscar.core.loading import get_model; "
        "P = get_model('catalogue', 'Product'); "
        "print(json.dumps(P.objects.filter(stockrecords__isnull=False).order_by('pk').values_list('pk', flat=True)[0]))"
    )
    browser = sign_in(shape)
    # when the buyer puts a product on the quote list and submits the request
    added = browser.post(
        "/quotes/list/add/",
        {"csrfmiddlewaretoken": browser.csrf, "product": product, "quantity": 2},
        referer="/",
    )
    assert added.status_code == 302, added.text[:300]
    page = browser.get("/quotes/submit/", allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    data = {
        "csrfmiddlewaretoken": browser.csrf,
        "submission_token": hidden(page.text, "submission_token"),
        **form_data(),
    }
    submitted = browser.post("/quotes/submit/", data, referer="/quotes/submit/")
    assert submitted.status_code == 302, submitted.text[:300]
    number = re.match(r"^/quotes/([A-Z0-9-]+)/submitted/$", submitted.headers["Location"]).group(1)
    # then a worker splits it into vendor quotes, renders each PDF once (read back from the
    # bucket through the private storage) and mails the buyer and the vendor
    snapshot = (
        "import json; from shop.quotes.models import QuoteRequest, VendorQuote; "
        f"qr = QuoteRequest.objects.get(number='{number}'); "
        "quotes = list(VendorQuote.objects.filter(request=qr)); "
        "print(json.dumps({'status': qr.status, 'buyer_mail': qr.buyer_mail_state, "
        "'quotes': [[q.pdf_state, q.pdf_rendered_version, q.vendor_mail_state, "
        "bool(q.pdf) and q.pdf.storage.open(q.pdf.name).read(5) == b'%PDF-'] for q in quotes]}))"
    )
    done = {}

    def processed():
        done.update(shape.shell(snapshot))
        return (
            done["status"] == "quoted"
            and done["buyer_mail"] == "done"
            and done["quotes"]
            and all(q == ["done", 1, "done", True] for q in done["quotes"])
        )

    wait_for(
        processed,
        timeout=180,
        what=f"quote request {number} processed",
        log=lambda: str(done),
        tolerate=SETTLING,
    )
    # and once: one request under that number, one vendor quote for the product's one vendor
    assert len(done["quotes"]) == 1
    count = "import json; from shop.quotes.models import QuoteRequest; "
    count += f"print(json.dumps(QuoteRequest.objects.filter(number='{number}').count()))"
    assert shape.shell(count) == 1


def test_beat_sends_the_periodic_jobs_and_a_worker_runs_them(shape):
    # when the shape has run for a while (the sourcing deadline check is due every 10 seconds)
    def sent_and_run():
        beat, workers = shape.logs("beat"), shape.logs("worker1", "worker2")
        return "Sending due task" in beat and "succeeded" in workers

    # then beat sent due tasks and a worker ran them
    wait_for(
        sent_and_run, timeout=120, what="a periodic job sent and run", log=lambda: shape.logs("beat")[-3000:]
    )
