"""Concurrent HTTP requests against one sourcing event (threads with their own PostgreSQL
connections, released together): the event's row lock makes a supplier's one response and its
bid steps hold whatever arrives at the same moment."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.sourcing.models import Bid, SupplierResponse
from tests.factories.sourcing import publish_inquiry, sourcing_world

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls):
    barrier = threading.Barrier(len(calls))

    def one(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_two_responses_of_one_supplier_at_once_store_one():
    # given an open 询价 and one supplier with two browser tabs
    world = sourcing_world()
    event = publish_inquiry(world, days=7)
    lines = list(event.lines.order_by("sequence"))
    tabs = [client_for(world.vendors[0][1]) for _ in range(2)]
    url = reverse("dashboard:sourcing-respond", args=[event.number])
    # when both tabs send a response at the same moment
    answers = at_once(
        [
            lambda c=c, p=p: c.post(
                url, {f"price_{lines[0].pk}": p, f"price_{lines[1].pk}": "800", "delivery_days": "20"}
            )
            for c, p in zip(tabs, ("19000", "18000"), strict=True)
        ]
    )
    # then one response is stored and the other tab is told why
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400).content.decode()
    assert "贵公司已报价。询价报价一次报出，不得更改。" in refused
    assert SupplierResponse.objects.filter(event=event).count() == 1


def test_concurrent_bids_keep_the_decrement_rule_and_extend_the_end_once():
    # given an auction ending in two minutes, in steps of ¥100, with a 5-minute extension window
    world = sourcing_world()
    now = timezone.now()
    event = publish_inquiry(
        world,
        mode="auction",
        starts_at=now,
        deadline=now + timedelta(minutes=2),
        start_price="50000",
        decrement="100",
    )
    end = event.deadline
    url = reverse("dashboard:sourcing-bid", args=[event.number])
    a_tabs = [client_for(world.vendors[0][1]) for _ in range(2)]
    b = client_for(world.vendors[1][1])
    # when vendor A sends ¥48,000 and ¥47,950 from two tabs while vendor B bids ¥47,000, all at once
    at_once(
        [
            lambda: a_tabs[0].post(url, {"amount": "48000"}),
            lambda: a_tabs[1].post(url, {"amount": "47950"}),
            lambda: b.post(url, {"amount": "47000"}),
        ]
    )
    # then A has exactly one bid (the two are only ¥50 apart), B has its bid,
    # and the end moved once by five minutes
    assert Bid.objects.filter(event=event, partner=world.vendors[0][0]).count() == 1
    assert Bid.objects.filter(event=event, partner=world.vendors[1][0]).count() == 1
    event.refresh_from_db()
    assert event.deadline == end + timedelta(minutes=5)
