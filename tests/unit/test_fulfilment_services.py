"""Delivery and 履约验收 through the services: partial deliveries, acceptance bounded by what
was delivered, rejection back to the vendor and re-delivery, the order accepted once (its
payment opened exactly once), who may deliver and accept, and when delivery may start."""

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import OrgType
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.mail import OutboundEmail
from shop.fulfilment import selectors, services
from shop.fulfilment.models import (
    Acceptance,
    Delivery,
    Fulfilment,
    FulfilmentEvent,
    LineFulfilment,
)
from shop.payments import services as payments
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.fulfilment import allow_prepay, fulfilment_world, pay_all, unit_order

pytestmark = pytest.mark.django_db

Notification = get_model("communication", "Notification")
ShippingEventQuantity = get_model("order", "ShippingEventQuantity")


@pytest.fixture
def opened(monkeypatch):
    """Every call of payments.payable_open (the real one runs; the calls are recorded)."""
    calls = []
    real = payments.payable_open

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(payments, "payable_open", spy)
    return calls


def ship(w, order, qty, line=None):
    line = line or order.lines.get()
    return services.delivery_record(
        order=order,
        line_id=line.pk,
        actor=w.vendor,
        kind="shipment",
        quantity=qty,
        carrier="顺丰速运",
        tracking_number=f"SF10{qty}",
    )


def accept(w, order, qty, result="passed", comments="", by=None, line=None):
    line = line or order.lines.get()
    return services.acceptance_record(
        order=order,
        line_id=line.pk,
        actor=by or w.handler,
        quantity=qty,
        result=result,
        comments=comments,
    )


def state(order) -> tuple:
    s = LineFulfilment.objects.get(line__order=order)
    return (s.status, s.ordered, s.delivered, s.accepted, s.rejected)


def kinds(order) -> list:
    return list(selectors.order_events(order=order).values_list("kind", "from_status", "to_status"))


def test_partial_delivery_then_acceptance_opens_the_payment_once(opened):
    # given an order of 5 units of a company unit, paid after acceptance (履约中)
    w = fulfilment_world()
    order = unit_order(w, qty=5)
    assert (order.status, order.origin.settlement) == ("履约中", "after_acceptance")
    # when the vendor ships 2 and the 经办人 accepts them
    ship(w, order, 2)
    accept(w, order, 2, comments="外观完好")
    # then 2 of 5 are accepted, the line waits for the rest, the order is not accepted
    assert state(order) == ("pending", 5, 2, 2, 0)
    assert selectors.order_accepted(order) is False
    assert opened == []
    # when the vendor ships the other 3 and they are accepted
    ship(w, order, 3)
    accept(w, order, 3)
    # then the line and the order are accepted and the payment opened once, due 30 days later
    order.refresh_from_db()
    assert state(order) == ("accepted", 5, 5, 5, 0)
    assert selectors.order_accepted(order) is True
    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.accepted_by, fulfilment.accepted_at) == (
        w.handler,
        Acceptance.objects.last().created_at,
    )
    assert [(c["order"].pk, c["accepted_at"], c["actor"]) for c in opened] == [
        (order.pk, fulfilment.accepted_at, w.handler)
    ]
    due_on = payments.payment_due_date(timezone.localtime(fulfilment.accepted_at).date(), 30)
    assert order.status == "待付款"
    assert list(order.payment_stages.values_list("status", "due_on")) == [("due", due_on)]
    # Oscar's record of the line: "已验收" shipping events of 2 and 3
    assert list(
        ShippingEventQuantity.objects.filter(line__order=order)
        .order_by("pk")
        .values_list("event__event_type__name", "quantity")
    ) == [("已验收", 2), ("已验收", 3)]
    # one event per state change
    assert kinds(order) == [
        ("delivered", "pending", "delivered"),
        ("accepted_part", "delivered", "pending"),
        ("delivered", "pending", "delivered"),
        ("accepted_line", "delivered", "accepted"),
        ("order_accepted", "open", "accepted"),
    ]


