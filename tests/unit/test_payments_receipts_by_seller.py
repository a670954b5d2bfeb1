"""The seller whose account received a transfer confirms it: the vendor for its own sales, an
operator only for the mall's own (自营) sales. The amount received is compared with the amount
due; a shortfall stays open with the difference; bad amounts are refused in Chinese."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.core.exceptions import DomainError, PermissionDenied
from shop.payments.models import BankTransfer, PaymentStage
from shop.payments.services import bank_transfer_confirm, bank_transfer_submit
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.payments import accept, slip_pdf, unit_order, unit_world

pytestmark = pytest.mark.django_db


def _slip(order, user, amount="12000.00") -> BankTransfer:
    return bank_transfer_submit(
        stage=order.payment_stages.get(sequence=1),
        user=user,
        payer_name="长沙市某局",
        amount=Decimal(amount),
        remitted_on=timezone.localdate(),
        slip=slip_pdf(),
    )


@pytest.fixture
def accepted():
    """A government unit's order of a vendor's goods, delivered and accepted: ¥12,000 due."""
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    return world, order


def test_vendor_confirms_its_own_sale_and_a_shortfall_stays_open(accepted):
    # given the 财务's slip for the accepted order
    world, order = accepted
    transfer = _slip(order, world.finance.user)
    # when the vendor confirms ¥11,000.50 received
    result = bank_transfer_confirm(transfer=transfer, actor=world.vendor, received_amount="11000.50")
    # then the stage stays due with ¥999.50 open, shown on the buyer's page
    assert result.shortfall == Decimal("999.50")
    stage = PaymentStage.objects.get(order=order)
    assert stage.status == "due"
    client = Client()
    client.force_login(world.finance.user)
    page = client.get(reverse("payments:order-detail", kwargs={"number": order.number})).content.decode()
    assert "已到账 ¥11,000.50，还差 ¥999.50" in page
    # when the rest arrives and the vendor confirms it
    rest = _slip(order, world.finance.user, amount="999.50")
    bank_transfer_confirm(transfer=rest, actor=world.vendor, received_amount="999.50")
    # then the order is paid
    order.refresh_from_db()
    assert order.status == "已付款"


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "实收金额必须大于零。"),
        ("0.00", "实收金额必须大于零。"),
        ("-100", "实收金额必须大于零。"),
        ("100.005", "实收金额最多保留两位小数（精确到分）。"),
        ("1e30", "实收金额不能超过 ¥99,999,999.99。"),
        ("NaN", "实收金额不是有效的金额。"),
        ("一万", "实收金额不是有效的金额。"),
        ("12000.01", "实收金额 ¥12,000.01 超过该款项尚需支付的 ¥12,000.00，不能确认。"),
    ],
)
def test_bad_received_amounts_are_refused_in_chinese_and_store_nothing(accepted, amount, message):
    # given a slip waiting for confirmation
    world, order = accepted
    transfer = _slip(order, world.finance.user)
    # when the vendor confirms a bad amount
    with pytest.raises(DomainError) as exc:
        bank_transfer_confirm(transfer=transfer, actor=world.vendor, received_amount=amount)
    # then the Chinese reason and nothing changed
    assert message in exc.value.message
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_amount) == ("submitted", None)
    assert PaymentStage.objects.get(order=order).status == "due"


def test_dashboard_refuses_bad_amounts_in_chinese(accepted):
    # given a slip and the vendor in its dashboard
    world, order = accepted
    transfer = _slip(order, world.finance.user)
    client = Client(raise_request_exception=False)
    client.force_login(world.vendor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("dashboard:payments-transfer-confirm", kwargs={"pk": transfer.pk})
    for amount, message in (("0", "金额必须大于零。"), ("10.123", "金额最多保留两位小数（精确到分）。")):
        # when it posts the bad amount
        response = client.post(url, {"received_amount": amount, "note": ""}, follow=True)
        # then the page says why and nothing is stored
        assert response.status_code == 200 and message in response.content.decode()
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_amount) == ("submitted", None)


def test_an_operator_cannot_confirm_a_vendors_sale(accepted):
    # given a slip for the vendor's sale
    world, order = accepted
    transfer = _slip(order, world.finance.user)
    operator = OperatorFactory()
    # when an operator confirms it (service and dashboard)
    with pytest.raises(PermissionDenied) as exc:
        bank_transfer_confirm(transfer=transfer, actor=operator, received_amount="12000.00")
    client = Client()
    client.force_login(operator)
    client.post(
        reverse("dashboard:payments-transfer-confirm", kwargs={"pk": transfer.pk}),
        {"received_amount": "12000.00", "note": ""},
    )
    page = client.get(reverse("dashboard:payments-order", kwargs={"number": order.number})).content.decode()
    # then it is refused with the reason, and the slip still waits for the vendor
    assert exc.value.message.startswith("供应商的货款直接汇入供应商自己的对公账户，到账由供应商确认")
    assert "到账由供应商确认；平台不代收、不确认供应商的货款。" in page
    assert BankTransfer.objects.get().status == "submitted"


def test_operators_confirm_the_malls_own_sale_and_vendors_do_not():
    # given a sale of the mall itself paid first, and its slip
    from tests.factories.payments import placed_order

    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="800.00")
    transfer = _slip(order, buyer, amount="800.00")
    vendor, _partner = make_vendor_user()
    # when a vendor tries, then an operator confirms
    with pytest.raises(PermissionDenied, match="商城自营订单的到账由平台运营确认。"):
        bank_transfer_confirm(transfer=transfer, actor=vendor, received_amount="800.00")
    bank_transfer_confirm(transfer=transfer, actor=OperatorFactory(), received_amount="800.00")
    # then the order is paid
    order.refresh_from_db()
    assert order.status == "已付款"


def test_a_payable_is_confirmed_once_accepted_not_before():
    # given a government unit's order still 履约中
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1)
    # when the 财务 tries to pay before acceptance
    with pytest.raises(DomainError, match="订单当前状态为“履约中”，不能付款。"):
        _slip(order, world.finance.user)
    # then after acceptance the slip is taken
    accept(order)
    assert _slip(order, world.finance.user).status == "submitted"
