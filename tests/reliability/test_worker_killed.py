"""Worker killed mid-task: ``kill -9`` of the pool child, and of the main worker process.

The quote flow has every kind of effect: state changes (request split into vendor quotes),
a rendered PDF per quote, and e-mails. Whatever is killed, a worker finishes every job and
each effect happens exactly once."""

import json
import os
import signal
from pathlib import Path

import pytest
import redis
from django.conf import settings

from shop.core.models import OutboundEmail
from shop.quotes import services
from shop.quotes.models import QuoteRequest, VendorQuote, VendorQuoteEvent
from tests.conftest import CeleryWorker, purge_broker, wait_until
from tests.factories.quotes import make_vendor, stocked_product, submit_request

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def all_steps_done(qr) -> bool:
    qr.refresh_from_db()
    quotes = list(VendorQuote.objects.filter(request=qr))
    return (
        qr.status == "quoted"
        and qr.buyer_mail_state == "done"
        and len(quotes) == 2
        and all(vq.pdf_state == "done" and vq.vendor_mail_state == "done" for vq in quotes)
        and not OutboundEmail.objects.exclude(status="sent").exists()  # the queued mails went out
    )


def pdf_files() -> set[Path]:
    return set(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf"))


def assert_each_effect_once(qr, outbox, vendor_emails, pdfs_before):
    quotes = list(VendorQuote.objects.filter(request=qr))
    # state changes: one split, one vendor quote per vendor, one "indicative" move each
    assert qr.events.filter(kind="routed").count() == 1
    assert len(quotes) == 2
    assert VendorQuoteEvent.objects.filter(vendor_quote__request=qr, kind="indicative").count() == 2
    # PDFs: version 1 rendered once each, exactly one new file each on disk
    for vq in quotes:
        assert (vq.pdf_state, vq.pdf_rendered_version) == ("done", 1)
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / vq.pdf.name).read_bytes().startswith(b"%PDF-")
    new = pdf_files() - pdfs_before
    assert sorted(new) == sorted(Path(settings.PRIVATE_MEDIA_ROOT) / vq.pdf.name for vq in quotes)
    # e-mails: the buyer once, each vendor once
    recipients = sorted(m.split("\n", 1)[0] for m in outbox.messages())
    assert recipients == sorted(["To: liming@example.com", *[f"To: {e}" for e in vendor_emails]])


@pytest.fixture
def two_vendor_product():
    (a, ua), (b, ub) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "100.00"), (b, "90.00")])
    return product, [ua.email, ub.email]


def test_killed_pool_child_is_replaced_and_its_task_redelivered_without_any_sweep(
    two_vendor_product, worker_outbox
):
    purge_broker()
    product, vendor_emails = two_vendor_product
    pdfs_before = pdf_files()
    # given a worker with one pool process whose PDF step takes a few seconds
    worker = CeleryWorker(concurrency=1, extra_env={services.TEST_PDF_DELAY_ENV: "3"}).start()
    try:
        qr = submit_request(lines=[(product, 1)])
        wait_until(
            lambda: VendorQuote.objects.filter(request=qr, pdf_attempts=1).exists(),
            timeout=40,
            message="a PDF step running",
        )
        # when the pool child running it is killed with SIGKILL (the main process lives on)
        (child,) = children(worker.proc.pid)
        os.kill(child, signal.SIGKILL)
        # then the main process replaces the child, the message is rejected back to the queue
        # (acks_late + reject_on_worker_lost) and everything completes: no sweep runs here
        wait_until(lambda: all_steps_done(qr), timeout=60, message="all steps after the child died")
        assert child not in children(worker.proc.pid)
        assert "WorkerLostError" in worker.output()
    finally:
        worker.stop()
    assert_each_effect_once(qr, worker_outbox, vendor_emails, pdfs_before)


def test_killed_main_worker_loses_nothing_and_a_redelivery_changes_nothing(two_vendor_product, worker_outbox):
    purge_broker()
    product, vendor_emails = two_vendor_product
    pdfs_before = pdf_files()
    # given a worker in the middle of a slow PDF step
    worker = CeleryWorker(concurrency=1, extra_env={services.TEST_PDF_DELAY_ENV: "3"}).start()
    try:
        qr = submit_request(lines=[(product, 1)])
        wait_until(
            lambda: VendorQuote.objects.filter(request=qr, pdf_attempts=1).exists(),
            timeout=40,
            message="a PDF step running",
        )
        # when the main worker process (not its pool child) is killed with SIGKILL
        orphans = children(worker.proc.pid)
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait(10)
        # its messages stay unacknowledged in Redis, where the visibility timeout would return them
        unacked = broker().hgetall("unacked")
        assert unacked, "the running task's message is unacknowledged"
        for pid in orphans:  # the orphaned pool child may finish its step; nothing else runs
            wait_until(lambda pid=pid: not Path(f"/proc/{pid}").exists(), timeout=30, message="orphan gone")
    finally:
        worker.stop(sig=signal.SIGKILL)

    # when a new worker starts and beat's sweep re-enqueues what the database says is undone
    fresh = CeleryWorker(concurrency=2).start()
    try:
        services.quotes_sweep(grace_seconds=0)
        wait_until(lambda: all_steps_done(qr), timeout=60, message="all steps after the restart")
        # and the visibility timeout later hands the old messages out once more
        before = fresh.output().count(" succeeded in ")
        redeliver(unacked)
        wait_until(
            lambda: fresh.output().count(" succeeded in ") >= before + len(unacked),
            timeout=30,
            message="redelivered messages run",
        )
    finally:
        fresh.stop()
    # then every effect happened exactly once
    assert QuoteRequest.objects.get(pk=qr.pk).status == "quoted"
    assert_each_effect_once(qr, worker_outbox, vendor_emails, pdfs_before)


def broker() -> redis.Redis:
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))
    return redis.Redis.from_url(url)


def redeliver(unacked: dict) -> None:
    """What kombu's restore of timed-out messages does: push them back onto their queue."""
    client = broker()
    for raw in unacked.values():
        payload, exchange, routing_key = json.loads(raw)
        client.lpush(routing_key or "celery", json.dumps(payload))
