"""确认到账 compares the amount received (entered by the vendor / operator from the bank
statement) with what the stage still asks for: equal pays it, less leaves 还差 open, more is
refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.core.exceptions import DomainError
from shop.payments import gateway, services
from shop.payments.models import BankTransfer, PaymentAuditEvent, StripePayment
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import connect_stripe, placed_order, transfer_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    buyer = UserFactory()
    vendor, partner = make_vendor_user()
    connect_stripe(partner)  # the vendor takes cards on its own Stripe account
    order = placed_order(buyer=buyer, partner=partner, price="11800.00", qty=2)  # ¥23,600.00
    return {"buyer": buyer, "vendor": vendor, "order": order}


def _upload(client, order, amount):
    stage = order.payment_stages.get()
    return client.post(
        reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1}),
        transfer_post(stage, amount=amount),
    )


def _confirm(client, transfer, received):
    return client.post(
        reverse("dashboard:payments-transfer-confirm", kwargs={"pk": transfer.pk}),
        {"received_amount": received, "note": ""},
        follow=True,
    )


def _stage_and_order(order):
    order.refresh_from_db()
    return order.payment_stages.get().status, order.status


def test_received_amount_equal_to_the_amount_due_pays_the_stage(client, world):
    # given a slip for the whole ¥23,600.00
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order, "23600.00")
    transfer = BankTransfer.objects.get()
    # when the vendor confirms ¥23,600.00 received
    client.force_login(world["vendor"])
    page = _confirm(client, transfer, "23600.00").content.decode()
    # then the stage is paid and the order is 已付款
    assert "已确认到账：全款 ¥23,600.00，订单状态已更新。" in page
    assert _stage_and_order(order) == ("paid", "已付款")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_amount) == ("confirmed", Decimal("23600.00"))
    assert order.payment_events.get().amount == Decimal("23600.00")


def test_less_received_leaves_the_shortfall_open_until_the_rest_arrives(client, world):
    # given a slip that says ¥23,600.00, of which only ¥20,000.00 reached the account
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order, "23600.00")
    first = BankTransfer.objects.get()
    client.force_login(world["vendor"])
    # when the vendor confirms what the bank statement shows
    page = _confirm(client, first, "20000.00").content.decode()
    # then the stage stays due, the receipt is booked and the difference is shown
    assert "已登记实收 ¥20,000.00；全款还差 ¥3,600.00，款项保持待支付，待采购方补足后再确认。" in page
    assert _stage_and_order(order) == ("due", "待付款")
    first.refresh_from_db()
    assert (first.status, first.received_amount) == ("confirmed", Decimal("20000.00"))
    assert list(order.payment_events.values_list("amount", flat=True)) == [Decimal("20000.00")]
    assert PaymentAuditEvent.objects.filter(transfer=first, kind="transfer_short").count() == 1
    # and the buyer sees 还差 ¥3,600.00, with the transfer form asking for that amount
    client.force_login(world["buyer"])
    html = client.get(reverse("payments:order-detail", kwargs={"number": order.number})).content.decode()
    assert "已到账 ¥20,000.00，还差 ¥3,600.00" in html
    assert 'name="amount" value="3600.00"' in html
    # when the buyer sends the rest and the vendor confirms it
    _upload(client, order, "3600.00")
    second = BankTransfer.objects.get(status="submitted")
    client.force_login(world["vendor"])
    _confirm(client, second, "3600.00")
    # then the stage is paid and the Oscar order holds both receipts, adding up to the total
    assert _stage_and_order(order) == ("paid", "已付款")
    assert sorted(order.payment_events.values_list("amount", flat=True)) == [
        Decimal("3600.00"),
        Decimal("20000.00"),
    ]
    assert order.sources.get().amount_debited == Decimal("23600.00")


def test_more_received_than_due_is_refused_and_changes_nothing(client, world):
    # given a slip for the whole amount
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order, "23600.00")
    transfer = BankTransfer.objects.get()
    # when the vendor enters more than the stage asks for
    client.force_login(world["vendor"])
    page = _confirm(client, transfer, "23600.01").content.decode()
    # then it is refused with the reason and nothing changed
    assert (
        "实收金额 ¥23,600.01 超过该款项尚需支付的 ¥23,600.00，不能确认。多付的款项请与采购方核对后退回，再按应收金额确认。"
        in page
    )
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_amount) == ("submitted", None)
    assert _stage_and_order(order) == ("due", "待付款")
    assert order.payment_events.count() == 0


@pytest.mark.parametrize(
    ("received", "message"),
    [
        ("", "请填写金额。"),
        ("0", "金额必须大于零。"),
        ("-1", "金额必须大于零。"),
        ("0.001", "金额最多保留两位小数（精确到分）。"),
        ("1e-9", "金额最多保留两位小数（精确到分）。"),
        ("NaN", "请输入有效的金额（元）。"),
        ("1000000000000", "金额不能超过 ¥99,999,999.99。"),
        ("1e30", "金额不能超过 ¥99,999,999.99。"),
        ("12345678901234567890", "金额不能超过 ¥99,999,999.99。"),
    ],
)
def test_a_received_amount_that_is_not_a_sane_amount_is_a_chinese_error(client, world, received, message):
    # given a slip waiting for confirmation
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order, "23600.00")
    transfer = BankTransfer.objects.get()
    # when the vendor enters an impossible amount
    client.force_login(world["vendor"])
    response = _confirm(client, transfer, received)
    # then the page says why, and nothing changed
    assert response.status_code == 200
    assert message in response.content.decode()
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_amount) == ("submitted", None)
    assert order.payment_events.count() == 0


def _short_receipt(client, world, received="20000.00"):
    """The buyer's slip for ¥23,600.00 of which the vendor confirms ``received``."""
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order, "23600.00")
    client.force_login(world["vendor"])
    _confirm(client, BankTransfer.objects.get(), received)
    return order.payment_stages.get()


