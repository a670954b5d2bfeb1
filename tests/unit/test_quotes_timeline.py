"""One timeline selector per viewer: a competing vendor never sees who won, at what price, or
the order; the buyer and operators see everything (pages and API use the same selector)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shop.quotes import selectors, services
from shop.quotes.services import PriceInput
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db


def _shared_request_accepted_from_b():
    """A request routed to 甲 and 乙; 乙 answers ¥8,888.00 and the buyer accepts 乙."""
    (a, ua), (b, ub) = make_vendor("甲供应商"), make_vendor("乙供应商")
    product = stocked_product(vendors=[(a, "10000.00"), (b, "9999.00")], title="会议平板")
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 1)]))
    vq_b = qr.vendor_quotes.get(partner=b)
    vq_b = services.vendor_quote_answer(
        vendor_quote=vq_b,
        actor=ub,
        prices={vq_b.lines.get().pk: PriceInput(Decimal("8888.00"), Decimal("0.13"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    order = services.vendor_quote_accept(vendor_quote=vq_b, actor=buyer, revision=vq_b.revision)
    qr.refresh_from_db()
    return qr, buyer, (a, ua), (b, ub), vq_b, order


def _text(entries) -> str:
    return "\n".join(f"{e.label} {e.vendor} {e.note}" for e in entries)


def test_the_losing_vendors_dashboard_shows_neither_the_winner_its_price_nor_the_order(client):
    # given a request both vendors quoted, won by 乙
    qr, _buyer, (_a, ua), _b, vq_b, order = _shared_request_accepted_from_b()
    # when 甲 opens the request in its dashboard
    client.force_login(ua)
    page = client.get(reverse("dashboard:quotes-detail", kwargs={"pk": qr.pk})).content.decode()
    timeline = page.split('id="quote-timeline"')[1].split("</ol>")[0]
    # then its timeline has its own quote's events and neutral request events only
    for secret in ("乙供应商", vq_b.number, order.number, "8888", "8,888"):
        assert secret not in timeline, secret
    assert "采购方已接受其他供应商的报价。" in timeline  # its own quote was declined
    assert "接受报价" in timeline  # the request's step, without the winner's name
    kinds = [e.kind for e in selectors.quote_request_timeline(quote_request=qr, viewer=ua)]
    assert kinds.count("accepted") == 1 and "failed" not in kinds


def test_the_winner_buyer_and_operator_see_the_acceptance_and_the_order():
    qr, buyer, (_a, ua), (_b, ub), vq_b, order = _shared_request_accepted_from_b()
    accepted_note = f"接受 乙供应商 的报价 {vq_b.number}"
    for viewer in (ub, buyer, OperatorFactory()):
        text = _text(selectors.quote_request_timeline(quote_request=qr, viewer=viewer))
        assert accepted_note in text and f"订单号 {order.number}" in text
    # the buyer and operators see both vendors' quotes; the winner sees only its own
    vendors = {e.vendor for e in selectors.quote_request_timeline(quote_request=qr, viewer=buyer)} - {""}
    assert vendors == {"甲供应商", "乙供应商"}
    vendors = {e.vendor for e in selectors.quote_request_timeline(quote_request=qr, viewer=ub)} - {""}
    assert vendors == {"乙供应商"}
    # someone with no part in the request sees nothing, nor does a vendor it was not routed to
    assert selectors.quote_request_timeline(quote_request=qr, viewer=UserFactory()) == []
    _c, uc = make_vendor("丙供应商")
    assert selectors.quote_request_timeline(quote_request=qr, viewer=uc) == []
    assert selectors.quote_request_timeline(quote_request=qr, viewer=None) == []


def test_the_api_timeline_comes_from_the_same_selector():
    qr, buyer, _a, _b, vq_b, order = _shared_request_accepted_from_b()
    client = APIClient()
    client.force_authenticate(buyer)
    body = client.get(reverse("api:quote-request-detail", kwargs={"number": qr.number})).json()
    expected = selectors.quote_request_timeline(quote_request=qr, viewer=buyer)
    assert [(e["kind"], e["note"], e["vendor"]) for e in body["timeline"]] == [
        (e.kind, e.note, e.vendor) for e in expected
    ]
    assert ("ordered", f"订单号 {order.number}", "") in [
        (e["kind"], e["note"], e["vendor"]) for e in body["timeline"]
    ]
