"""Card payments and webhooks against a real localstripe server (the ``localstripe`` fixture)."""

import json
import re
from decimal import Decimal

import pytest
import requests
import stripe
from django.urls import reverse

from shop.payments.models import PaymentStage, StripeEvent, StripePayment
from shop.payments.services import stripe_event_process
from shop.payments.tasks import process_stripe_event
from tests.conftest import wait_until
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import connect_stripe, event_payload, placed_order, sign_webhook

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000002760003184"


def _ls(base, method, path, **data):
    """Talk to localstripe directly (as the bank page or Stripe's dashboard would)."""
    response = requests.request(
        method,
        f"{base}{path}",
        data=data,
        headers={"Authorization": "Bearer sk_test_localstripe"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def _pay_page(client, order):
    return client.get(reverse("payments:order-detail", kwargs={"number": order.number}))


def _card_post(client, order, number, *, token=None, sequence=1):
    token = token or _pay_page(client, order).context["card_form"].initial["token"]
    return client.post(
        reverse("payments:card-pay", kwargs={"number": order.number, "sequence": sequence}),
        {"token": token, "number": number, "expiry": "12/30", "cvc": "123"},
    )


@pytest.fixture
def buyer_order(client):
    buyer = UserFactory()
    _vendor, partner = make_vendor_user()
    connect_stripe(partner)  # card payments only on a Stripe account the vendor owns
    order = placed_order(buyer=buyer, partner=partner, price="11800.00", qty=2)
    client.force_login(buyer)
    return order


class RecordingClient(stripe.RequestsClient):
    """The SDK's own HTTP client, noting every request; optionally drops the first PI create."""

    def __init__(self, *, fail_first_intent_create=False):
        super().__init__()
        self.calls = []
        self.fail_first_intent_create = fail_first_intent_create

    def request(self, method, url, headers, post_data=None):
        self.calls.append((method.upper(), url.split("://", 1)[1].split("/", 1)[1], dict(headers or {})))
        if self.fail_first_intent_create and url.endswith("/v1/payment_intents"):
            self.fail_first_intent_create = False
            raise stripe.APIConnectionError("connection reset", should_retry=True)
        return super().request(method, url, headers, post_data)

    def posts(self):
        return [
            (path, headers.get("Idempotency-Key")) for method, path, headers in self.calls if method == "POST"
        ]


@pytest.fixture
def recording_client():
    old = stripe.default_http_client
    client = RecordingClient(fail_first_intent_create=True)
    stripe.default_http_client = client
    yield client
    stripe.default_http_client = old


def test_card_payment_pays_the_stage_and_records_source_and_payment_event(client, localstripe, buyer_order):
    # given an accepted quote's order of ¥23,600.00 with one 全款 stage
    order = buyer_order
    # when the buyer pays it by card
    response = _card_post(client, order, CARD_OK)
    # then the stage is paid, the order is 已付款 and Oscar has the source and payment event
    assert response.status_code == 302
    assert response.url == reverse("payments:order-detail", kwargs={"number": order.number})
    order.refresh_from_db()
    stage = order.payment_stages.get()
    assert (stage.status, stage.paid_via) == ("paid", "stripe")
    assert order.status == "已付款"
    source = order.sources.get()
    assert (source.source_type.code, source.amount_allocated, source.amount_debited) == (
        "stripe",
        Decimal("23600.00"),
        Decimal("23600.00"),
    )
    event = order.payment_events.get()
    assert (event.amount, event.event_type.name) == (Decimal("23600.00"), "已收款")
    attempt = StripePayment.objects.get(order=order)
    assert attempt.status == "succeeded"
    # and Stripe holds a succeeded PaymentIntent for exactly that amount, in CNY, tagged with the order
    intent = _ls(localstripe, "GET", f"/v1/payment_intents/{attempt.payment_intent_id}")
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 2360000, "cny")
    assert intent["metadata"]["order_number"] == order.number
    assert "已付款" in _pay_page(client, order).content.decode()


def test_declined_card_shows_a_chinese_error_and_pays_nothing(client, localstripe, buyer_order):
    order = buyer_order
    first_token = _pay_page(client, order).context["card_form"].initial["token"]
    # when the card is declined by the issuer
    response = _card_post(client, order, CARD_DECLINED, token=first_token)
    # then the page says so in Chinese, offers a fresh form, and nothing is paid
    assert response.status_code == 400
    assert "银行卡被发卡行拒绝，本次未扣款。请更换银行卡，或改用对公转账。" in response.content.decode()
    assert response.context["card_form"].initial["token"] != first_token
    order.refresh_from_db()
    assert order.status == "待付款"
    assert order.payment_stages.get().status == "due"
    assert order.sources.count() == 0 and order.payment_events.count() == 0
    attempt = StripePayment.objects.get(order=order)
    assert (attempt.status, attempt.last_error) == (
        "failed",
        "银行卡被发卡行拒绝，本次未扣款。请更换银行卡，或改用对公转账。",
    )


def test_3d_secure_card_is_authenticated_then_paid(client, localstripe, buyer_order):
    order = buyer_order
    # when the card needs 3-D Secure and the buyer fails the verification
    response = _card_post(client, order, CARD_3DS)
    first = StripePayment.objects.get(order=order)
    assert first.status == "requires_action"
    assert response.url == reverse(
        "payments:stripe-authenticate", kwargs={"number": order.number, "attempt": first.pk}
    )
    assert order.payment_stages.get().status == "due"
    failed = client.post(response.url, {"result": "fail"}, follow=True)
    # then nothing is paid and the buyer is told why
    assert "3-D Secure 身份验证未通过，本次未扣款。" in failed.content.decode()
    assert StripePayment.objects.get(pk=first.pk).status == "failed"
    # when the buyer tries again and completes the verification
    response = _card_post(client, order, CARD_3DS)
    second = StripePayment.objects.exclude(pk=first.pk).get(order=order)
    response = client.post(response.url, {"result": "success"})
    # then the stage is paid
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "已付款"
    assert (second.attempt, StripePayment.objects.get(pk=second.pk).status) == (2, "succeeded")


def test_idempotency_keys_are_sent_on_every_create_and_stable_across_retries(
    client, localstripe, buyer_order, recording_client
):
    order = buyer_order
    n = order.number
    # given a first attempt that is declined (and whose PaymentIntent create is retried by the
    # SDK after a dropped connection), then a second attempt with another card
    _card_post(client, order, CARD_DECLINED)
    token = _pay_page(client, order).context["card_form"].initial["token"]
    _card_post(client, order, CARD_OK, token=token)
    # then every POST carried our key: the dropped create was retried with the same key
    posts = [(re.sub(r"pi_\w+", "<pi>", path), key) for path, key in recording_client.posts()]
    assert posts == [
        ("v1/payment_methods", f"xh-{n}-1-1-pm"),
        ("v1/payment_intents", f"xh-{n}-1-1-pi"),
        ("v1/payment_intents", f"xh-{n}-1-1-pi"),
        ("v1/payment_intents/<pi>/confirm", f"xh-{n}-1-1-confirm"),
        ("v1/payment_methods", f"xh-{n}-1-2-pm"),
        ("v1/payment_intents", f"xh-{n}-1-2-pi"),
        ("v1/payment_intents/<pi>/confirm", f"xh-{n}-1-2-confirm"),
    ]
    # when the same form (same token) is submitted again, Stripe is not called again
    before = len(recording_client.calls)
    _card_post(client, order, CARD_OK, token=token)
    assert len(recording_client.calls) == before
    assert StripePayment.objects.filter(order=order).count() == 2
    order.refresh_from_db()
    assert order.status == "已付款"


def test_amount_above_the_stripe_cap_is_explained_instead_of_charged(client):
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="1000000.00", qty=1)
    client.force_login(buyer)
    page = _pay_page(client, order)
    html = page.content.decode()
    assert 'id="card-limit"' in html and 'id="card-form"' not in html
    assert "超过在线支付单笔上限 ¥999,999.99" in html
    assert 'id="transfer-form"' in html
    # a hand-made POST is refused the same way, before Stripe is called
    response = _card_post(client, order, CARD_OK, token="t1")
    assert response.status_code == 400
    assert "超过在线支付单笔上限" in response.content.decode()
    assert StripePayment.objects.count() == 0


