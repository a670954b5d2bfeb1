"""Broker down: with Redis stopped, 100 quote requests and OEM orders submitted over HTTP all
get a success page; after Redis restarts, a worker with beat processes every one of them
within two sweep intervals, each exactly once.

Everything is real: gunicorn, Redis (its own, killed and restarted on the same AOF), the test
PostgreSQL, a Celery worker with embedded beat."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from shop.oem.models import OemOrder
from shop.quotes.models import QuoteRequest, VendorQuote
from tests.conftest import CeleryWorker, celery_broker, wait_until
from tests.factories.accounts import UserFactory
from tests.factories.oem import make_oem_product, organisation, png_bytes
from tests.factories.quotes import form_data, make_vendor, stocked_product

from .conftest import FAST_SETTINGS, Gunicorn, RedisServer, short_tmpdir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BUYERS = 10
EACH = 5  # quote requests and OEM orders per buyer: 10 x (5 + 5) = 100 submissions
SWEEP = 8  # seconds


def csrf_of(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=30).text
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else session.cookies.get("csrftoken", "")


def login(base: str, email: str) -> requests.Session:
    s = requests.Session()
    token = csrf_of(s, base + "/accounts/login/")
    r = s.post(
        base + "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token,
            "login-username": email,
            "login-password": "pass-12345",
            "login_submit": "1",
        },
        timeout=30,
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    return s


def submit_quote(base: str, s: requests.Session, product_pk: int) -> str:
    token = s.cookies["csrftoken"]
    s.post(
        base + "/quotes/list/add/",
        data={"csrfmiddlewaretoken": token, "product": product_pk, "quantity": 2},
        timeout=30,
    )
    r = s.post(base + "/quotes/submit/", data={"csrfmiddlewaretoken": token, **form_data()}, timeout=60)
    return f"{r.status_code} {'已提交成功' in r.text} {r.url}"


def submit_oem(base: str, s: requests.Session, product_pk: int) -> str:
    token = s.cookies["csrftoken"]
    data = {
        "csrfmiddlewaretoken": token,
        "quantity": "100",
        "brand_name": "星城智联",
        "cust_boot_screen": "on",
        "cust_boot_screen_detail": "开机画面显示星城智联",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }
    r = s.post(
        base + f"/oem/new/{product_pk}/",
        data=data,
        files={"logo": ("logo.png", png_bytes(), "image/png")},
        timeout=60,
    )
    return f"{r.status_code} {'已提交' in r.text} {r.url}"


def test_a_hundred_submissions_while_redis_is_down_are_all_processed_once_it_is_back(worker_outbox):
    # given a vendor with a quotable product and an OEM product, and ten signed-in buyers
    partner, vendor = make_vendor("甲供应商")
    quote_product = stocked_product(vendors=[(partner, "1180.00")], title="会议一体机")
    oem_product = make_oem_product(partner=partner, moq=100)
    buyers = [UserFactory(email=f"buyer{i}@example.com") for i in range(BUYERS)]
    redis_server = RedisServer().start()
    env = {
        "DJANGO_SETTINGS_MODULE": FAST_SETTINGS,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
    }
    web = Gunicorn(workers=2, threads=8, SWEEP_INTERVAL_SECONDS=SWEEP, **env).start()
    worker = None
    try:
        sessions = [login(web.url, b.email) for b in buyers]

        # when Redis stops and every buyer submits five quote requests and five OEM orders
        redis_server.kill()

        def one_buyer(s):
            out = [submit_quote(web.url, s, quote_product.pk) for _ in range(EACH)]
            return out + [submit_oem(web.url, s, oem_product.pk) for _ in range(EACH)]

        with ThreadPoolExecutor(BUYERS) as pool:
            results = [r for rs in pool.map(one_buyer, sessions) for r in rs]

        # then every submission got its success page, and every one is saved, unprocessed
        assert [r.split(" ", 2)[:2] for r in results] == [["200", "True"]] * (2 * BUYERS * EACH), (
            results,
            web.output()[-3000:],
        )
        assert QuoteRequest.objects.filter(status="submitted").count() == BUYERS * EACH
        assert OemOrder.objects.filter(status="submitted").count() == BUYERS * EACH

        # when Redis is back (same append-only file) with a worker running beat
        redis_server.start()
        with celery_broker(redis_server.url):
            worker = CeleryWorker(
                concurrency=3,
                extra_env={**env, "SWEEP_INTERVAL_SECONDS": SWEEP},
                args=["--beat", "--schedule", str(short_tmpdir("beat") / "schedule")],
            ).start()
            started = time.monotonic()
            # then within two sweep intervals every request and order has been processed
            wait_until(
                lambda: (
                    not QuoteRequest.objects.filter(status="submitted").exists()
                    and not OemOrder.objects.filter(status="submitted").exists()
                ),
                timeout=2 * SWEEP + 10,
                message="every submission processed",
            )
            elapsed = time.monotonic() - started
            # and their follow-up steps (PDFs, e-mails) all finish
            wait_until(
                lambda: (
                    not VendorQuote.objects.exclude(pdf_state="done", vendor_mail_state="done").exists()
                    and not QuoteRequest.objects.exclude(buyer_mail_state="done").exists()
                    and len(worker_outbox.messages()) >= 4 * BUYERS * EACH
                ),
                timeout=90,
                message="PDFs and e-mails done",
            )
    finally:
        if worker:
            worker.stop()
        web.stop()
        redis_server.close()
    assert elapsed <= 2 * SWEEP + 5, elapsed
    # each exactly once: one vendor quote per request, one PDF each, one e-mail per recipient
    assert QuoteRequest.objects.filter(status="quoted").count() == BUYERS * EACH
    assert VendorQuote.objects.count() == BUYERS * EACH
    assert set(VendorQuote.objects.values_list("pdf_rendered_version", flat=True)) == {1}
    assert OemOrder.objects.exclude(status="submitted").count() == BUYERS * EACH
    subjects = [m.split("\n")[1] for m in worker_outbox.messages()]
    assert len(subjects) == len(set(subjects)) == 4 * BUYERS * EACH
