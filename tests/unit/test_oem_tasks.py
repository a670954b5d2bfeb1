"""OEM background work, in-process: e-mails once per event, the sweep, reminders, overdue warnings.

The real worker and broker are exercised in tests/integration/test_oem_celery.py."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from shop.oem import notifications, services
from shop.oem.models import OemOrder, OemOrderEvent, OemStatus
from tests.conftest import deliver_outbox
from tests.factories.oem import (
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
    reviewed_oem_order,
    submit_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


@pytest.fixture
def world():
    return oem_world(buyer_username="buyer-mail", buyer_email="buyer@example.com")


def test_reviewed_event_mails_buyer_and_vendor_once_in_chinese(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    event = order.events.get(kind="reviewed")
    # when notified twice (a re-delivered task)
    first = notifications.oem_event_notify(event_id=event.pk)
    second = notifications.oem_event_notify(event_id=event.pk)
    # then two messages, once
    assert (first, second) == (2, 0)
    assert deliver_outbox() == 2
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["buyer@example.com"],
            f"【湘慧商城】OEM 订单 {order.number}：您的 OEM 订单已通过可行性审核，等待供应商报价",
        ),
        ([world["vendor"].email], f"【湘慧商城】OEM 订单 {order.number}：您有一笔新的 OEM 订单待报价"),
    ]
    body = mail.outbox[0].body
    assert f"\n{order.review_note}\n" in body and order.review_note.startswith("预计交期 15 天（基础交期")
    assert body.count("预计交期") == 1  # said once, not as a figure and again in the note
    assert f"/dashboard/oem/{order.number}/" in mail.outbox[1].body


def test_offer_mail_shows_the_figures(world):
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    notifications.oem_event_notify(event_id=order.events.get(kind="offer").pk)
    deliver_outbox()
    body = mail.outbox[0].body
    assert "单价 ¥900.00（含税），开模/设置费 ¥5,000.00" in body
    assert "合计：¥95,000.00，定金：¥30,000.00，尾款：¥65,000.00" in body


def test_submit_enqueues_the_review_after_commit_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit_oem_order(buyer=world["buyer"], product=world["product"])
    assert [c.task_name for c in callbacks if hasattr(c, "task_name")] == ["oem.order_process"]


def test_sweep_re_enqueues_stale_submitted_orders_and_unsent_events(
    world, django_capture_on_commit_callbacks
):
    stale = submit_oem_order(buyer=world["buyer"], product=world["product"])
    fresh = submit_oem_order(buyer=world["buyer"], product=world["product"])
    long_ago = timezone.now() - timedelta(minutes=10)
    OemOrder.objects.filter(pk=stale.pk).update(enqueued_at=long_ago)
    reviewed = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    OemOrderEvent.objects.filter(order=reviewed).update(created_at=long_ago)
    # when the sweep runs with a 5-minute staleness
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.oem_sweep(stale_seconds=300)
    # then the stale order and the unsent reviewed event are re-enqueued, the fresh order is not
    assert result == {"orders": 1, "events": 1}
    assert sorted(c.task_name for c in callbacks) == ["oem.event_notify", "oem.order_process"]
    assert OemOrder.objects.get(pk=stale.pk).enqueued_at > long_ago
    assert OemOrder.objects.get(pk=fresh.pk).enqueued_at == fresh.enqueued_at
    # and running it again at once finds nothing new for the order
    assert services.oem_sweep(stale_seconds=300)["orders"] == 0


def test_offer_reminder_once_per_period(world, settings):
    settings.OEM_OFFER_REMINDER_HOURS = 24
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    now = timezone.now()
    assert services.oem_remind_pending_offers(now=now + timedelta(hours=23)) == 0
    assert services.oem_remind_pending_offers(now=now + timedelta(hours=25)) == 1
    assert services.oem_remind_pending_offers(now=now + timedelta(hours=30)) == 0
    assert services.oem_remind_pending_offers(now=now + timedelta(hours=50)) == 1
    assert order.events.filter(kind="offer_reminder").count() == 2
    event = order.events.filter(kind="offer_reminder").first()
    assert notifications.oem_event_notify(event_id=event.pk) == 1
    assert deliver_outbox() == 1
    assert mail.outbox[0].to == [world["vendor"].email]
    assert "已等待报价 25 小时。" in mail.outbox[0].body


def test_no_reminder_once_the_offer_is_made(world):
    offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    assert services.oem_remind_pending_offers(now=timezone.now() + timedelta(days=3)) == 0


def test_overdue_production_is_warned_once(world):
    order = offered_oem_order(
        buyer=world["buyer"], product=world["product"], vendor=world["vendor"], lead_days=10
    )
    services.oem_order_accept_offer(order=order, actor=world["buyer"], offer_revision=order.offer_revision)
    today = timezone.localdate()
    assert services.oem_warn_overdue(today=today + timedelta(days=10)) == 0
    assert services.oem_warn_overdue(today=today + timedelta(days=11)) == 1
    assert services.oem_warn_overdue(today=today + timedelta(days=12)) == 0
    event = order.events.get(kind="overdue")
    assert (
        event.note
        == f"承诺交货日期 {today + timedelta(days=10):%Y-%m-%d} 已过，当前状态：已确认（待付定金）。"
    )


def test_beat_schedule_has_the_three_periodic_jobs():
    from shop.celery import app
    from shop.oem.schedule import SCHEDULE

    assert {k: v["task"] for k, v in SCHEDULE.items()} == {
        "oem-sweep": "oem.sweep",
        "oem-remind-pending-offers": "oem.remind_pending_offers",
        "oem-warn-overdue": "oem.warn_overdue",
    }
    import shop.oem.tasks  # noqa: F401

    assert {"oem.order_process", "oem.event_notify", "oem.sweep"} <= set(app.tasks)


def test_review_of_an_order_already_reviewed_is_a_no_op(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    before = list(order.events.values_list("pk", flat=True))
    services.oem_order_review(order_id=order.pk)
    services.oem_order_review(order_id=987654)  # gone: nothing happens
    assert list(order.events.values_list("pk", flat=True)) == before
    assert OemOrder.objects.get(pk=order.pk).status == OemStatus.REVIEWING
