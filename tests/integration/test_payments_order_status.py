"""Oscar's order dashboard changes an order's status through the payments service: 部分付款 /
已付款 only when recorded payments add up, every change guarded and audited."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from shop.core.exceptions import DomainError
from shop.payments import services
from shop.payments.models import PaymentAuditEvent
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.payments import placed_order

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
OrderStatusChange = get_model("order", "OrderStatusChange")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")


@pytest.fixture
def order():
    _vendor, partner = make_vendor_user()
    return placed_order(
        buyer=UserFactory(),
        partner=partner,
        price="11800.00",
        qty=2,
        stages=[("定金", "7080.00"), ("尾款", "16520.00")],
    )


def _detail_post(client, order, status):
    return client.post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {"order_action": "change_order_status", "new_status": status},
        follow=True,
    )


@pytest.mark.parametrize("status", ["已付款", "部分付款"])
def test_operator_cannot_mark_an_unpaid_order_paid_in_the_order_dashboard(client, order, status):
    # given an operator on an order of which nothing was paid
    client.force_login(OperatorFactory())
    # when the operator sets it to a payment status on the order page
    page = _detail_post(client, order, status).content.decode()
    # then it is refused with the amounts, and nothing was written
    assert (
        f"订单 {order.number}：订单款项不支持变更为“{status}”：已收 ¥0.00，应付 ¥23,600.00。"
        "收款须在“收款与发票”中确认到账或在线支付，订单状态会随之自动更新。"
    ) in page
    order.refresh_from_db()
    assert order.status == "待付款"
    assert OrderStatusChange.objects.filter(order=order).count() == 0
    assert PaymentAuditEvent.objects.filter(order=order, kind__startswith="order_status").count() == 0


def test_operator_cannot_mark_orders_paid_from_the_order_list(client, order):
    # given an operator on the order list
    client.force_login(OperatorFactory())
    # when the operator changes the selected order to 已付款 in bulk
    client.post(
        reverse("dashboard:order-list"),
        {"action": "change_order_statuses", "selected_order": [order.pk], "new_status": "已付款"},
        follow=True,
    )
    # then the order is unchanged and no status change was recorded
    order.refresh_from_db()
    assert order.status == "待付款"
    assert OrderStatusChange.objects.filter(order=order).count() == 0
    # and the list offers no payment status for batch changes
    statuses = client.get(reverse("dashboard:order-list")).context["order_statuses"]
    # nor 履约中, which only 履约验收 leaves (a hand change into it is refused: test_payments_settlement)
    assert statuses == ["待付款", "处理中", "已发货", "已完成", "已取消"]


def test_the_order_page_does_not_offer_payment_statuses(client, order):
    # given an operator on an unpaid order's page
    client.force_login(OperatorFactory())
    # when the page is shown
    response = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    # then only 已取消 is offered by hand
    form = response.context["order_status_form"]
    assert [value for value, _label in form.fields["new_status"].choices] == ["已取消"]


def test_the_page_of_an_order_in_fulfilment_offers_only_cancelling(client, order):
    # given an order paid after acceptance, waiting for its 履约验收
    Order.objects.filter(pk=order.pk).update(status="履约中")
    client.force_login(OperatorFactory())
    # when an operator opens its page
    response = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    # then 已取消 is the only status offered (待付款 follows the acceptance)
    form = response.context["order_status_form"]
    assert [value for value, _label in form.fields["new_status"].choices] == ["已取消"]


def test_a_manual_change_is_guarded_audited_and_cancels_the_open_stages(client, order):
    # given an operator
    operator = OperatorFactory()
    client.force_login(operator)
    # when the operator cancels the order on the order page
    page = _detail_post(client, order, "已取消").content.decode()
    # then the order is cancelled with one Oscar status change and one audit event by the operator
    assert f"订单 {order.number} 状态已由“待付款”变更为“已取消”。" in page
    order.refresh_from_db()
    assert order.status == "已取消"
    assert list(OrderStatusChange.objects.filter(order=order).values_list("old_status", "new_status")) == [
        ("待付款", "已取消")
    ]
    events = PaymentAuditEvent.objects.filter(order=order, kind="order_status_manual")
    assert list(events.values_list("actor", "from_status", "to_status")) == [
        (operator.pk, "待付款", "已取消")
    ]
    # and nothing stays payable on it
    assert list(order.payment_stages.values_list("status", flat=True)) == ["cancelled", "cancelled"]


def test_payments_that_add_up_still_move_the_order(order):
    # given the deposit recorded
    deposit, balance = order.payment_stages.order_by("sequence")
    services.stage_mark_paid(stage=deposit, method="bank_transfer", reference="HX-1")
    order.refresh_from_db()
    assert order.status == "部分付款"
    # when someone tries to call the order paid before the balance arrives
    with pytest.raises(DomainError):
        services.order_status_move(order=order, to="已付款")
    # then only the balance's receipt makes it 已付款
    services.stage_mark_paid(stage=balance, method="bank_transfer", reference="HX-2")
    order.refresh_from_db()
    assert order.status == "已付款"


def test_a_vendor_cannot_set_its_lines_to_a_payment_status(client):
    # given a vendor's own order line
    vendor, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner)
    line = order.lines.get()
    client.force_login(vendor)
    # when the vendor sets the line to 已付款
    page = client.post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {
            "line_action": "change_line_statuses",
            "selected_line": [line.pk],
            f"selected_line_qty_{line.pk}": "1",
            "new_status": "已付款",
        },
        follow=True,
    ).content.decode()
    # then it is refused
    assert "“已付款”由收款记录自动设置，不能手工修改商品行状态。" in page
    line.refresh_from_db()
    assert line.status == "待付款"


@pytest.mark.parametrize(
    "data",
    [
        {"order_action": "create_order_payment_event", "payment_event_type": "paid", "amount": "1e30"},
        {"order_action": "create_order_payment_event", "payment_event_type": "paid", "amount": "NaN"},
        {"line_action": "create_payment_event", "payment_event_type": "paid", "amount": "23600.00"},
    ],
)
def test_operator_cannot_record_a_payment_outside_the_payment_stages(client, order, data):
    # given an operator on an unpaid order, and the event type Oscar would use
    PaymentEventType.objects.get_or_create(code="paid", defaults={"name": "已收款"})
    client.force_login(OperatorFactory())
    line = order.lines.get()
    # when a payment event is posted from Oscar's order page (free amount, no stage)
    response = client.post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {**data, "selected_line": [line.pk], f"selected_line_qty_{line.pk}": "2"},
    )
    # then it is turned away without a 500 and no payment exists
    assert response.status_code == 302
    assert PaymentEvent.objects.filter(order=order).count() == 0
    order.refresh_from_db()
    assert order.status == "待付款"


def test_the_operator_order_page_offers_no_payment_event_and_no_payment_line_status(client, order):
    # given an operator
    client.force_login(OperatorFactory())
    # when the order page is shown
    html = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number})).content.decode()
    # then lines can be set to any status but the payment ones, and there is no payment event form
    section = html.split('id="operator-line-actions"')[1].split("</select>")[0]
    assert "<option>已取消</option>" in section
    assert "<option>已付款</option>" not in section and "<option>部分付款</option>" not in section
    assert 'value="create_payment_event"' not in html
