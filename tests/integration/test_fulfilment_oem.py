"""An OEM order keeps its milestones and ends in the same 履约验收: 已发货 delivers its shop
order's lines, the buyer's acceptance (or 确认收货, which is that acceptance) completes it,
and the vendor can no longer complete it alone."""

import pytest

from shop.core.exceptions import IllegalTransition
from shop.fulfilment import selectors, services
from shop.fulfilment.models import Delivery, LineFulfilment
from shop.oem import services as oem
from shop.oem.models import OemStatus as S
from tests.factories.oem import oem_world, offered_oem_order, pay_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    world = oem_world(lead_time_days=15)
    buyer, vendor = world["buyer"], world["vendor"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=vendor)
    oem.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    order.refresh_from_db()
    pay_deposit(order)
    oem.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    oem.oem_order_vendor_move(order=order, actor=vendor, to=S.SHIPPED, note="德邦物流 DB20261204")
    order.refresh_from_db()
    return world, order


def test_shipped_delivers_every_line_of_the_shop_order(shipped):
    world, order = shipped
    # then the goods (100) and the tooling fee line (1) are delivered, waiting for acceptance
    rows = list(
        LineFulfilment.objects.filter(line__order=order.oscar_order)
        .order_by("line_id")
        .values_list("status", "ordered", "delivered")
    )
    assert rows == [("delivered", 100, 100), ("delivered", 1, 1)]
    assert set(Delivery.objects.values_list("carrier", "tracking_number", "description")) == {
        ("OEM 发货", order.number, "德邦物流 DB20261204")
    }
    assert selectors.order_accepted(order.oscar_order) is False


def test_the_buyers_acceptance_completes_the_oem_order(shipped):
    world, order = shipped
    buyer = world["buyer"]
    goods, tooling = order.oscar_order.lines.order_by("pk")
    # when the buyer accepts the goods, then the tooling line
    services.acceptance_record(
        order=order.oscar_order, line_id=goods.pk, actor=buyer, quantity=100, result="passed"
    )
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    services.acceptance_record(
        order=order.oscar_order, line_id=tooling.pk, actor=buyer, quantity=1, result="passed"
    )
    # then the shop order is accepted and the OEM order completed by that acceptance
    order.refresh_from_db()
    assert selectors.order_accepted(order.oscar_order) is True
    assert order.status == S.COMPLETED
    assert list(order.events.order_by("-pk").values_list("kind", "note")[:1]) == [
        ("completed", "履约验收合格，订单完成。")
    ]


def test_confirm_receipt_is_the_acceptance_of_everything_delivered(shipped):
    world, order = shipped
    oem.oem_order_confirm_receipt(order=order, actor=world["buyer"])
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert selectors.order_accepted(order.oscar_order) is True
    assert list(
        LineFulfilment.objects.filter(line__order=order.oscar_order).values_list("status", flat=True)
    ) == ["accepted", "accepted"]


def test_the_vendor_cannot_complete_a_shipped_order_itself(shipped):
    world, order = shipped
    assert S.COMPLETED not in oem.vendor_next_states(order)
    with pytest.raises(IllegalTransition) as exc:
        oem.oem_order_vendor_move(order=order, actor=world["vendor"], to=S.COMPLETED)
    assert exc.value.message == "已发货的订单由采购方履约验收，验收合格后订单自动完成。"
    order.refresh_from_db()
    assert order.status == S.SHIPPED
