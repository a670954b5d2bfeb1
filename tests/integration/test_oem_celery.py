"""OEM orders through a real Celery worker and the real Redis: review + e-mails, and a worker
killed in the middle of a review loses nothing and does nothing twice."""

import re

import pytest
from django.db import DatabaseError, transaction

from shop.core.models import OutboundEmail
from shop.oem import services, tasks
from shop.oem.models import OemOrder, OemStatus
from tests.conftest import CeleryWorker, purge_broker, wait_until
from tests.factories.oem import oem_world, submit_oem_order

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SUCCEEDED = re.compile(r"Task oem\.order_process\[[0-9a-f-]+\] succeeded")


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return oem_world(buyer_username="celery-buyer", buyer_email="celery-buyer@example.com", lead_time_days=20)


def status_of(order) -> str:
    return OemOrder.objects.values_list("status", flat=True).get(pk=order.pk)


def row_locked(pk: int) -> bool:
    """True while another transaction (the worker's review) holds the order's row lock."""
    try:
        with transaction.atomic():
            list(OemOrder.objects.select_for_update(nowait=True).filter(pk=pk))
        return False
    except DatabaseError:
        return True


def subjects(outbox) -> list[str]:
    return sorted(m.split("\n")[1].removeprefix("Subject:").strip() for m in outbox.messages())


def test_worker_reviews_a_submitted_order_and_mails_buyer_and_vendor(celery_worker, worker_outbox, world):
    # given an order submitted by a buyer (saved, then enqueued on commit)
    order = submit_oem_order(buyer=world["buyer"], product=world["product"], quantity=260)
    # when the worker processes it
    wait_until(lambda: status_of(order) == OemStatus.REVIEWING, message="the review")
    wait_until(lambda: len(worker_outbox.messages()) == 2, message="two e-mails")
    # then it is routed with its estimate, and buyer and vendor each got one Chinese e-mail
    order.refresh_from_db()
    assert (order.partner_id, order.estimated_lead_days) == (
        world["product"].stockrecords.get().partner_id,
        30,
    )
    assert subjects(worker_outbox) == [
        f"【湘慧商城】OEM 订单 {order.number}：您有一笔新的 OEM 订单待报价",
        f"【湘慧商城】OEM 订单 {order.number}：您的 OEM 订单已通过可行性审核，等待供应商报价",
    ]
    assert list(order.events.values_list("kind", flat=True)) == ["submitted", "reviewed"]
    assert order.events.get(kind="reviewed").notified_at is not None


def test_nothing_lost_when_the_worker_dies_mid_review(world, worker_outbox):
    purge_broker()
    # given a worker whose review step is slow (test-only env var) and an order it picks up
    slow = CeleryWorker(extra_env={"OEM_TEST_REVIEW_DELAY_SECONDS": "60"}).start()
    try:
        order = submit_oem_order(buyer=world["buyer"], product=world["product"])
        wait_until(lambda: row_locked(order.pk), message="the worker inside the review")
        # when the worker is killed (SIGKILL) in the middle of it
        slow.stop(sig=9)
    finally:
        slow.stop()
    # then nothing of the review was committed
    assert status_of(order) == OemStatus.SUBMITTED
    assert list(order.events.values_list("kind", flat=True)) == ["submitted"]
    assert worker_outbox.messages() == []

    # when a new worker runs and the sweep re-enqueues what was left unprocessed,
    # and the same task is delivered twice more (as a broker re-delivery would)
    fresh = CeleryWorker().start()
    try:
        assert services.oem_sweep(stale_seconds=0) == {"orders": 1, "events": 0}
        wait_until(lambda: status_of(order) == OemStatus.REVIEWING, message="the review after the crash")
        tasks.oem_order_process.delay(order.pk)
        tasks.oem_order_process.delay(order.pk)
        wait_until(lambda: len(SUCCEEDED.findall(fresh.output())) == 3, message="three deliveries done")
        wait_until(lambda: OutboundEmail.objects.filter(status="sent").count() == 2, message="mails sent")
    finally:
        fresh.stop()
    # then the review and its e-mails happened exactly once
    assert list(order.events.values_list("kind", flat=True)) == ["submitted", "reviewed"]
    assert len(worker_outbox.messages()) == 2
