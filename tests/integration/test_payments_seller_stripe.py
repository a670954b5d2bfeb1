"""Card payment only where the seller owns the Stripe account: the mall's own sales on the
mall's account; a vendor's sale only on the Stripe account that vendor connected (a Connect
direct charge: every request carries its ``Stripe-Account`` header). localstripe has no
Connect and ignores that header, so what the SDK sends is recorded and asserted; no path
sends a vendor's money to the mall."""

import pytest
import stripe
from django.test import Client
from django.urls import reverse

from shop.payments.models import StripePayment
from shop.payments.selectors import payee_account
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import connect_stripe, placed_order

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"
MALL = {
    "MALL_PAYEE_NAME": "湘慧商城运营有限公司",
    "MALL_PAYEE_BANK": "测试银行长沙分行",
    "MALL_PAYEE_ACCOUNT": "900000000001",
}


class RecordingClient(stripe.RequestsClient):
    """The SDK's own HTTP client, noting each request's path and Stripe-Account header."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def request(self, method, url, headers, post_data=None):
        path = url.split("://", 1)[1].split("/", 1)[1]
        self.calls.append((method.upper(), path.split("?")[0], (headers or {}).get("Stripe-Account")))
        return super().request(method, url, headers, post_data)


@pytest.fixture
def recording():
    old = stripe.default_http_client
    client = RecordingClient()
    stripe.default_http_client = client
    yield client
    stripe.default_http_client = old


@pytest.fixture
def mall_account(settings):
    for key, value in MALL.items():
        setattr(settings, key, value)


def _buyer_client(buyer) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(buyer)
    return client


def _page(client, order):
    return client.get(reverse("payments:order-detail", kwargs={"number": order.number}))


def _card(client, order, token="t-1"):
    return client.post(
        reverse("payments:card-pay", kwargs={"number": order.number, "sequence": 1}),
        {"token": token, "number": CARD_OK, "expiry": "12/30", "cvc": "123"},
    )


def test_no_pay_route_of_an_unconnected_vendors_sale_reaches_the_malls_accounts(
    settings, localstripe, recording, mall_account
):
    # given a vendor's sale; the vendor has neither a connected Stripe account nor a verified
    # bank account, and the mall has both its own
    buyer = UserFactory()
    _vendor, partner = make_vendor_user()
    order = placed_order(buyer=buyer, partner=partner, price="800.00")
    client = _buyer_client(buyer)
    # when the buyer opens the page and tries every pay route: card (server form), card
    # (Stripe.js intent), and a transfer slip
    page = _page(client, order).content.decode()
    card = _card(client, order)
    settings.STRIPE_CARD_FORM = "stripejs"
    intent = client.post(
        reverse("payments:stripe-intent", kwargs={"number": order.number, "sequence": 1}), {"token": "t-2"}
    )
    settings.STRIPE_CARD_FORM = "server"
    # then no card option is offered and both card routes are refused with the reason
    reason = f"供应商 {partner.name} 尚未开通自有的在线收款账户，本订单请通过对公转账直接付款给供应商。"
    assert 'id="card-unavailable"' in page and 'id="card-form"' not in page and reason in page
    assert card.status_code == 400 and reason in card.content.decode()
    assert (intent.status_code, intent.json()) == (400, {"error": reason})
    # and Stripe was never called (no charge on the mall's account), no attempt stored
    assert recording.calls == []
    assert not StripePayment.objects.exists()
    # and no page shows the mall's bank account for this sale
    for html in (page, card.content.decode()):
        assert MALL["MALL_PAYEE_ACCOUNT"] not in html and MALL["MALL_PAYEE_NAME"] not in html
    # and the order's transfer instructions name no mall account
    assert [p["mall"] for p in payee_account(order)] == [False]


def test_a_connected_vendors_card_payment_is_a_direct_charge_on_its_own_account(localstripe, recording):
    # given a vendor that connected its own Stripe account, and its sale
    buyer = UserFactory()
    _vendor, partner = make_vendor_user()
    account = connect_stripe(partner, "acct_1XhVendorOwn0042")
    order = placed_order(buyer=buyer, partner=partner, price="800.00")
    client = _buyer_client(buyer)
    # when the buyer pays by card
    assert 'id="card-form"' in _page(client, order).content.decode()
    response = _card(client, order)
    # then the order is paid and every request to Stripe carried the vendor's account
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "已付款"
    assert [(m, p) for m, p, _a in recording.calls] == [
        ("POST", "v1/payment_methods"),
        ("POST", "v1/payment_intents"),
        ("POST", f"v1/payment_intents/{StripePayment.objects.get().payment_intent_id}/confirm"),
    ]
    assert {a for _m, _p, a in recording.calls} == {account}
    assert StripePayment.objects.get().stripe_account == account


def test_the_malls_own_sale_is_charged_on_the_malls_account(localstripe, recording):
    # given a sale of the mall itself (自营)
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="800.00")
    # when the buyer pays by card
    _card(_buyer_client(buyer), order)
    # then no request named a connected account: the charge is the mall's own
    order.refresh_from_db()
    assert order.status == "已付款"
    assert len(recording.calls) == 3 and {a for _m, _p, a in recording.calls} == {None}


def test_a_two_vendor_order_offers_no_card_payment(localstripe, recording):
    # given an order of two vendors, both connected
    buyer = UserFactory()
    (_u1, a), (_u2, b) = make_vendor_user(), make_vendor_user()
    connect_stripe(a, "acct_1A")
    connect_stripe(b, "acct_1B")
    order = placed_order(
        buyer=buyer, lines=[("会议一体机", "800.00", 1, "0.13", a), ("运维服务", "300.00", 1, "0.06", b)]
    )
    client = _buyer_client(buyer)
    # when the buyer tries to pay by card
    response = _card(client, order)
    # then it is refused: one charge cannot go to two sellers, and none goes to the mall
    assert response.status_code == 400
    assert "本订单包含多个销售方的商品，不支持在线支付" in response.content.decode()
    assert recording.calls == []