def test_staged_large_order_can_pay_each_stage_within_the_cap_by_card(client):
    buyer = UserFactory()
    order = placed_order(
        buyer=buyer, price="398000.00", qty=3, stages=[("定金", "358200.00"), ("尾款", "835800.00")]
    )
    client.force_login(buyer)
    html = _pay_page(client, order).content.decode()
    assert "本次应付：定金 ¥358,200.00" in html
    assert 'id="card-form"' in html


def _succeeded_event(base, intent_id) -> dict:
    events = _ls(base, "GET", "/v1/events", limit=100)["data"]
    matches = [
        e
        for e in events
        if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == intent_id
    ]
    assert len(matches) == 1
    return matches[0]


def _webhook(client, payload: bytes, signature: str):
    return client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )


def _authenticated_elsewhere(client, localstripe, order) -> StripePayment:
    """A 3-D Secure payment the buyer finished on the bank's page but never came back from:
    only the webhook can tell the mall."""
    _card_post(client, order, CARD_3DS)
    attempt = StripePayment.objects.get(order=order)
    intent = _ls(localstripe, "GET", f"/v1/payment_intents/{attempt.payment_intent_id}")
    _ls(
        localstripe,
        "POST",
        f"/v1/payment_intents/{attempt.payment_intent_id}/_authenticate",
        client_secret=intent["client_secret"],
        success="true",
    )
    return attempt


