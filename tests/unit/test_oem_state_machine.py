"""OEM order state machine: the happy path, illegal moves, who may do what, one event per move."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.core.exceptions import DomainError, IllegalTransition, PermissionDenied
from shop.oem import services
from shop.oem.models import ALLOWED_MOVES, OemOrder, OemStatus
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.oem import (
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
    pay_deposit,
    reviewed_oem_order,
    submit_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]
S = OemStatus


@pytest.fixture
def world():
    return oem_world(lead_time_days=15)


def test_every_state_has_moves_defined_and_terminal_states_have_none():
    assert set(ALLOWED_MOVES) == set(S.values)
    assert ALLOWED_MOVES[S.COMPLETED] == set()
    assert ALLOWED_MOVES[S.REJECTED] == set()
    assert ALLOWED_MOVES[S.CANCELLED] == set()


def test_review_routes_to_the_products_vendor_with_lead_time_estimate(world):
    # given a submitted order of 250 units (MOQ 100, base 15 days), sample wanted
    order = reviewed_oem_order(
        buyer=world["buyer"], product=world["product"], quantity=250, sample_required=True
    )
    # then it waits for the vendor's offer, routed to the stock record's partner
    assert order.status == S.REVIEWING
    assert order.partner == world["partner"]
    assert order.estimated_lead_days == 30  # 15 + 2 extra batches x 4 + 7 sample days
    assert [(e.kind, e.from_status, e.to_status) for e in order.events.all()] == [
        ("submitted", "", "submitted"),
        ("reviewed", "submitted", "reviewing"),
    ]


def test_review_twice_changes_nothing_the_second_time(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    services.oem_order_review(order_id=order.pk)
    assert order.events.count() == 2


def test_review_rejects_when_the_moq_was_raised_after_submission(world):
    # given an order at the MOQ, then the vendor raises the MOQ before review
    order = submit_oem_order(buyer=world["buyer"], product=world["product"])
    type(world["product"]).objects.filter(pk=world["product"].pk).update(oem_min_quantity=500)
    # when reviewed
    services.oem_order_review(order_id=order.pk)
    order.refresh_from_db()
    # then it is rejected with the reason
    assert order.status == S.REJECTED
    assert order.review_note == "OEM 定制最小起订量为 500 台，当前数量 100 不足。"


def test_full_path_to_completed_with_one_event_per_move(world):
    buyer, vendor = world["buyer"], world["vendor"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=vendor, sample_required=True)
    services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    order.refresh_from_db()
    pay_deposit(order)
    services.oem_order_vendor_move(order=order, actor=vendor, to=S.SAMPLING)
    services.oem_order_reject_sample(order=order, actor=buyer, reason="Logo 颜色偏浅")
    services.oem_order_approve_sample(order=order, actor=buyer)
    services.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    services.oem_order_vendor_move(order=order, actor=vendor, to=S.SHIPPED)
    services.oem_order_confirm_receipt(order=order, actor=buyer)
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert [(e.kind, e.to_status) for e in order.events.all()] == [
        ("submitted", "submitted"),
        ("reviewed", "reviewing"),
        ("offer", "offered"),
        ("accepted", "confirmed"),
        ("sampling", "sampling"),
        ("sample_rejected", "sampling"),
        ("sample_approved", "sample_approved"),
        ("production", "in_production"),
        ("shipped", "shipped"),
        ("completed", "completed"),
    ]
    assert order.events.get(kind="sample_rejected").note == "Logo 颜色偏浅"


def test_accepting_creates_payable_oscar_order_with_tooling_line_and_deposit_stages(world):
    # given an offer: 100 x 900 + 5000 tooling, deposit 30000, 30 days
    buyer = world["buyer"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=world["vendor"])
    # when the buyer accepts
    order = services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    # then the Oscar order carries the agreed prices and the stages, linked both ways
    shop_order = order.oscar_order
    assert order.status == S.CONFIRMED
    assert order.promised_date == timezone.localdate() + timedelta(days=30)
    assert shop_order.total_incl_tax == Decimal("95000.00")
    assert [(line.quantity, line.unit_price_incl_tax) for line in shop_order.lines.order_by("pk")] == [
        (100, Decimal("900.00")),
        (1, Decimal("5000.00")),
    ]
    assert [(s.label, s.amount, s.status) for s in shop_order.payment_stages.all()] == [
        ("定金", Decimal("30000.00"), "due"),
        ("尾款", Decimal("65000.00"), "due"),
    ]
    assert (shop_order.origin.source, shop_order.origin.reference) == ("oem", order.number)
    assert shop_order.invoice_request.invoice_title == "长沙市数据资源局"
    assert shop_order.oem_order == order


def test_accepting_twice_is_an_illegal_move_and_creates_no_second_order(world):
    from oscar.apps.order.models import Order

    buyer = world["buyer"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=world["vendor"])
    services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    with pytest.raises(IllegalTransition) as exc:
        services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    assert str(exc.value) == "当前状态为“已确认（待付定金）”，不能变更为“已确认（待付定金）”。"
    assert Order.objects.count() == 1


def test_vendor_cannot_ship_an_order_that_waits_for_an_offer(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    with pytest.raises(IllegalTransition) as exc:
        services.oem_order_vendor_move(order=order, actor=world["vendor"], to=S.SHIPPED)
    assert str(exc.value) == "当前状态为“待报价”，不能变更为“已发货”。"
    assert order.events.count() == 2


def test_vendor_cannot_confirm_on_the_buyers_behalf(world):
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    with pytest.raises(IllegalTransition, match="供应商不能将订单变更为“已确认（待付定金）”"):
        services.oem_order_vendor_move(order=order, actor=world["vendor"], to=S.CONFIRMED)
    with pytest.raises(PermissionDenied, match="只有下单的采购人可以进行此操作"):
        services.oem_order_accept_offer(
            order=order, actor=world["vendor"], offer_revision=order.offer_revision
        )


def test_production_waits_for_the_deposit_and_for_the_sample(world):
    buyer, vendor = world["buyer"], world["vendor"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=vendor, sample_required=True)
    order = services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    with pytest.raises(DomainError, match="需要先打样"):
        services.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    with pytest.raises(DomainError, match="定金尚未到账"):
        services.oem_order_vendor_move(order=order, actor=vendor, to=S.SAMPLING)
    assert OemOrder.objects.get(pk=order.pk).status == S.CONFIRMED


def test_another_vendor_may_not_touch_the_order_but_an_operator_may(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    other_vendor, _ = make_vendor_user()
    with pytest.raises(PermissionDenied, match="您无权处理此 OEM 订单"):
        services.oem_order_make_offer(
            order=order,
            actor=other_vendor,
            unit_price=Decimal("1"),
            tooling_fee=Decimal("0"),
            deposit=Decimal("1"),
            lead_days=10,
        )
    services.oem_order_vendor_move(order=order, actor=OperatorFactory(), to=S.REJECTED, note="无法满足")
    order.refresh_from_db()
    assert order.status == S.REJECTED


def test_buyer_may_cancel_until_accepting_but_not_after(world):
    buyer = world["buyer"]
    cancelled = reviewed_oem_order(buyer=buyer, product=world["product"])
    services.oem_order_cancel(order=cancelled, actor=buyer, reason="预算调整")
    assert OemOrder.objects.get(pk=cancelled.pk).status == S.CANCELLED

    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=world["vendor"])
    services.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    with pytest.raises(IllegalTransition) as exc:
        services.oem_order_cancel(order=order, actor=buyer)
    assert str(exc.value) == "当前状态为“已确认（待付定金）”，已不能取消；如需变更请联系供应商或平台客服。"


def test_rejecting_needs_a_reason_and_a_sample_rejection_needs_one_too(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    with pytest.raises(DomainError, match="请填写拒绝原因"):
        services.oem_order_vendor_move(order=order, actor=world["vendor"], to=S.REJECTED, note=" ")
    with pytest.raises(DomainError, match="请填写样品不通过的原因"):
        services.oem_order_reject_sample(order=order, actor=world["buyer"], reason="")


def test_offer_rules_are_checked_before_anything_changes(world):
    from django.core.exceptions import ValidationError

    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    with pytest.raises(ValidationError) as exc:
        services.oem_order_make_offer(
            order=order,
            actor=world["vendor"],
            unit_price=Decimal("10"),
            tooling_fee=Decimal("0"),
            deposit=Decimal("2000"),
            lead_days=0,
        )
    assert exc.value.message_dict == {
        "deposit": ["定金必须大于零且不超过订单总额 ¥1,000.00。"],
        "lead_days": ["交期须在 1 至 730 天之间。"],
    }
    assert OemOrder.objects.get(pk=order.pk).status == S.REVIEWING
