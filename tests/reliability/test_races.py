"""Races: 20 concurrent submissions of the same acceptance or the same webhook, against a live
gunicorn on PostgreSQL (threads firing at once), produce exactly one effect."""

import hashlib
import hmac
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.test import Client
from oscar.core.loading import get_model

from shop.payments.models import OrderOrigin, PaymentStage, StripeEvent, StripePayment
from shop.payments.orders import OrderLineSpec, order_place
from shop.quotes.models import VendorQuote
from tests.conftest import wait_until
from tests.factories.accounts import UserFactory
from tests.factories.oem import make_oem_product, offered_oem_order
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

from .conftest import Gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

N = 20
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")


@pytest.fixture(scope="module")
def web(django_db_setup):
    server = Gunicorn(workers=2, threads=10).start()
    yield server
    server.stop()


def session_of(user) -> dict:
    """Cookies of a signed-in browser: a session made here, a CSRF secret of our own."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    csrf = secrets.token_hex(16)  # a 32-character unmasked secret is a valid token too
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}


def fire(url: str, *, cookies: dict | None = None, data=None, body: bytes | None = None, headers=None):
    """N identical POSTs released at the same instant; their (status, text) pairs."""
    barrier = threading.Barrier(N)

    def one(_):
        barrier.wait()
        if body is not None:
            r = requests.post(url, data=body, headers=headers, timeout=60, allow_redirects=False)
        else:
            form = {"csrfmiddlewaretoken": cookies["csrftoken"], **(data or {})}
            r = requests.post(url, data=form, cookies=cookies, timeout=60, allow_redirects=False)
        return r.status_code, r.text[:200]

    with ThreadPoolExecutor(N) as pool:
        return list(pool.map(one, range(N)))


def test_twenty_concurrent_quote_acceptances_make_one_order(web):
    # given a buyer's quote request with an (indicative) vendor quote
    partner, _ = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "1180.00")])
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 2)]))
    vq = VendorQuote.objects.get(request=qr)
    # when the buyer's browser sends "accept" twenty times at once
    results = fire(
        f"{web.url}/quotes/{qr.number}/quotes/{vq.pk}/accept/",
        cookies=session_of(buyer),
        data={"revision": str(vq.revision)},  # the version the page showed
    )
    # then no request failed, and exactly one order exists for the request
    assert all(status < 500 for status, _ in results), (results, web.output()[-3000:])
    assert OrderOrigin.objects.filter(source="quote", reference=qr.number).count() == 1
    qr.refresh_from_db()
    assert qr.order is not None
    assert Order.objects.filter(user=buyer).count() == 1
    assert qr.events.filter(to_status=qr.status).count() == 1
    vq.refresh_from_db()
    assert vq.events.filter(to_status=vq.status).count() == 1


def test_twenty_concurrent_oem_offer_acceptances_make_one_order(web):
    # given an OEM order with the vendor's offer
    partner, vendor = make_vendor("乙")
    buyer = UserFactory()
    order = offered_oem_order(buyer=buyer, product=make_oem_product(partner=partner), vendor=vendor)
    # when the buyer accepts it twenty times at once
    results = fire(
        f"{web.url}/oem/{order.number}/accept/",
        cookies=session_of(buyer),
        data={"offer_revision": str(order.offer_revision)},  # the version the page showed
    )
    # then exactly one mall order and one acceptance
    assert all(status < 500 for status, _ in results), (results, web.output()[-3000:])
    order.refresh_from_db()
    assert order.oscar_order is not None
    assert OrderOrigin.objects.filter(source="oem", reference=order.number).count() == 1
    assert Order.objects.filter(user=buyer).count() == 1
    assert order.events.filter(kind="accepted").count() == 1


def signed(event: dict) -> tuple[bytes, dict]:
    payload = json.dumps(event).encode()
    t = int(time.time())
    mac = hmac.new(
        settings.STRIPE_WEBHOOK_SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return payload, {"Stripe-Signature": f"t={t},v1={mac}", "Content-Type": "application/json"}


def test_twenty_concurrent_copies_of_a_webhook_pay_the_stage_once(web, celery_worker):
    # given an order whose stage is being paid online (the PaymentIntent exists)
    partner, _ = make_vendor("丙")
    product = stocked_product(vendors=[(partner, "500.00")])
    buyer = UserFactory()
    sr = product.stockrecords.get()
    order = order_place(
        user=buyer,
        lines=[
            OrderLineSpec(
                product=product,
                stockrecord=sr,
                quantity=2,
                unit_price_incl_tax=sr.price,
                tax_rate=Decimal("0.13"),
            )
        ],
        source="direct",
        reference="RACE",
    )
    stage = order.payment_stages.get()
    StripePayment.objects.create(
        order=order,
        stage=stage,
        attempt=1,
        client_token="race",
        idempotency_key=f"{order.number}-1-1",
        payment_intent_id="pi_race_1",
        amount=stage.amount,
        status="processing",
        created_by=buyer,
    )
    intent = {
        "id": "pi_race_1",
        "object": "payment_intent",
        "amount": int(stage.amount * 100),
        "currency": "cny",
        "status": "succeeded",
        "metadata": {"order_number": order.number},
    }
    # when Stripe's event arrives twenty times at once (and a second event for the same
    # PaymentIntent, also twenty times)
    for event_id in ("evt_race_1", "evt_race_2"):
        body, headers = signed(
            {
                "id": event_id,
                "object": "event",
                "type": "payment_intent.succeeded",
                "data": {"object": intent},
            }
        )
        results = fire(f"{web.url}/payments/stripe/webhook/", body=body, headers=headers)
        # then one copy is stored, the others are answered as duplicates
        assert sorted(text for _, text in results) == ["duplicate"] * (N - 1) + ["ok"], results
        assert {status for status, _ in results} == {200}
    assert StripeEvent.objects.filter(payment_intent_id="pi_race_1").count() == 2
    # and the worker pays the stage exactly once
    wait_until(
        lambda: not StripeEvent.objects.filter(payment_intent_id="pi_race_1", status="received").exists(),
        timeout=40,
        message="both events processed",
    )
    stage.refresh_from_db()
    assert stage.status == PaymentStage.Status.PAID
    assert PaymentEvent.objects.filter(order=order).count() == 1
    assert order.sources.get().amount_debited == stage.amount
    assert StripePayment.objects.get(payment_intent_id="pi_race_1").status == "succeeded"