def test_an_order_paid_after_its_acceptance_is_completed_by_the_payment():
    # given an order paid after acceptance, delivered and accepted in full (待付款)
    w = fulfilment_world()
    order = unit_order(w, qty=2)
    ship(w, order, 2)
    accept(w, order, 2)
    order.refresh_from_db()
    assert order.status == "待付款"
    # when its payment is received
    pay_all(order)
    # then nothing is left to do: 已付款, then 已完成, one audit event each
    assert order.status == "已完成"
    from shop.payments.models import PaymentAuditEvent

    moves = PaymentAuditEvent.objects.filter(order=order, kind="order_status").order_by("pk")
    assert [(e.from_status, e.to_status, e.note) for e in moves][-2:] == [
        ("待付款", "已付款", "全款 已收款"),
        ("已付款", "已完成", "已验收并付清。"),
    ]


def test_a_prepaid_order_is_delivered_once_paid_and_completed_by_its_acceptance(opened):
    # given an order whose vendor lets companies pay first, not paid yet
    w = fulfilment_world()
    allow_prepay(w.partner)
    order = unit_order(w, qty=2)
    assert (order.status, order.origin.settlement) == ("待付款", "prepay")
    # when the vendor ships before the money arrived
    with pytest.raises(Conflict) as exc:
        ship(w, order, 2)
    # then it is told why, and nothing is stored
    assert exc.value.message == "该订单为付款后发货，采购方付清款项后才能交付。"
    assert Delivery.objects.count() == 0
    # when the order is paid, shipped and accepted
    pay_all(order)
    ship(w, order, 2)
    accept(w, order, 2)
    # then the payment is asked once (nothing to open: it was paid) and the order is completed
    order.refresh_from_db()
    assert len(opened) == 1
    assert order.status == "已完成"
    assert set(order.lines.values_list("status", flat=True)) == {"已完成"}
    assert list(order.payment_stages.values_list("status", flat=True)) == ["paid"]


def test_acceptance_of_more_than_delivered_is_refused_and_stores_nothing(opened):
    # given 2 of 5 units delivered
    w = fulfilment_world()
    order = unit_order(w, qty=5)
    ship(w, order, 2)
    # when the 经办人 accepts 3
    with pytest.raises(Invalid) as exc:
        accept(w, order, 3)
    # then a Chinese error names the most that can be accepted, and nothing changed
    assert exc.value.message == "验收数量不能超过已交付未验收的数量（2）。"
    assert Acceptance.objects.count() == 0
    assert state(order) == ("delivered", 5, 2, 0, 0)
    assert kinds(order) == [("delivered", "pending", "delivered")]
    # and once the 2 are accepted, accepting again has nothing left
    accept(w, order, 2)
    with pytest.raises(Conflict) as exc:
        accept(w, order, 1)
    assert exc.value.message == "“75 寸会议一体机”目前没有已交付待验收的数量。"
    assert Acceptance.objects.count() == 1
    assert opened == []


@pytest.mark.parametrize(
    "qty, message",
    [
        ("0", "数量必须大于零。"),
        ("-1", "请填写正整数数量。"),
        ("1.5", "请填写正整数数量。"),
        ("", "请填写正整数数量。"),
    ],
)
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(qty, message):
    w = fulfilment_world()
    order = unit_order(w, qty=5)
    ship(w, order, 2)
    with pytest.raises(Invalid) as exc:
        accept(w, order, qty)
    assert exc.value.message == message
    with pytest.raises(Invalid) as exc:
        ship(w, order, qty)
    assert exc.value.message == message
    assert (Acceptance.objects.count(), Delivery.objects.count()) == (0, 1)


