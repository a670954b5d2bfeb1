"""More than one machine, on this machine: the production shape as processes on loopback.

nginx in front of two gunicorn web nodes, two Celery workers, one beat, PostgreSQL through
pgbouncer (transaction pooling), a broker Redis (AOF, ``noeviction``), a cache Redis
(``allkeys-lru``, 16 MB) and the S3 server (tests/multinode/cluster.py). The nodes share nothing
but those services, so:

- a session started on one web node works on the other;
- a file uploaded through one node is downloaded through the other and is not on local disk;
- a quote request submitted through either node is processed once;
- filling the cache Redis to its ``maxmemory`` never blocks the broker;
- killing one web node and one worker under a running load loses no submission (the last
  test: it leaves one web node and one worker running).

(Two beat processes started by mistake: tests/reliability/test_one_beat.py.)"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from django.db import connection

from shop.core.models import OutboundEmail
from shop.quotes.models import QuoteRequest, VendorQuote
from shop.vendors.models import VendorApplication
from tests.factories.accounts import UserFactory
from tests.factories.quotes import form_data, make_vendor, stocked_product
from tests.factories.vendors import PDF_BYTES, application_data

from .cluster import Cluster, binary, kill_group

# the first test also waits for the test database and for the whole shape to start
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

LOAD_SECONDS = 20  # the running load of the last test
KILL_AFTER = 7  # seconds into the load when one web node and one worker are killed
LOAD_CLIENTS = 3
PAUSE = 0.5  # seconds each buyer waits between submissions (a steady load, not a flood)
SUBMITTED = re.compile(r"^/quotes/([A-Z0-9-]+)/submitted/$")


@pytest.fixture(scope="module")
def cluster(request, django_db_setup, django_db_blocker):
    missing = [name for name in ("nginx", "pgbouncer") if binary(name) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (make test installs them as root)")
    if connection.vendor != "postgresql":
        pytest.skip("pgbouncer needs PostgreSQL (make test starts it when initdb is installed)")
    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
    s3_server = request.getfixturevalue("s3_server")
    shape = Cluster(server=settings_dict, database=settings_dict["NAME"], s3_env=s3_server.env())
    try:
        shape.start()
        yield shape
    finally:
        shape.stop()


# --- a browser's part, with requests -----------------------------------------------------------


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def login(base: str, email: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/accounts/login/", timeout=30)
    r = s.post(
        base + "/accounts/login/",
        data={
            "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
            "login-username": email,
            "login-password": "pass-12345",
            "login_submit": "1",
        },
        timeout=30,
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    return s


def add_to_quote_list(base: str, s: requests.Session, product_pk: int) -> requests.Response:
    return s.post(
        base + "/quotes/list/add/",
        data={"csrfmiddlewaretoken": s.cookies["csrftoken"], "product": product_pk, "quantity": 2},
        timeout=30,
        allow_redirects=False,
    )


def submit_form(base: str, s: requests.Session) -> dict:
    """The submit page's form data, with its one-time submission token."""
    page = s.get(base + "/quotes/submit/", timeout=30, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    return form_of(page, s)


def form_of(page: requests.Response, s: requests.Session) -> dict:
    return {
        "csrfmiddlewaretoken": s.cookies["csrftoken"],
        "submission_token": hidden(page.text, "submission_token"),
        **form_data(),
    }


def post_submit(base: str, s: requests.Session, data: dict) -> requests.Response:
    return s.post(base + "/quotes/submit/", data=data, timeout=60, allow_redirects=False)


def submitted_number(response: requests.Response) -> str:
    assert response.status_code == 302, (response.status_code, response.text[:300])
    match = SUBMITTED.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def processed_once(numbers: list[str], *, vendors: int) -> bool:
    """Every request split into one vendor quote per vendor, every PDF and e-mail step done."""
    requests_ = list(QuoteRequest.objects.filter(number__in=numbers))
    quotes = list(VendorQuote.objects.filter(request__number__in=numbers))
    return (
        len(requests_) == len(numbers)
        and all(qr.status == "quoted" and qr.buyer_mail_state == "done" for qr in requests_)
        and len(quotes) == vendors * len(numbers)
        and all(vq.pdf_state == "done" and vq.vendor_mail_state == "done" for vq in quotes)
        and not OutboundEmail.objects.exclude(status="sent").exists()  # the queued mails went out
    )


def wait_processed(numbers: list[str], *, timeout: float) -> None:
    """Wait until ``processed_once``; on timeout, fail naming the steps still undone."""
    deadline = time.monotonic() + timeout
    while not processed_once(numbers, vendors=1):
        if time.monotonic() > deadline:
            left = Counter(
                QuoteRequest.objects.filter(number__in=numbers).values_list("status", "buyer_mail_state")
            )
            quotes = Counter(
                VendorQuote.objects.filter(request__number__in=numbers).values_list(
                    "pdf_state", "vendor_mail_state"
                )
            )
            mails = Counter(OutboundEmail.objects.values_list("status", flat=True))
            pytest.fail(f"not processed after {timeout}s: requests {left}, quotes {quotes}, mails {mails}")
        time.sleep(0.2)


def mails_by_number(outbox, numbers: list[str]) -> Counter:
    """How many e-mails the workers sent about each request, per recipient (the subject names
    the request's number)."""
    count: Counter = Counter()
    for message in outbox.messages():
        subject = message.split("\n", 2)[1]
        for number in numbers:
            if number in subject:
                count[number, message.split("\n", 1)[0]] += 1
    return count


def assert_each_effect_once(s3, outbox, numbers: list[str], *, vendor_email: str, buyer_email: str):
    for qr in QuoteRequest.objects.filter(number__in=numbers):
        assert qr.events.filter(kind="routed").count() == 1
        (vq,) = VendorQuote.objects.filter(request=qr)
        assert (vq.pdf_state, vq.pdf_rendered_version) == ("done", 1)
        # the worker's PDF is in the bucket
        assert (
            s3.client().get_object(Bucket=s3.bucket, Key=f"private/{vq.pdf.name}")["Body"].read()[:5]
            == b"%PDF-"
        )
    mails = mails_by_number(outbox, numbers)
    expected = {}
    for number in numbers:
        expected[number, f"To: {buyer_email}"] = 1
        expected[number, f"To: {vendor_email}"] = 1
    assert dict(mails) == expected


# --- the tests ----------------------------------------------------------------------------------


def test_a_session_started_on_one_web_node_works_on_the_other(cluster):
    # given a buyer
    buyer = UserFactory(email="zhangsan@example.com")
    web1, web2 = cluster.webs
    # when the buyer signs in on web node 1
    session = login(web1.url, buyer.email)
    # then web node 2 shows the buyer's own account page with the same cookie
    page = session.get(web2.url + "/accounts/profile/", timeout=30, allow_redirects=False)
    assert page.status_code == 200
    assert "zhangsan@example.com" in page.text
    # while a visitor without that cookie is sent to sign in
    anonymous = requests.get(web2.url + "/accounts/profile/", timeout=30, allow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/accounts/login/")
    # and signing out on node 2 ends the session on node 1 too
    out = session.post(
        web2.url + "/accounts/logout/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=30,
        allow_redirects=False,
    )
    assert out.status_code == 302
    again = session.get(web1.url + "/accounts/profile/", timeout=30, allow_redirects=False)
    assert again.status_code == 302


def test_a_file_uploaded_through_one_node_is_downloaded_through_the_other_and_not_on_disk(cluster, s3_server):
    web1, web2 = cluster.webs
    keys_before = set(s3_server.keys("private/"))
    # given an applicant on the 入驻 page of web node 1
    applicant = requests.Session()
    page = applicant.get(web1.url + "/vendors/apply/", timeout=30)
    data = application_data()
    # when the business licence is uploaded through node 1
    r = applicant.post(
        web1.url + "/vendors/apply/",
        data={**data, "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken")},
        files={"licence": ("营业执照.pdf", PDF_BYTES, "application/pdf")},
        timeout=60,
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    application = VendorApplication.objects.get(user__email=data["account_email"])
    # then it is one new object in the bucket
    assert set(s3_server.keys("private/")) - keys_before == {f"private/{application.licence.name}"}
    # and the applicant downloads it through node 2 (and through nginx) with the same bytes
    url = f"/vendors/application/{application.pk}/licence/"
    for base in (web2.url, cluster.nginx.url):
        download = applicant.get(base + url, timeout=30)
        assert (download.status_code, download.headers["Content-Type"], download.content) == (
            200,
            "application/pdf",
            PDF_BYTES,
        )
    # while someone else gets the Chinese 404 page from node 2
    stranger = login(web2.url, UserFactory().email).get(web2.url + url, timeout=30)
    assert stranger.status_code == 404 and "页面不存在" in stranger.text
    # and no node wrote any file to its local disk
    assert cluster.local_files() == []


def test_a_quote_submitted_through_either_node_is_processed_once(cluster, s3_server, worker_outbox):
    # given a vendor's product and a buyer signed in (through nginx)
    partner, vendor = make_vendor("甲供应商")
    product = stocked_product(vendors=[(partner, "1180.00")], title="会议一体机")
    buyer = UserFactory(email="lisi@example.com")
    session = login(cluster.nginx.url, buyer.email)
    web1, web2 = cluster.webs
    numbers = []
    # when one request is submitted through node 1 and another through node 2
    for web in (web1, web2):
        assert add_to_quote_list(web.url, session, product.pk).status_code == 302
        data = submit_form(web.url, session)
        numbers.append(submitted_number(post_submit(web.url, session, data)))
        # and the same form is sent again through the other node (a double click, a retry)
        other = web2 if web is web1 else web1
        repeat = post_submit(other.url, session, data)
        assert submitted_number(repeat) == numbers[-1]
    # then there are exactly two requests, each processed by one of the workers
    assert sorted(QuoteRequest.objects.filter(buyer=buyer).values_list("number", flat=True)) == sorted(
        numbers
    )
    wait_processed(numbers, timeout=60)
    # and each effect happened once: one split, one PDF (in the bucket), one e-mail per recipient
    assert_each_effect_once(
        s3_server, worker_outbox, numbers, vendor_email=vendor.email, buyer_email="liming@example.com"
    )
    assert cluster.local_files() == []


def test_filling_the_cache_redis_never_blocks_the_broker(cluster, worker_outbox):
    partner, vendor = make_vendor("乙供应商")
    product = stocked_product(vendors=[(partner, "990.00")], title="智慧灯杆")
    session = login(cluster.nginx.url, UserFactory(email="wangwu@example.com").email)
    cache, broker = cluster.cache.client(), cluster.broker.client()
    # given the cache Redis filled past its maxmemory (16 MB) with 64 KB values
    maxmemory = int(cache.config_get("maxmemory")["maxmemory"])
    blob = b"x" * 64 * 1024
    for batch in range(2 * maxmemory // len(blob) // 50):
        pipe = cache.pipeline(transaction=False)
        for i in range(50):
            pipe.set(f"filler:{batch}:{i}", blob)
        pipe.execute()
    info = cache.info()
    assert info["maxmemory_policy"] == "allkeys-lru"
    assert info["evicted_keys"] > 0  # it is full: every new write evicts something old
    assert info["used_memory"] > 0.9 * maxmemory
    # when a buyer opens the home page and submits a request through nginx
    assert session.get(cluster.nginx.url + "/", timeout=30).status_code == 200
    assert add_to_quote_list(cluster.nginx.url, session, product.pk).status_code == 302
    number = submitted_number(
        post_submit(cluster.nginx.url, session, submit_form(cluster.nginx.url, session))
    )
    # then a worker processes it: the broker took the task and nothing was evicted from it
    wait_processed([number], timeout=60)
    broker_info = broker.info()
    assert (broker_info["maxmemory_policy"], broker_info["evicted_keys"]) == ("noeviction", 0)
    assert cluster.broker.port != cluster.cache.port


@dataclass
class LoadClient:
    """One buyer submitting quote requests through nginx until told to stop. A request that
    fails (a node killed under it answers 502, or the connection drops) is sent again as it
    was — the same submission token for the submit form — until it gets an answer."""

    base: str
    session: requests.Session
    product_pk: int
    submissions: list = field(default_factory=list)  # (token, final status, number)
    retries: int = 0
    errors: list = field(default_factory=list)

    def again(self, send):
        for _ in range(20):
            try:
                response = send()
            except requests.RequestException as exc:
                self.retries += 1
                self.errors.append(type(exc).__name__)
                time.sleep(0.2)
                continue
            if response.status_code < 500:
                return response
            self.retries += 1
            self.errors.append(str(response.status_code))
            time.sleep(0.2)
        raise AssertionError(f"no answer after 20 tries: {self.errors[-5:]}")

    def run(self, stop: threading.Event):
        while not stop.is_set():
            added = self.again(lambda: add_to_quote_list(self.base, self.session, self.product_pk))
            assert added.status_code == 302, added.status_code
            page = self.again(
                lambda: self.session.get(self.base + "/quotes/submit/", timeout=30, allow_redirects=False)
            )
            assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
            data = form_of(page, self.session)
            response = self.again(lambda data=data: post_submit(self.base, self.session, data))
            number = SUBMITTED.match(response.headers.get("Location", ""))
            self.submissions.append(
                (data["submission_token"], response.status_code, number.group(1) if number else None)
            )
            stop.wait(PAUSE)


def test_killing_a_web_node_and_a_worker_under_load_loses_no_submission(cluster, s3_server, worker_outbox):
    # given a vendor's product and three buyers signed in through nginx
    partner, vendor = make_vendor("丙供应商")
    product = stocked_product(vendors=[(partner, "2300.00")], title="智能摄像机")
    buyers = [UserFactory(email=f"load{i}-{uuid.uuid4().hex[:6]}@example.com") for i in range(LOAD_CLIENTS)]
    clients = [LoadClient(cluster.nginx.url, login(cluster.nginx.url, b.email), product.pk) for b in buyers]
    web1, _ = cluster.webs
    worker1, worker2 = cluster.workers
    stop = threading.Event()
    failures = []

    def run(client):
        try:
            client.run(stop)
        except BaseException as exc:  # reported below, with the numbers
            failures.append(repr(exc))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    # when, under that load, web node 1 and worker 1 are killed (SIGKILL, every process of each)
    time.sleep(KILL_AFTER)
    before_kill = sum(len(c.submissions) for c in clients)
    kill_group(web1.proc, signal.SIGKILL)
    kill_group(worker1.proc, signal.SIGKILL)
    held = len(cluster.broker.client().hgetall("unacked"))  # messages taken and never acknowledged
    time.sleep(LOAD_SECONDS - KILL_AFTER)
    stop.set()
    for t in threads:
        t.join(120)
    assert failures == []
    submissions = [s for c in clients for s in c.submissions]
    after_kill = len(submissions) - before_kill
    print(
        f"\nload: {len(submissions)} submissions ({before_kill} before the kill, {after_kill} after), "
        f"{sum(c.retries for c in clients)} retried answers: {Counter(e for c in clients for e in c.errors)}; "
        f"{held} unacknowledged messages right after the kill"
    )
    # then every submission got its success answer (a redirect to its own request)
    assert submissions and after_kill > 0
    assert [status for _, status, _ in submissions] == [302] * len(submissions)
    numbers = [number for _, _, number in submissions]
    assert all(numbers) and len(set(numbers)) == len(numbers)
    # and the database holds exactly those requests, once each: nothing lost, nothing doubled
    saved = QuoteRequest.objects.filter(buyer__in=buyers).values_list("number", flat=True)
    assert sorted(saved) == sorted(numbers)
    # and the surviving worker (with beat's sweep re-sending what the killed one held) processes
    # every one of them, each effect once
    assert worker1.proc.poll() is not None and worker2.proc.poll() is None
    wait_processed(numbers, timeout=150)
    assert_each_effect_once(
        s3_server, worker_outbox, numbers, vendor_email=vendor.email, buyer_email="liming@example.com"
    )
    assert cluster.local_files() == []
