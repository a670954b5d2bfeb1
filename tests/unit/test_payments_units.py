"""Small pieces of the payments app: tax splits, the card form, money in fen, menu, schedule."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from shop.payments.forms import CardForm
from shop.payments.gateway import amount_to_fen, decline_message, fen_to_amount
from shop.payments.selectors import tax_split


def _line(total, rate):
    return SimpleNamespace(line_price_incl_tax=Decimal(total), tax_code=rate, product_id=None, product=None)


def test_tax_split_groups_lines_by_rate_and_adds_up_exactly():
    rows = tax_split(
        [_line("11800.00", "0.13"), _line("3000.00", "0.06"), _line("0.01", "0.13"), _line("3000.00", "0.06")]
    )
    assert [(r.percent, r.amount_excl, r.tax, r.amount_incl) for r in rows] == [
        ("13%", Decimal("10442.49"), Decimal("1357.52"), Decimal("11800.01")),
        ("6%", Decimal("5660.38"), Decimal("339.62"), Decimal("6000.00")),
    ]


def test_money_converts_to_fen_without_floats():
    assert amount_to_fen(Decimal("999999.99")) == 99_999_999
    assert amount_to_fen(Decimal("0.10")) == 10
    assert fen_to_amount(2360000) == Decimal("23600.00")


def test_decline_codes_have_chinese_messages():
    assert (
        decline_message("insufficient_funds") == "银行卡余额不足，本次未扣款。请更换银行卡，或改用对公转账。"
    )
    assert decline_message("something_new") == decline_message("card_declined")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"number": "4242 4242 4242 4241"}, "number", "卡号不正确，请核对后重新输入。"),
        ({"expiry": "13/30"}, "expiry", "有效期月份应在 1–12 之间。"),
        ({"expiry": "01/20"}, "expiry", "银行卡已过期。"),
        ({"expiry": "2030-12"}, "expiry", "有效期格式应为 月/年，例如 12/30。"),
        ({"cvc": "12a"}, "cvc", "安全码应为 3 或 4 位数字。"),
    ],
)
def test_card_form_explains_bad_card_details_in_chinese(data, field, message):
    form = CardForm({"token": "t", "number": "4242424242424242", "expiry": "12/30", "cvc": "123", **data})
    assert form.errors == {field: [message]}


def test_card_form_accepts_spaces_and_two_or_four_digit_years():
    form = CardForm({"token": "t", "number": "4242 4242-4242 4242", "expiry": "12 / 2030", "cvc": "1234"})
    assert form.is_valid()
    assert (form.cleaned_data["number"], form.cleaned_data["expiry"]) == ("4242424242424242", (12, 2030))


def test_beat_runs_the_payment_jobs():
    from shop.celery import app

    app.loader.import_default_modules()
    app.finalize()
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "shop.payments.tasks.remind_unpaid_orders",
        "shop.payments.tasks.cancel_unpaid_orders",
        "shop.payments.tasks.sweep_stripe_events",
    } <= tasks


@pytest.mark.django_db
def test_payments_menu_is_shown_to_vendors_and_operators_only():
    from oscar.apps.dashboard.menu import get_nodes

    from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user

    def labels(user):
        return {child.label for node in get_nodes(user) for child in node.children}

    vendor, _ = make_vendor_user()
    assert {"订单收款"} <= labels(vendor) and "银行卡支付通知" not in labels(vendor)
    assert {"订单收款", "银行卡支付通知"} <= labels(OperatorFactory())
    assert "订单收款" not in labels(UserFactory())
