from decimal import Decimal

import pytest
from oscar.test.factories import create_product

from shop.core.exceptions import DomainError
from shop.payments.orders import OrderLineSpec, order_place
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _spec(price="11800.00", qty=2, rate="0.13"):
    product = create_product(title="75 寸会议一体机", price=Decimal(price), num_in_stock=10)
    return OrderLineSpec(
        product=product,
        stockrecord=product.stockrecords.first(),
        quantity=qty,
        unit_price_incl_tax=Decimal(price),
        tax_rate=Decimal(rate),
    )


def test_order_place_creates_order_at_agreed_prices_with_one_full_stage():
    # given a buyer and an agreed line
    buyer = UserFactory()
    # when the order is placed
    order = order_place(
        user=buyer,
        lines=[_spec()],
        source="quote",
        reference="XJ202611250001",
        invoice={"invoice_type": "normal", "invoice_title": "长沙市某局"},
    )
    # then totals, tax split, stage, origin and invoice request are exact
    assert order.number.startswith("DD") and len(order.number) == 14
    assert order.status == "待付款"
    assert order.total_incl_tax == Decimal("23600.00")
    assert order.total_excl_tax == Decimal("20884.96")
    line = order.lines.get()
    assert (line.quantity, line.unit_price_incl_tax, line.unit_price_excl_tax) == (
        2,
        Decimal("11800.00"),
        Decimal("10442.48"),
    )
    assert [(s.label, s.amount, s.status) for s in order.payment_stages.all()] == [
        ("全款", Decimal("23600.00"), "due")
    ]
    assert (order.origin.source, order.origin.reference) == ("quote", "XJ202611250001")
    assert order.invoice_request.invoice_title == "长沙市某局"


def test_order_place_rejects_stages_that_do_not_add_up_and_writes_nothing():
    from oscar.apps.order.models import Order

    with pytest.raises(DomainError, match="付款阶段金额之和"):
        order_place(
            user=UserFactory(),
            lines=[_spec()],
            source="oem",
            reference="OEM1",
            stages=[("定金", Decimal("1000")), ("尾款", Decimal("1000"))],
        )
    assert Order.objects.count() == 0
