"""An accepted OEM order follows its shop order: the deposit arriving and an unpaid cancel."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from shop.oem import notifications, services
from shop.oem.models import OemStatus
from shop.payments import services as payments
from tests.conftest import deliver_outbox
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.oem import (
    make_oem_product,
    oem_private_root,  # noqa: F401  (fixture)
    offered_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


@pytest.fixture
def confirmed():
    vendor, partner = make_vendor_user()
    buyer = UserFactory(username="pay-buyer")
    order = offered_oem_order(buyer=buyer, product=make_oem_product(partner=partner), vendor=vendor)
    order = services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    return order, vendor


def test_deposit_paid_by_transfer_is_on_the_timeline_once_and_unlocks_production(confirmed):
    order, vendor = confirmed
    deposit = order.oscar_order.payment_stages.get(sequence=1)
    # when the operator records the deposit (the payments app's real service)
    payments.stage_mark_paid(stage=deposit, method="bank_transfer", reference="HX20261125001")
    # then the OEM timeline says so, once, and the vendor may start production
    event = order.events.get(kind="deposit_paid")
    assert event.note == f"定金 ¥30,000.00 已到账（商城订单 {order.oscar_order.number}）。"
    assert services.oem_order_deposit_received(order=order).events.filter(kind="deposit_paid").count() == 1
    services.oem_order_vendor_move(order=order, actor=vendor, to=OemStatus.IN_PRODUCTION)
    order.refresh_from_db()
    assert order.status == OemStatus.IN_PRODUCTION
    assert notifications.oem_event_notify(event_id=event.pk) == 2
    assert deliver_outbox() == 2
    assert [m.subject.split("：", 1)[1] for m in mail.outbox] == [
        "您的定金已到账，供应商将安排打样或生产",
        "定金已到账，请安排打样或生产",
    ]


def test_shop_order_cancelled_unpaid_cancels_the_oem_order(confirmed):
    order, _vendor = confirmed
    # when the payments app cancels the unpaid shop order after its deadline
    cancelled = payments.unpaid_orders_cancel(now=timezone.now() + timedelta(days=30))
    # then the OEM order is cancelled with the reason
    order.refresh_from_db()
    assert cancelled == [order.oscar_order.number]
    assert order.status == OemStatus.CANCELLED
    assert (
        order.events.last().note == f"商城订单 {order.oscar_order.number} 未付定金已取消，OEM 订单随之取消。"
    )