def test_a_partly_received_stage_is_not_offered_for_card_payment(client, world):
    # given ¥20,000.00 of ¥23,600.00 received by transfer
    stage = _short_receipt(client, world)
    # when the buyer tries to pay the stage by card
    with pytest.raises(DomainError) as refused:
        services.stripe_attempt_start(stage=stage, user=world["buyer"], token="t1")
    # then it is refused with what is missing, and no attempt exists
    assert refused.value.message == "该款项已部分到账，还差 ¥3,600.00，请继续通过对公转账补足。"
    assert StripePayment.objects.count() == 0


def test_a_card_payment_that_lands_after_a_short_receipt_is_flagged_for_a_refund(client, world):
    # given a card payment of the whole stage under way when ¥20,000.00 was confirmed by transfer
    order = world["order"]
    stage = order.payment_stages.get()
    attempt = StripePayment.objects.create(
        order=order,
        stage=stage,
        attempt=1,
        client_token="late",
        idempotency_key=f"xh-{order.number}-1-1",
        payment_intent_id="pi_late",
        amount=stage.amount,
        status="processing",
        created_by=world["buyer"],
    )
    _short_receipt(client, world)
    # when Stripe reports the whole stage paid
    intent = gateway.Intent(id="pi_late", status="succeeded", amount_fen=2360000, currency="CNY")
    attempt = services.stripe_intent_apply(attempt=attempt, intent=intent)
    # then the stage is paid, the card amount is booked as charged, and the attempt is flagged
    stage.refresh_from_db()
    assert stage.status == "paid"
    assert sorted(order.payment_events.values_list("amount", flat=True)) == [
        Decimal("20000.00"),
        Decimal("23600.00"),
    ]
    assert (
        attempt.flagged
        == "该款项已对公转账到账 ¥20,000.00，又在线全额付款 pi_late，需人工核对并退还多收款项。"
    )
