"""A buyer accepts the version of a quote / OEM offer it saw: a revised offer since then is
refused with a Chinese message and nothing changes (page, API and service)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shop.core.exceptions import DomainError
from shop.oem import services as oem_services
from shop.oem.models import OemStatus
from shop.quotes import services
from shop.quotes.services import PriceInput
from tests.factories.accounts import UserFactory
from tests.factories.oem import (
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
)
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]

STALE = "报价已更新，请查看最新报价后再接受。"


def _answer(vq, user, price):
    line = vq.lines.get()
    return services.vendor_quote_answer(
        vendor_quote=vq,
        actor=user,
        prices={line.pk: PriceInput(Decimal(price), Decimal("0.13"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=15),
    )


def _answered_quote():
    vendor, user = make_vendor("甲")
    buyer = UserFactory()
    product = stocked_product(vendors=[(vendor, "1000.00")], title="会议平板")
    qr = process(submit_request(buyer=buyer, lines=[(product, 2)]))
    vq = _answer(qr.vendor_quotes.get(), user, "900.00")
    return qr, vq, user, buyer


def test_each_answer_raises_the_quote_version():
    qr, vq, user, _buyer = _answered_quote()
    # the routed/indicative quote is version 1, the answer 2, a revision 3
    assert vq.revision == 2
    assert _answer(vq, user, "950.00").revision == 3


def test_accepting_a_quote_revised_since_the_page_was_shown_is_refused_and_changes_nothing(client):
    # given the buyer's page showing version 2 of the quote
    qr, vq, user, buyer = _answered_quote()
    client.force_login(buyer)
    page = client.get(reverse("quotes:detail", kwargs={"number": qr.number})).content.decode()
    assert f'<input type="hidden" name="revision" value="{vq.revision}">' in page
    seen = vq.revision
    # when the vendor raises its price before the buyer clicks 接受报价
    _answer(vq, user, "1200.00")
    events = (qr.events.count(), vq.events.count())
    response = client.post(
        reverse("quotes:accept", kwargs={"number": qr.number, "vq": vq.pk}), {"revision": seen}, follow=True
    )
    # then the buyer is told to look again, and nothing changed
    assert [str(m) for m in get_messages(response.wsgi_request)] == [STALE]
    qr.refresh_from_db()
    vq.refresh_from_db()
    assert (qr.status, qr.order_id, vq.status) == ("quoted", None, "answered")
    assert (qr.events.count(), vq.events.count()) == events
    # a form without the version is refused the same way (never a 500)
    missing = client.post(reverse("quotes:accept", kwargs={"number": qr.number, "vq": vq.pk}), follow=True)
    assert missing.status_code == 200
    qr.refresh_from_db()
    assert qr.status == "quoted"
    # and the version on the page now is accepted
    client.post(
        reverse("quotes:accept", kwargs={"number": qr.number, "vq": vq.pk}), {"revision": vq.revision}
    )
    qr.refresh_from_db()
    assert qr.status == "ordered"
    assert qr.order.lines.get().unit_price_incl_tax == Decimal("1200.00")


def test_the_api_accepts_only_the_current_quote_version():
    qr, vq, user, buyer = _answered_quote()
    client = APIClient()
    client.force_authenticate(buyer)
    detail = client.get(reverse("api:quote-request-detail", kwargs={"number": qr.number})).json()
    seen = detail["vendor_quotes"][0]["revision"]
    assert seen == 2
    _answer(vq, user, "1200.00")
    url = reverse("api:quote-request-accept", kwargs={"number": qr.number})
    stale = client.post(url, {"vendor_quote": vq.pk, "revision": seen}, format="json")
    assert (stale.status_code, stale.json()["detail"]) == (400, STALE)
    qr.refresh_from_db()
    assert qr.status == "quoted"
    fresh = client.post(url, {"vendor_quote": vq.pk, "revision": 3}, format="json")
    assert (fresh.status_code, fresh.json()["status"]) == (200, "ordered")


def test_the_service_refuses_a_stale_quote_version():
    qr, vq, user, buyer = _answered_quote()
    _answer(vq, user, "1200.00")
    with pytest.raises(DomainError) as exc:
        services.vendor_quote_accept(vendor_quote=vq, actor=buyer, revision=2)
    assert exc.value.message == STALE
    qr.refresh_from_db()
    assert qr.status == "quoted"


def test_accepting_an_oem_offer_revised_since_the_page_was_shown_is_refused(client):
    # given the buyer's page showing the vendor's first offer (version 1)
    world = oem_world(buyer_username="version-buyer")
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    client.force_login(world["buyer"])
    page = client.get(reverse("oem:detail", args=[order.number])).content.decode()
    assert '<input type="hidden" name="offer_revision" value="1">' in page
    # when the vendor revises the offer before the buyer clicks 接受报价
    oem_services.oem_order_make_offer(
        order=order,
        actor=world["vendor"],
        unit_price=Decimal("990.00"),
        tooling_fee=Decimal("5000.00"),
        deposit=Decimal("30000.00"),
        lead_days=30,
    )
    assert order.offer_revision == 2
    events = order.events.count()
    response = client.post(
        reverse("oem:action", args=[order.number, "accept"]), {"offer_revision": 1}, follow=True
    )
    # then it is refused and nothing changed
    assert [str(m) for m in get_messages(response.wsgi_request)] == [STALE]
    order.refresh_from_db()
    assert (order.status, order.oscar_order_id, order.events.count()) == (OemStatus.OFFERED, None, events)
    # the API refuses the stale version too, and takes the current one
    api = APIClient()
    api.force_authenticate(world["buyer"])
    stale = api.post(f"/api/oem-orders/{order.pk}/accept-offer/", {"offer_revision": 1}, format="json")
    assert (stale.status_code, stale.json()["detail"]) == (400, STALE)
    current = api.get(f"/api/oem-orders/{order.pk}/").json()["offer"]["revision"]
    fresh = api.post(f"/api/oem-orders/{order.pk}/accept-offer/", {"offer_revision": current}, format="json")
    assert (fresh.status_code, fresh.json()["status"]) == (200, OemStatus.CONFIRMED)
