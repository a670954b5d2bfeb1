"""Chromium pays an accepted quote's order by card, against localstripe."""

import pytest
from django.test import Client

from shop.payments.models import PaymentStage
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import connect_stripe, placed_order

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_buyer_pays_an_accepted_quote_by_card_in_the_browser(page, live_server, localstripe):
    # given an order placed from an accepted quote (¥23,600.00, one 全款 stage)
    buyer = UserFactory()
    _vendor, partner = make_vendor_user()
    connect_stripe(partner)  # the vendor takes cards on its own Stripe account
    order = placed_order(buyer=buyer, partner=partner, price="11800.00", qty=2, reference="XJ202611250007")
    _log_in(page, live_server, buyer)
    # when the buyer opens 我的订单, goes to the order and pays by card (3-D Secure required)
    page.goto("/payments/orders/")
    page.get_by_role("link", name="去付款").click()
    assert page.locator("#order-status").inner_text() == "待付款"
    assert "询价成交 XJ202611250007" in page.inner_text("body")
    card = page.locator("#card-form")
    card.get_by_label("卡号").fill("4000 0027 6000 3184")
    card.get_by_label("有效期（月/年）").fill("12/30")
    card.get_by_label("安全码（CVC）").fill("123")
    card.get_by_role("button", name="立即支付 ¥23,600.00").click()
    page.get_by_role("button", name="完成验证").click()
    # then the page shows the payment and the order is paid
    page.wait_for_selector("#all-paid")
    assert page.locator("#order-status").inner_text() == "已付款"
    assert "支付成功：全款 ¥23,600.00。" in page.content()
    assert page.locator("#payment-stages tr[data-stage='1'] .stage-status").inner_text() == "已支付"
    assert PaymentStage.objects.get(order=order).paid_via == "stripe"
    assert page.js_errors == []


def test_a_declined_card_is_explained_in_the_browser(page, live_server, localstripe):
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="3000.00", qty=1, rate="0.06")
    _log_in(page, live_server, buyer)
    page.goto(f"/payments/orders/{order.number}/")
    card = page.locator("#card-form")
    card.get_by_label("卡号").fill("4000 0000 0000 0341")
    card.get_by_label("有效期（月/年）").fill("12/30")
    card.get_by_label("安全码（CVC）").fill("123")
    card.get_by_role("button", name="立即支付 ¥3,000.00").click()
    assert page.locator("#payment-error").inner_text() == (
        "银行卡被发卡行拒绝，本次未扣款。请更换银行卡，或改用对公转账。"
    )
    assert page.locator("#order-status").inner_text() == "待付款"
    assert page.js_errors == []