def test_rejection_goes_back_to_the_vendor_and_a_redelivery_can_be_accepted(opened):
    # given all 5 units delivered
    w = fulfilment_world()
    order = unit_order(w, qty=5)
    ship(w, order, 5)
    # when the 经办人 finds 2 不合格 with the reason, and accepts 3
    accept(w, order, 2, result="failed", comments="屏幕有坏点")
    accept(w, order, 3)
    # then the line is back with the vendor, 2 to deliver again
    s = LineFulfilment.objects.get(line__order=order)
    assert (s.status, s.accepted, s.rejected, s.deliverable, s.awaiting_inspection) == (
        "rejected",
        3,
        2,
        2,
        0,
    )
    # and the vendor is told the reason in the site and by mail
    note = Notification.objects.get(recipient=w.vendor)
    assert note.subject == f"订单 {order.number} 验收不合格，请重新交付"
    assert "2 件/项不合格。原因：屏幕有坏点" in note.body
    mail = OutboundEmail.objects.get(to=[w.vendor.email])
    assert mail.subject == f"【湘慧商城】订单 {order.number} 验收不合格，请重新交付"
    # when it delivers more than the 2 it may
    with pytest.raises(Invalid) as exc:
        ship(w, order, 3)
    assert exc.value.message == "交付数量超过可交付数量：订购 5，已交付且未退回 3，还可交付 2。"
    # then nothing was stored; the 2 replacements are delivered and accepted
    ship(w, order, 2)
    accept(w, order, 2)
    assert state(order) == ("accepted", 5, 7, 5, 2)
    assert selectors.order_accepted(order) is True
    assert len(opened) == 1
    assert [k for k, _f, _t in kinds(order)] == [
        "delivered",
        "rejected",
        "accepted_part",
        "delivered",
        "accepted_line",
        "order_accepted",
    ]


def test_a_rejection_without_a_reason_is_refused():
    w = fulfilment_world()
    order = unit_order(w, qty=1)
    ship(w, order, 1)
    with pytest.raises(Invalid) as exc:
        accept(w, order, 1, result="failed", comments="  ")
    assert exc.value.message == "请填写不合格的原因，供应商将据此重新交付。"
    assert Acceptance.objects.count() == 0


def test_delivery_of_more_than_ordered_is_refused():
    w = fulfilment_world()
    order = unit_order(w, qty=5)
    with pytest.raises(Invalid) as exc:
        ship(w, order, 6)
    assert exc.value.message == "交付数量超过可交付数量：订购 5，已交付且未退回 0，还可交付 5。"
    ship(w, order, 5)
    with pytest.raises(Invalid):
        ship(w, order, 1)
    assert list(Delivery.objects.values_list("quantity", flat=True)) == [5]


def test_a_shipment_needs_carrier_and_tracking_number_and_a_service_a_description():
    w = fulfilment_world()
    order = unit_order(w, qty=1)
    line = order.lines.get()
    with pytest.raises(Invalid) as exc:
        services.delivery_record(order=order, line_id=line.pk, actor=w.vendor, kind="shipment", quantity=1)
    assert exc.value.message == "请填写承运商。"
    with pytest.raises(Invalid) as exc:
        services.delivery_record(order=order, line_id=line.pk, actor=w.vendor, kind="service", quantity=1)
    assert exc.value.message == "请填写交付说明。"
    with pytest.raises(Invalid) as exc:
        services.delivery_record(order=order, line_id=line.pk, actor=w.vendor, kind="drone", quantity=1)
    assert exc.value.message == "请选择交付方式（物流发货或服务交付）。"
    d = services.delivery_record(
        order=order,
        line_id=line.pk,
        actor=w.vendor,
        kind="service",
        quantity=1,
        description="已完成部署与培训",
    )
    assert (d.kind, d.description, d.carrier) == ("service", "已完成部署与培训", "")


@pytest.mark.parametrize("role", ["approver", "finance"])
def test_a_member_without_the_role_may_not_accept(role):
    # given a delivered order of the unit
    w = fulfilment_world()
    order = unit_order(w, qty=2)
    ship(w, order, 2)
    # when its 审批人 / 财务 records the acceptance
    with pytest.raises(PermissionDenied) as exc:
        accept(w, order, 2, by=getattr(w, role))
    # then the unit's refusal names who may, and nothing is stored
    assert exc.value.message == "只有本单位的管理员、经办人可以验收本单位的订单。"
    assert Acceptance.objects.count() == 0


def test_the_units_admin_may_accept():
    w = fulfilment_world()
    order = unit_order(w, qty=2)
    ship(w, order, 2)
    accept(w, order, 2, by=w.admin)
    assert selectors.order_accepted(order) is True