def test_webhook_delivered_twice_is_stored_once_and_pays_once(
    client, localstripe, buyer_order, django_capture_on_commit_callbacks
):
    order = buyer_order
    attempt = _authenticated_elsewhere(client, localstripe, order)
    payload = event_payload(_succeeded_event(localstripe, attempt.payment_intent_id))
    signature = sign_webhook(payload)
    # when Stripe delivers the event and then delivers it again
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = _webhook(client, payload, signature)
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = _webhook(client, payload, signature)
    # then it is stored once and queued once
    assert (first.status_code, first.content, second.status_code, second.content) == (
        200,
        b"ok",
        200,
        b"duplicate",
    )
    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)
    event = StripeEvent.objects.get()
    assert (event.type, event.payment_intent_id, event.status) == (
        "payment_intent.succeeded",
        attempt.payment_intent_id,
        "received",
    )
    # when the worker processes it (and, re-delivered by the broker, processes it again)
    assert process_stripe_event(event.pk) == "processed"
    assert process_stripe_event(event.pk) == "processed"
    # then the stage is paid exactly once
    order.refresh_from_db()
    assert order.status == "已付款"
    assert order.payment_events.count() == 1
    assert order.sources.get().amount_debited == Decimal("23600.00")
    assert StripePayment.objects.get(pk=attempt.pk).status == "succeeded"


def test_webhook_with_a_bad_signature_is_rejected_and_changes_nothing(client, localstripe, buyer_order):
    order = buyer_order
    attempt = _authenticated_elsewhere(client, localstripe, order)
    payload = event_payload(_succeeded_event(localstripe, attempt.payment_intent_id))
    forged = _webhook(client, payload, sign_webhook(payload, secret="whsec_someone_else"))
    unsigned = _webhook(client, payload, "")
    tampered = _webhook(client, payload.replace(b"2360000", b"2360001"), sign_webhook(payload))
    assert [forged.status_code, unsigned.status_code, tampered.status_code] == [400, 400, 400]
    assert StripeEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "待付款" and order.payment_events.count() == 0


