"""A vendor connects its own Stripe account (Stripe Connect OAuth, Standard accounts) from its
收款设置: off to Stripe's authorisation page with a signed state, back with a code exchanged for
the account id, which card payments for its sales are then charged on; bad returns change
nothing; disconnecting revokes the access at Stripe.

localstripe implements no Connect, so Stripe's two OAuth endpoints (/oauth/token,
/oauth/deauthorize) are answered by a small HTTP server on loopback speaking their documented
form-encoded requests and JSON answers; the real ``stripe`` SDK talks to it."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from shop.payments import selectors
from shop.payments.models import PaymentAuditEvent, SellerPaymentProfile
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import placed_order

pytestmark = pytest.mark.django_db

ACCOUNT = "acct_1XhVendorConn0001"


class _ConnectOAuth(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        body = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        self.server.calls.append((self.path, {k: v[0] for k, v in body.items()}))
        if self.path == "/oauth/token" and body.get("code") == ["ac_good123"]:
            self._answer(
                200,
                {"stripe_user_id": ACCOUNT, "token_type": "bearer", "scope": "read_write", "livemode": False},
            )
        elif self.path == "/oauth/token":
            self._answer(
                400, {"error": "invalid_grant", "error_description": "Authorization code does not exist"}
            )
        elif self.path == "/oauth/deauthorize":
            self._answer(200, {"stripe_user_id": body["stripe_user_id"][0]})
        else:
            self._answer(404, {"error": "invalid_request"})

    def _answer(self, status, data):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def connect(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ConnectOAuth)
    server.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_CONNECT_BASE = f"http://127.0.0.1:{server.server_port}"
    settings.STRIPE_CONNECT_CLIENT_ID = "ca_XhTestClient0001"
    yield server
    server.shutdown()
    server.server_close()


def _leave_for_stripe(client):
    response = client.post(reverse("dashboard:payments-stripe-connect"))
    assert response.status_code == 302
    return response["Location"]


def test_a_vendor_connects_its_own_stripe_account_and_its_sales_are_charged_on_it(client, connect):
    # given a vendor without a Stripe account, and an order of its goods
    user, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner)
    assert selectors.card_payee(order).allowed is False
    client.force_login(user)
    page = client.get(reverse("dashboard:payments-seller-settings")).content.decode()
    assert 'id="stripe-connect"' in page
    # when it starts the connection, then it is sent to Stripe's page with the mall's client id
    url = urlsplit(_leave_for_stripe(client))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{connect_base(connect)}/oauth/authorize"
    assert (query["response_type"], query["client_id"], query["scope"]) == (
        "code",
        "ca_XhTestClient0001",
        "read_write",
    )
    assert query["redirect_uri"] == "http://testserver" + reverse("dashboard:payments-stripe-connect-return")
    # when Stripe sends it back with a code and the state
    back = client.get(
        reverse("dashboard:payments-stripe-connect-return"), {"code": "ac_good123", "state": query["state"]}
    )
    # then the account is kept, audited once, and the order can be paid by card on it
    assert back.status_code == 302
    assert SellerPaymentProfile.objects.get(partner=partner).stripe_account_id == ACCOUNT
    assert list(PaymentAuditEvent.objects.filter(kind="stripe_connected").values_list("actor", "note")) == [
        (user.pk, f"{partner.name}：{ACCOUNT}")
    ]
    assert connect.calls[-1] == ("/oauth/token", {"grant_type": "authorization_code", "code": "ac_good123"})
    assert selectors.card_payee(order) == selectors.CardPayee(allowed=True, stripe_account=ACCOUNT)
    page = client.get(reverse("dashboard:payments-seller-settings")).content.decode()
    assert f"已连接贵司自己的 Stripe 账户 {ACCOUNT}" in page
    # when it disconnects, then the access is revoked at Stripe and buyers pay by transfer again
    client.post(reverse("dashboard:payments-stripe-disconnect"))
    assert connect.calls[-1] == (
        "/oauth/deauthorize",
        {"client_id": "ca_XhTestClient0001", "stripe_user_id": ACCOUNT},
    )
    assert SellerPaymentProfile.objects.get(partner=partner).stripe_account_id == ""
    assert selectors.card_payee(order).allowed is False
    assert PaymentAuditEvent.objects.filter(kind="stripe_disconnected").count() == 1


def connect_base(server) -> str:
    return f"http://127.0.0.1:{server.server_port}"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_bad_returns_from_stripe_change_nothing_and_say_why(client, connect):
    # given a vendor that left for Stripe, and another vendor that did too
    user, partner = make_vendor_user()
    other_user, _other = make_vendor_user()
    client.force_login(other_user)
    foreign_state = parse_qs(urlsplit(_leave_for_stripe(client)).query)["state"][0]
    client.force_login(user)
    state = parse_qs(urlsplit(_leave_for_stripe(client)).query)["state"][0]
    back = reverse("dashboard:payments-stripe-connect-return")
    cases = [
        (
            {"code": "ac_good123", "state": foreign_state},
            "连接请求已失效，请在收款设置中重新点击“连接 Stripe 账户”。",
        ),
        (
            {"code": "ac_good123", "state": state + "x"},
            "连接请求已失效，请在收款设置中重新点击“连接 Stripe 账户”。",
        ),
        ({"code": "", "state": state}, "Stripe 未返回有效的授权码，请重新连接。"),
        (
            {"code": "ac_expired", "state": state},
            "Stripe 未能完成账户连接（授权码无效或已过期），请重新连接。",
        ),
        ({"error": "access_denied", "state": state}, "未连接 Stripe 账户（已在 Stripe 页面取消或被拒绝）。"),
    ]
    for params, message in cases:
        # when Stripe (or someone) sends it back like this
        response = client.get(back, params, follow=True)
        # then the settings page says why, and no account is kept
        assert response.status_code == 200
        assert message in _messages(response), params
        assert not SellerPaymentProfile.objects.filter(partner=partner).exclude(stripe_account_id="").exists()
    assert not PaymentAuditEvent.objects.filter(kind="stripe_connected").exists()


def test_without_a_connect_client_id_the_page_says_it_is_not_offered(client, settings):
    # given a mall without STRIPE_CONNECT_CLIENT_ID
    settings.STRIPE_CONNECT_CLIENT_ID = ""
    user, _partner = make_vendor_user()
    client.force_login(user)
    # then the page offers no button and a POST is refused in Chinese
    page = client.get(reverse("dashboard:payments-seller-settings")).content.decode()
    assert 'id="stripe-connect-unavailable"' in page and 'id="stripe-connect"' not in page
    response = client.post(reverse("dashboard:payments-stripe-connect"), follow=True)
    assert "平台尚未开通供应商自有 Stripe 账户收款，暂不能连接。" in _messages(response)
