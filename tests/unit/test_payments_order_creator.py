"""Orders at agreed prices are placed through Oscar's OrderCreator: ``order_placed`` is sent
(Oscar's analytics count the purchase), stock is allocated on the lines' stock records, line
price rows exist, and a free-text line (no product) still works."""

from decimal import Decimal

import pytest
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_model

from shop.payments.orders import AgreedOrderCreator, OrderLineSpec, order_place
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.catalogue import ProductFactory

pytestmark = pytest.mark.django_db

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def placed_signals():
    seen = []

    def receiver(sender, order, user, **kwargs):
        seen.append((type(sender), order.number, user))

    order_placed.connect(receiver, dispatch_uid="test-order-placed")
    yield seen
    order_placed.disconnect(dispatch_uid="test-order-placed")


def _spec(product, qty, price):
    return OrderLineSpec(
        product=product,
        stockrecord=product.stockrecords.first(),
        quantity=qty,
        unit_price_incl_tax=Decimal(price),
        tax_rate=Decimal("0.13"),
    )


def test_agreed_order_sends_order_placed_and_allocates_stock(placed_signals):
    # given a product with 10 in stock and a buyer
    product = ProductFactory(title="75 寸会议一体机", price=Decimal("12000.00"), num_in_stock=10)
    buyer = UserFactory()
    # when an order for 3 at an agreed ¥11,800 is placed
    order = order_place(user=buyer, lines=[_spec(product, 3, "11800.00")], source="quote", reference="XJ1")
    # then order_placed was sent once by Oscar's creator, for this order and buyer
    assert placed_signals == [(AgreedOrderCreator, order.number, buyer)]
    # and 3 are allocated (10 in stock, 7 available to sell), the line says so
    record = StockRecord.objects.get(pk=product.stockrecords.first().pk)
    assert (record.num_in_stock, record.num_allocated) == (10, 3)
    line = order.lines.get()
    assert line.num_allocated == 3
    # and the line carries Oscar's price row at the agreed price
    assert list(line.prices.values_list("quantity", "price_incl_tax", "price_excl_tax")) == [
        (3, Decimal("11800.00"), Decimal("10442.48"))
    ]
    # and Oscar's analytics counted the purchase and the buyer's order
    assert ProductRecord.objects.get(product=product).num_purchases == 3
    assert UserRecord.objects.get(user=buyer).num_orders == 1


def test_a_free_text_line_still_places_the_order_and_reaches_every_receiver(placed_signals, caplog):
    # given a catalogue line and a free-text line of a vendor (no product, no stock record)
    _user, vendor = make_vendor_user()
    product = ProductFactory(title="交换机", price=Decimal("900.00"), num_in_stock=5, partner=vendor)
    free = OrderLineSpec(
        product=None,
        stockrecord=None,
        quantity=2,
        unit_price_incl_tax=Decimal("3000.00"),
        tax_rate=Decimal("0.06"),
        title="机房布线施工",
    )
    buyer = UserFactory()
    # when the order is placed (the seller of the free-text line named)
    order = order_place(
        user=buyer,
        lines=[_spec(product, 1, "900.00"), free],
        source="sourcing",
        reference="CG1",
        seller=vendor,
    )
    # then the order exists with both lines, the free-text one sold by the vendor
    rows = list(order.lines.order_by("pk").values_list("title", "product_id", "partner_id", "num_allocated"))
    assert rows == [("交换机", product.pk, vendor.pk, 1), ("机房布线施工", None, vendor.pk, 0)]
    assert order.total_incl_tax == Decimal("6900.00")
    # and order_placed reached every receiver; Oscar's analytics, which cannot count a line
    # without a product, counted the catalogue line and the buyer's order, with no warning
    assert placed_signals == [(AgreedOrderCreator, order.number, buyer)]
    assert ProductRecord.objects.get(product=product).num_purchases == 1
    assert list(UserRecord.objects.values_list("user_id", "num_orders", "num_order_lines")) == [
        (buyer.pk, 1, 2)
    ]
    assert StockRecord.objects.get(pk=product.stockrecords.first().pk).num_allocated == 1
    assert not [w for w in caplog.records if w.levelname == "WARNING"]
