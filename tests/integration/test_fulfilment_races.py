"""Acceptance and delivery posted at the same moment (real threads, each on its own PostgreSQL
connection): the order is accepted once and its payment opened exactly once; what is delivered
never exceeds what was ordered."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from shop.core.exceptions import DomainError
from shop.fulfilment import services
from shop.fulfilment.models import Acceptance, Delivery, FulfilmentEvent, LineFulfilment
from shop.payments import services as payments
from tests.factories.fulfilment import fulfilment_world, unit_order

pytestmark = pytest.mark.django_db(transaction=True)

N = 6


def at_once(calls):
    barrier = threading.Barrier(len(calls))

    def one(call):
        try:
            barrier.wait()
            return call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_concurrent_full_acceptances_accept_once_and_open_the_payment_once(monkeypatch):
    # given 4 units delivered
    w = fulfilment_world()
    order = unit_order(w, qty=4)
    line = order.lines.get()
    services.delivery_record(
        order=order,
        line_id=line.pk,
        actor=w.vendor,
        kind="shipment",
        quantity=4,
        carrier="顺丰速运",
        tracking_number="SF9",
    )
    calls = []
    lock = threading.Lock()
    real = payments.payable_open

    def spy(**kwargs):
        with lock:
            calls.append(kwargs["order"].pk)
        return real(**kwargs)

    monkeypatch.setattr(payments, "payable_open", spy)
    # when N tabs post the acceptance of the 4 at the same moment
    results = at_once(
        [
            lambda: services.acceptance_record(
                order=order, line_id=line.pk, actor=w.handler, quantity="4", result="passed"
            )
            for _ in range(N)
        ]
    )
    # then one acceptance is stored, every other tab is told why, the payment opened exactly once
    stored = [r for r in results if isinstance(r, Acceptance)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(stored), len(refused)) == (1, N - 1), results
    assert {r.message for r in refused} <= {
        "订单已验收完成。",
        "“75 寸会议一体机”目前没有已交付待验收的数量。",
    }
    assert calls == [order.pk]
    assert Acceptance.objects.count() == 1
    assert FulfilmentEvent.objects.filter(kind="order_accepted").count() == 1
    order.refresh_from_db()
    assert order.status == "待付款"


def test_concurrent_deliveries_never_exceed_the_ordered_quantity():
    # given an order of 3 units
    w = fulfilment_world()
    order = unit_order(w, qty=3)
    line = order.lines.get()
    # when N tabs each ship 1 unit at the same moment
    results = at_once(
        [
            lambda i=i: services.delivery_record(
                order=order,
                line_id=line.pk,
                actor=w.vendor,
                kind="shipment",
                quantity=1,
                carrier="顺丰速运",
                tracking_number=f"SF{i}",
            )
            for i in range(N)
        ]
    )
    # then 3 are delivered and the others are refused in Chinese
    delivered = [r for r in results if isinstance(r, Delivery)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(delivered), len(refused)) == (3, N - 3), results
    assert {r.message for r in refused} == {"交付数量超过可交付数量：订购 3，已交付且未退回 3，还可交付 0。"}
    assert LineFulfilment.objects.get().delivered == 3