def test_another_units_member_and_another_vendor_find_no_such_order():
    w = fulfilment_world()
    other = fulfilment_world()
    order = unit_order(w, qty=2)
    # another vendor
    with pytest.raises(NotFound):
        services.delivery_record(
            order=order,
            line_id=order.lines.get().pk,
            actor=other.vendor,
            kind="shipment",
            quantity=1,
            carrier="顺丰速运",
            tracking_number="SF1",
        )
    ship(w, order, 2)
    # another unit's 经办人
    with pytest.raises(NotFound):
        accept(w, order, 2, by=other.handler)
    assert (Delivery.objects.count(), Acceptance.objects.count()) == (1, 0)


def test_a_vendor_delivers_only_its_own_line_of_a_two_vendor_order():
    w = fulfilment_world()
    b_vendor, b_partner = make_vendor_user()
    order = unit_order(
        w, lines=[("会议一体机", "1000.00", 2, w.partner), ("运维服务", "300.00", 1, b_partner)]
    )
    a_line, b_line = order.lines.order_by("pk")
    with pytest.raises(NotFound):
        ship(w, order, 1, line=b_line)
    ship(w, order, 2, line=a_line)
    accept(w, order, 2, line=a_line)
    # one line accepted is not the order accepted
    assert selectors.order_accepted(order) is False
    services.delivery_record(
        order=order,
        line_id=b_line.pk,
        actor=b_vendor,
        kind="service",
        quantity=1,
        description="一年运维已开通",
    )
    accept(w, order, 1, line=b_line)
    assert selectors.order_accepted(order) is True


@pytest.mark.parametrize(
    "status, message",
    [("待审批", "订单正在等待采购单位审批，审批通过后才能交付。"), ("已取消", "订单已取消，不能交付。")],
)
def test_an_order_awaiting_approval_or_cancelled_is_not_delivered(status, message):
    w = fulfilment_world()
    order = unit_order(w, qty=2)
    type(order).objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        ship(w, order, 1)
    assert exc.value.message == message
    assert Delivery.objects.count() == 0


def test_an_award_needs_its_signed_contract_before_delivery():
    # given a government unit's paid direct order (an award: it needs a contract)
    w = fulfilment_world(org_type=OrgType.PARTY_GOV)
    order = unit_order(w, qty=2)
    # when the vendor ships before both parties signed
    with pytest.raises(Conflict) as exc:
        ship(w, order, 2)
    # then delivery waits for the contract
    assert exc.value.message == "该订单的合同尚未由双方确认签订，签订后才能交付。"
    assert Delivery.objects.count() == 0


def test_a_buyer_without_a_unit_accepts_their_own_order():
    w = fulfilment_world()
    buyer = UserFactory()
    order = unit_order(w, qty=1, unit=False, buyer=buyer)
    ship(w, order, 1)
    # another buyer without a unit finds no such order; the buyer accepts it
    with pytest.raises(NotFound):
        accept(w, order, 1, by=UserFactory())
    accept(w, order, 1, by=buyer)
    assert selectors.order_accepted(order) is True


def test_the_buyer_side_is_told_of_a_delivery():
    w = fulfilment_world()
    order = unit_order(w, qty=2)
    ship(w, order, 2)
    told = sorted(
        Notification.objects.filter(subject=f"订单 {order.number} 已交付，请验收").values_list(
            "recipient__username", flat=True
        )
    )
    # the members who may accept: 管理员 and 经办人 (not 审批人 or 财务)
    assert told == sorted([w.admin.username, w.handler.username])


def test_the_accepted_order_refuses_further_deliveries_and_acceptances():
    w = fulfilment_world()
    order = unit_order(w, qty=1)
    ship(w, order, 1)
    accept(w, order, 1)
    with pytest.raises(Conflict) as exc:
        ship(w, order, 1)
    assert exc.value.message == "订单已验收完成，无需再交付。"
    with pytest.raises(Conflict) as exc:
        accept(w, order, 1)
    assert exc.value.message == "订单已验收完成。"
    assert FulfilmentEvent.objects.filter(kind="order_accepted").count() == 1
