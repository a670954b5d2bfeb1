"""Invoices recorded at the same moment (real threads, each on its own PostgreSQL connection):
the order's invoiceable amount is never exceeded and a number taken twice is a Chinese error,
never an IntegrityError (a 500 in the dashboard)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from shop.core.exceptions import DomainError
from shop.payments.models import IssuedInvoice
from shop.payments.services import invoice_issue
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.payments import placed_order

pytestmark = pytest.mark.django_db(transaction=True)

N = 8


def at_once(calls):
    """Run the callables in N threads released by one barrier; each result or exception."""
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


def issue(order, vendor, partner, number, amount="10442.48", tax="1357.52"):
    return lambda: invoice_issue(
        order=order,
        actor=vendor,
        partner=partner,
        number=number,
        issued_on=date(2026, 11, 24),
        tax_rate=Decimal("0.13"),
        amount=Decimal(amount),
        tax=Decimal(tax),
    )


def test_concurrent_invoices_for_the_whole_order_record_only_one():
    # given an order of ¥11,800.00 of goods (13%) from one vendor
    vendor, partner = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=partner, price="11800.00")
    # when the vendor's N browser tabs record an invoice for the whole amount at the same moment
    results = at_once([issue(order, vendor, partner, f"2443200000001234{i:04d}") for i in range(N)])
    # then exactly one invoice is recorded and every other tab is told nothing is left
    recorded = [r for r in results if isinstance(r, IssuedInvoice)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(recorded), len(refused)) == (1, N - 1), results
    assert {r.message for r in refused} == {"价税合计超出该税率商品的订单金额（剩余可开 ¥0.00）。"}
    assert list(IssuedInvoice.objects.values_list("order_id", "amount", "tax")) == [
        (order.pk, Decimal("10442.48"), Decimal("1357.52"))
    ]


def test_concurrent_invoices_with_one_number_on_two_orders_give_a_chinese_error():
    # given two orders of the same vendor
    vendor, partner = make_vendor_user()
    orders = [placed_order(buyer=UserFactory(), partner=partner, price="11800.00") for _ in range(2)]
    # when the same invoice number is recorded on both orders, N times at the same moment
    results = at_once(
        [issue(orders[i % 2], vendor, partner, "24432000000012345678", "100.00", "13.00") for i in range(N)]
    )
    # then one invoice exists and every other attempt is a DomainError naming the number
    recorded = [r for r in results if isinstance(r, IssuedInvoice)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(recorded), len(refused)) == (1, N - 1), results
    assert {r.message for r in refused} == {
        f"发票号码 24432000000012345678 已登记过（{partner.name}），请核对号码。"
    }
    assert IssuedInvoice.objects.filter(number="24432000000012345678").count() == 1
