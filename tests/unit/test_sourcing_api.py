"""The sourcing JSON API (/api/sourcing/) keeps the pages' rules: prices sealed from everyone
until a 询价 is opened (the buyer sees only how many responded), a vendor sees only its own
response or bids and rank, one response per supplier, refusals in Chinese."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.sourcing import services
from shop.sourcing.models import Bid, SupplierResponse
from tests.factories.accounts import OperatorFactory
from tests.factories.buyers import make_unit
from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def detail(user, event) -> dict:
    response = api(user).get(reverse("api:sourcing-detail", args=[event.number]))
    assert response.status_code == 200
    return response.json()


def api_respond(user, event, prices, delivery_days="20"):
    lines = list(event.lines.order_by("sequence"))
    body = {
        "prices": {str(line.pk): p for line, p in zip(lines, prices, strict=True)},
        "delivery_days": delivery_days,
    }
    return api(user).post(reverse("api:sourcing-respond", args=[event.number]), body, format="json")


def test_prices_are_sealed_in_every_answer_until_the_inquiry_opens():
    # given a published 询价 with a response through the API (vendor 1) and one through the page's
    # service (vendor 2)
    world = sourcing_world()
    event = publish_inquiry(world)
    created = api_respond(world.vendors[0][1], event, ["18888.01", "777.01"])
    respond(event, world.vendors[1], prices=["19999.02", "666.02"])
    operator = OperatorFactory()
    # when the buyer, the operator and both vendors read the list and the detail before the deadline
    buyer_view = detail(world.handler, event)
    operator_view = detail(operator, event)
    v1_view = detail(world.vendors[0][1], event)
    lists = [
        api(u).get(reverse("api:sourcing-list")).content.decode()
        for u in (world.handler, operator, world.vendors[0][1])
    ]
    # then the vendor's own response came back (its own prices), the buyer and the operator see
    # only the count, vendor 1 sees its own prices and never vendor 2's
    assert created.status_code == 201
    assert created.json()["lines"][0]["unit_price"] == "18888.01"
    assert (buyer_view["response_count"], buyer_view["responses"]) == (2, [])
    assert (operator_view["response_count"], operator_view["responses"]) == (2, [])
    assert [line["unit_price"] for line in v1_view["my_response"]["lines"]] == ["18888.01", "777.01"]
    everything = json.dumps([buyer_view, operator_view, v1_view], ensure_ascii=False) + "".join(lists)
    for price in ("19999.02", "666.02", "会议设备供应商2"):
        assert price not in everything
    for price in ("18888.01", "777.01"):
        assert price not in json.dumps([buyer_view, operator_view], ensure_ascii=False) + lists[0] + lists[1]


def test_once_opened_the_buyer_sees_every_price_ranked_and_a_vendor_still_only_its_own():
    # given three responses, opened at the deadline
    world = sourcing_world()
    event = publish_inquiry(world)
    respond(event, world.vendors[0], prices=["20000.00", "800.00"])
    respond(event, world.vendors[1], prices=["19000.00", "900.00"])
    respond(event, world.vendors[2], prices=["21000.00", "700.00"])
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    # when the buyer and vendor 3 read the detail
    buyer_view = detail(world.handler, event)
    v3_view = detail(world.vendors[2][1], event)
    # then the buyer sees the ranked responses with totals; vendor 3 sees its own only
    assert [(r["supplier"], r["total"], r["rank"]) for r in buyer_view["responses"]] == [
        ("会议设备供应商2", "41600.00", 1),
        ("会议设备供应商1", "43200.00", 2),
        ("会议设备供应商3", "44800.00", 3),
    ]
    assert "responses" not in v3_view and v3_view["my_response"]["total"] == "44800.00"
    assert "19000.00" not in json.dumps(v3_view)


def test_a_second_response_and_an_outsider_are_refused_and_nothing_is_stored():
    # given vendor 1 responded once through the API
    world = sourcing_world()
    event = publish_inquiry(world)
    api_respond(world.vendors[0][1], event, ["18000.00", "700.00"])
    _unit, members = make_unit(roles_by_name={"h": ["handler"]})
    # when it responds again, and another unit's member reads the event
    again = api_respond(world.vendors[0][1], event, ["17000.00", "600.00"])
    outsider = api(members["h"].user).get(reverse("api:sourcing-detail", args=[event.number]))
    zero = api_respond(world.vendors[1][1], event, ["0", "700.00"])
    # then: 409 for the second response, 404 for the outsider, 400 for a zero price
    assert again.status_code == 409 and "已" in again.json()["detail"]
    assert outsider.status_code == 404
    assert zero.status_code == 400
    assert SupplierResponse.objects.count() == 1


def test_bids_through_the_api_answer_the_bidders_own_rank_only():
    # given an auction running now
    world = sourcing_world()
    now = timezone.now()
    event = publish_inquiry(
        world,
        mode="auction",
        starts_at=now - timedelta(minutes=1),
        deadline=now + timedelta(hours=1),
        start_price="50000.00",
        decrement="500.00",
        now=now - timedelta(minutes=2),
    )
    url = reverse("api:sourcing-bid", args=[event.number])
    # when vendor 1 bids ¥49,000, vendor 2 ¥48,000, and vendor 1 tries ¥48,800
    first = api(world.vendors[0][1]).post(url, {"amount": "49000"}, format="json")
    second = api(world.vendors[1][1]).post(url, {"amount": "48000"}, format="json")
    too_small = api(world.vendors[0][1]).post(url, {"amount": "48800"}, format="json")
    v1_view = detail(world.vendors[0][1], event)
    # then each answer carries the bidder's own amount and rank, never the other's
    assert (first.status_code, first.json()["amount"], first.json()["my_rank"]) == (201, "49000.00", 1)
    assert (second.status_code, second.json()["my_rank"]) == (201, 1)
    assert too_small.status_code == 400
    assert too_small.json()["detail"].startswith("新报价须比您上一次报价 ¥49,000.00 至少低 ¥500.00")
    assert (v1_view["my_best_bid"], v1_view["my_rank"]) == ("49000.00", 2)
    assert "48000" not in json.dumps(v1_view) and "会议设备供应商2" not in json.dumps(v1_view)
    assert Bid.objects.count() == 2
