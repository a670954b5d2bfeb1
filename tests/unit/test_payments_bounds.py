"""Every number the payment pages take has a sane range, checked by the form, the service and a
CHECK constraint in the database: extreme input is a Chinese error, never a row, never a 500."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.core.exceptions import DomainError
from shop.payments.models import BankTransfer, IssuedInvoice, PaymentStage
from shop.payments.orders import order_place
from shop.payments.services import checked_amount
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import line_spec, placed_order, transfer_post

pytestmark = pytest.mark.django_db

TOO_BIG = "金额不能超过 ¥99,999,999.99。"
EXTREMES = [
    ("0", "金额必须大于零。"),
    ("-1", "金额必须大于零。"),
    ("-1e30", "金额必须大于零。"),
    ("1e-9", "金额最多保留两位小数（精确到分）。"),
    ("NaN", "请输入有效的金额（元）。"),
    ("Infinity", "请输入有效的金额（元）。"),
    ("100000000", TOO_BIG),
    ("999999999999.99", TOO_BIG),
    (str(10**12), TOO_BIG),
    (str(10**30), TOO_BIG),
    ("1e30", TOO_BIG),
    ("12345678901234567890", TOO_BIG),
    ("9" * 40, "请输入有效的金额（元）。"),
]


@pytest.mark.parametrize(("amount", "message"), EXTREMES)
def test_bank_transfer_amount_out_of_range_is_a_form_error_and_no_row(client, amount, message):
    # given a buyer's unpaid order
    buyer = UserFactory()
    order = placed_order(buyer=buyer)
    client.force_login(buyer)
    # when the slip is uploaded with an extreme amount
    response = client.post(
        reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1}),
        transfer_post(order.payment_stages.get(), amount=amount),
    )
    # then the form says why in Chinese and nothing is stored
    assert response.status_code == 400
    assert message in response.content.decode()
    assert BankTransfer.objects.count() == 0


@pytest.mark.parametrize(("amount", "message"), EXTREMES)
def test_invoice_amounts_out_of_range_are_form_errors_and_no_row(client, amount, message):
    # given a vendor's order with an invoice request
    vendor, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner)
    client.force_login(vendor)
    # when an invoice is recorded with an extreme amount
    response = client.post(
        reverse("dashboard:payments-invoice-issue", kwargs={"number": order.number}),
        {
            "partner": partner.pk,
            "number": "24432000000012345678",
            "issued_on": "2026-11-24",
            "tax_rate": "0.13",
            "amount": amount,
            "tax": "0.00",
        },
    )
    # then the form says why and nothing is stored
    assert response.status_code == 400
    assert message in response.content.decode()
    assert IssuedInvoice.objects.count() == 0


@pytest.mark.parametrize("tax", ["-0.01", "NaN", "1e30", "12345678901234567890"])
def test_an_invoice_tax_out_of_range_is_a_form_error(client, tax):
    # given a vendor's order
    vendor, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner)
    client.force_login(vendor)
    # when the tax is negative, not a number or absurd
    response = client.post(
        reverse("dashboard:payments-invoice-issue", kwargs={"number": order.number}),
        {
            "partner": partner.pk,
            "number": "24432000000012345678",
            "issued_on": "2026-11-24",
            "tax_rate": "0.13",
            "amount": "10442.48",
            "tax": tax,
        },
    )
    # then it is refused and nothing is stored
    assert response.status_code == 400
    assert IssuedInvoice.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "实收金额必须大于零。"),
        ("-1", "实收金额必须大于零。"),
        ("-1e30", "实收金额必须大于零。"),
        ("1e-9", "实收金额最多保留两位小数（精确到分）。"),
        ("NaN", "实收金额不是有效的金额。"),
        ("abc", "实收金额不是有效的金额。"),
        (Decimal(10) ** 30, "实收金额不能超过 ¥99,999,999.99。"),
        ("12345678901234567890", "实收金额不能超过 ¥99,999,999.99。"),
    ],
)
def test_the_service_refuses_amounts_out_of_range_whoever_calls_it(value, message):
    # when an amount reaches a payments service from anywhere (form, API, task)
    with pytest.raises(DomainError) as refused:
        checked_amount(value, label="实收金额")
    # then the refusal names the field in Chinese
    assert refused.value.message == message


def test_the_database_refuses_amounts_out_of_range_as_the_last_line():
    # given a stage
    stage = placed_order(buyer=UserFactory()).payment_stages.get()
    # when code bypassing forms and services writes an impossible amount
    for amount in (Decimal("0.00"), Decimal("-1.00"), Decimal("100000000.00")):
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentStage.objects.filter(pk=stage.pk).update(amount=amount)
    # then the row is unchanged
    stage.refresh_from_db()
    assert stage.amount == Decimal("11800.00")


def test_the_database_refuses_an_invoice_tax_rate_outside_the_allowed_rates():
    # given a vendor's order
    vendor, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner)
    # when an invoice with a 12% rate is written directly
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedInvoice.objects.create(
            order=order,
            partner=partner,
            invoice_type="normal",
            number="24432000000012345678",
            issued_on="2026-11-24",
            tax_rate=Decimal("0.12"),
            amount=Decimal("100.00"),
            tax=Decimal("12.00"),
        )
    # then nothing is stored
    assert IssuedInvoice.objects.count() == 0


@pytest.mark.parametrize(
    ("qty", "price", "message"),
    [
        (1_000_001, "1.00", "订单行的数量不能超过 1,000,000。"),
        (1, "100000000.00", "订单行的单价不能超过 ¥99,999,999.99。"),
        (1001, "99999.99", "单笔付款不能超过 ¥99,999,999.99，请分阶段付款或拆分订单。"),
    ],
)
def test_an_order_with_absurd_quantities_or_prices_is_refused(qty, price, message):
    # given a line with an absurd quantity or price
    spec = line_spec(price="1.00")
    spec = type(spec)(
        product=spec.product,
        stockrecord=spec.stockrecord,
        quantity=qty,
        unit_price_incl_tax=Decimal(price),
        tax_rate=Decimal("0.13"),
    )
    # when an order is placed with it
    with pytest.raises(DomainError) as refused:
        order_place(user=UserFactory(), lines=[spec], source="quote", reference="XJ1")
    # then it is refused in Chinese
    assert refused.value.message == message