def test_webhook_with_an_amount_that_does_not_match_the_stage_is_flagged_and_pays_nothing(
    client, localstripe, buyer_order
):
    order = buyer_order
    # given our PaymentIntent for ¥23,600.00, changed to ¥236.00 outside the mall, then paid
    _card_post(client, order, CARD_3DS)
    attempt = StripePayment.objects.get(order=order)
    _ls(localstripe, "POST", f"/v1/payment_intents/{attempt.payment_intent_id}", amount=23600)
    intent = _ls(localstripe, "GET", f"/v1/payment_intents/{attempt.payment_intent_id}")
    _ls(
        localstripe,
        "POST",
        f"/v1/payment_intents/{attempt.payment_intent_id}/_authenticate",
        client_secret=intent["client_secret"],
        success="true",
    )
    payload = event_payload(_succeeded_event(localstripe, attempt.payment_intent_id))
    # when the signed event arrives and is processed
    assert _webhook(client, payload, sign_webhook(payload)).status_code == 200
    event = StripeEvent.objects.get()
    assert stripe_event_process(event_id=event.pk) == "flagged"
    # then it is flagged for an operator and nothing is paid
    event.refresh_from_db()
    assert event.note == "金额或币种与订单不符：Stripe 236.00 CNY，应付 23600.00 CNY"
    assert StripePayment.objects.get(pk=attempt.pk).flagged == event.note
    order.refresh_from_db()
    assert order.status == "待付款"
    assert order.payment_stages.get().status == PaymentStage.Status.DUE
    assert order.sources.count() == 0 and order.payment_events.count() == 0


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_the_webhook_and_a_real_worker_records_the_payment(
    localstripe, live_server, celery_worker
):
    # given localstripe configured to deliver webhooks to the running mall
    from django.conf import settings

    requests.post(
        f"{localstripe}/_config/webhooks/mall",
        data={"url": f"{live_server.url}/payments/stripe/webhook/", "secret": settings.STRIPE_WEBHOOK_SECRET},
        timeout=5,
    ).raise_for_status()
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="3000.00", qty=2, rate="0.06")
    session = requests.Session()
    from django.test import Client

    django_client = Client()
    django_client.force_login(buyer)
    # when the buyer finishes 3-D Secure at the bank and never returns to the mall
    attempt = _authenticated_elsewhere(django_client, localstripe, order)
    # then localstripe's signed event reaches the webhook and the worker pays the stage
    wait_until(
        lambda: PaymentStage.objects.get(order=order).status == "paid",
        timeout=20,
        message="stage paid by webhook",
    )
    event = StripeEvent.objects.get(type="payment_intent.succeeded")
    assert event.status == "processed"
    assert event.payment_intent_id == attempt.payment_intent_id
    # and replaying the same event changes nothing
    payload = event.payload.encode()
    replay = session.post(
        f"{live_server.url}/payments/stripe/webhook/",
        data=payload,
        headers={"Stripe-Signature": sign_webhook(payload), "Content-Type": "application/json"},
        timeout=10,
    )
    assert (replay.status_code, replay.text) == (200, "duplicate")
    assert StripeEvent.objects.filter(event_id=json.loads(payload)["id"]).count() == 1
    order.refresh_from_db()
    assert order.status == "已付款" and order.payment_events.count() == 1


def test_stripejs_mode_hands_out_a_client_secret_and_records_the_payment_on_return(
    client, settings, localstripe, buyer_order
):
    # given the production card form (Stripe.js collects the card in the browser)
    settings.STRIPE_CARD_FORM = "stripejs"
    order = buyer_order
    page = _pay_page(client, order)
    html = page.content.decode()
    assert 'src="https://js.stripe.com/v3/"' in html and 'id="card-form"' not in html
    token = page.context["card_form"].initial["token"]
    intent_url = reverse("payments:stripe-intent", kwargs={"number": order.number, "sequence": 1})
    # when the page asks for the PaymentIntent (twice: a reload reuses it)
    first = client.post(intent_url, {"token": token}).json()
    again = client.post(intent_url, {"token": "token-of-a-reloaded-page"}).json()
    attempt = StripePayment.objects.get(order=order)
    assert first == again
    assert first["client_secret"].startswith(f"{attempt.payment_intent_id}_secret_")
    assert first["return_url"].endswith(f"/payments/orders/{order.number}/stripe/{attempt.pk}/return/")
    # and Stripe.js confirms it with the buyer's card (done here through the API)
    pm = _ls(
        localstripe,
        "POST",
        "/v1/payment_methods",
        type="card",
        **{
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    _ls(localstripe, "POST", f"/v1/payment_intents/{attempt.payment_intent_id}", payment_method=pm["id"])
    _ls(localstripe, "POST", f"/v1/payment_intents/{attempt.payment_intent_id}/confirm")
    # then Stripe's redirect back to the mall records the payment
    back = client.get(first["return_url"])
    assert back.status_code == 302
    order.refresh_from_db()
    assert order.status == "已付款"
    assert StripePayment.objects.get(pk=attempt.pk).status == "succeeded"
    # the server-side card path is closed in this mode
    assert _card_post(client, order, CARD_OK, token="t2").status_code == 404


def test_webhook_needs_no_csrf_token_and_ignores_unrelated_events(django_capture_on_commit_callbacks):
    from django.test import Client

    payload = event_payload(
        {
            "id": "evt_unrelated_1",
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    )
    strict = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks():
        response = _webhook(strict, payload, sign_webhook(payload))
    assert (response.status_code, response.content) == (200, b"ok")
    event = StripeEvent.objects.get()
    assert stripe_event_process(event_id=event.pk) == "ignored"
