"""The stored list price (``shop.apps.catalogue.listprice``): each product's lowest orderable
price, kept exact wherever prices or visibility change, equal to what computing it says."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from oscar.core.loading import get_model

from shop.apps.catalogue.listprice import list_price_expression, refresh_list_prices
from shop.apps.catalogue.models import ReviewStatus
from tests.factories.catalogue import ProductFactory, make_parent_with_children

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")

pytestmark = pytest.mark.django_db


def _stored(product) -> Decimal | None:
    return Product.objects.values_list("list_price", flat=True).get(pk=product.pk)


def _computed(product) -> Decimal | None:
    return (
        Product.objects.annotate(computed=list_price_expression())
        .values_list("computed", flat=True)
        .get(pk=product.pk)
    )


def test_a_standalone_product_is_listed_at_its_lowest_price():
    # given a product sold by two partners
    product = ProductFactory(price=Decimal("12000.00"))
    other = Partner.objects.create(code="other", name="长沙智联科技")
    # when the second partner offers it cheaper
    StockRecord.objects.create(product=product, partner=other, partner_sku="O-1", price=Decimal("11500.00"))
    # then its list price is the lower one
    assert _stored(product) == Decimal("11500.00")
    # when that offer is withdrawn
    StockRecord.objects.get(partner=other).delete()
    # then it is the first partner's again
    assert _stored(product) == Decimal("12000.00")


def test_a_price_change_reaches_the_variant_and_its_parent():
    # given a parent with three priced variants
    parent, children = make_parent_with_children(prices=["29800", "11800", "15800"])
    assert _stored(parent) == Decimal("11800.00")
    assert [_stored(c) for c in children] == [Decimal("29800.00"), Decimal("11800.00"), Decimal("15800.00")]
    # when the cheapest variant's price rises
    record = children[1].stockrecords.get()
    record.price = Decimal("31000.00")
    record.save()
    # then the variant and the parent show the new lowest prices
    assert _stored(children[1]) == Decimal("31000.00")
    assert _stored(parent) == Decimal("15800.00")


def test_a_hidden_or_quote_only_variant_does_not_set_the_parents_price():
    # given a parent whose cheapest variant is 11800
    parent, children = make_parent_with_children(prices=["29800", "11800"])
    cheapest = children[1]
    # when that variant is sent back to review
    cheapest.review_status = ReviewStatus.PENDING
    cheapest.save()
    # then the parent is listed at the visible variant's price
    assert _stored(parent) == Decimal("29800.00")
    # when it is approved again but made 仅询价
    cheapest.review_status = ReviewStatus.APPROVED
    cheapest.quote_only = True
    cheapest.save()
    # then it still does not count, and it has no list price itself
    assert _stored(parent) == Decimal("29800.00")
    assert _stored(cheapest) is None
    # when it is orderable again
    cheapest.quote_only = False
    cheapest.save()
    assert _stored(parent) == Decimal("11800.00")


def test_quote_only_and_unpriced_products_have_no_list_price():
    # given a priced product made 仅询价, and one without a price
    product = ProductFactory(price=Decimal("5000.00"))
    product.quote_only = True
    product.save()
    unpriced = ProductFactory(price=None)
    # then neither has a list price
    assert _stored(product) is None
    assert _stored(unpriced) is None
    # when the first is orderable again
    product.quote_only = False
    product.save()
    assert _stored(product) == Decimal("5000.00")


def test_a_deleted_variant_leaves_the_parent_at_the_next_price():
    parent, children = make_parent_with_children(prices=["29800", "11800"])
    children[1].delete()
    assert _stored(parent) == Decimal("29800.00")


def test_refresh_repairs_a_price_written_without_signals_and_reports_what_it_wrote():
    # given a variant whose price was changed by a bulk update (no signals)
    parent, children = make_parent_with_children(prices=["29800", "11800"])
    StockRecord.objects.filter(product=children[1]).update(price=Decimal("40000.00"))
    assert _stored(parent) == Decimal("11800.00")  # stale until refreshed
    # when the variant is refreshed
    written = refresh_list_prices([children[1].pk])
    # then it and its parent are written, and match the computed price
    assert written == 2
    assert _stored(parent) == _computed(parent) == Decimal("29800.00")
    assert _stored(children[1]) == Decimal("40000.00")
    # when it is refreshed again, nothing has changed: nothing is written
    assert refresh_list_prices([children[1].pk]) == 0
    assert refresh_list_prices([]) == 0
    assert refresh_list_prices([None]) == 0


def _row_version(product) -> str:
    """Where the product's row stands (PostgreSQL's ctid): every UPDATE that writes it moves it."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT ctid::text FROM "catalogue_product" WHERE id = %s', [product.pk])
        return cursor.fetchone()[0]


def test_a_stock_allocation_does_not_write_the_product():
    # given a product bought at checkout: Oscar allocates stock and reports it as a saved record
    product = ProductFactory(price=Decimal("12000.00"))
    record = product.stockrecords.get()
    before = _row_version(product)
    # when stock is allocated
    record.allocate(2)
    # then the product row was neither written nor locked: its price did not change
    assert _row_version(product) == before
    assert _stored(product) == Decimal("12000.00")
    # when the price itself changes, the row is written
    record.price = Decimal("11000.00")
    record.save()
    assert _row_version(product) != before
    assert _stored(product) == Decimal("11000.00")


def test_the_product_import_stores_list_prices_for_new_and_changed_rows(tmp_path):
    # given an import file of two products, one 仅询价
    rows = [
        {
            "upc": "LP-1",
            "title": "会议平板 75 寸",
            "category": ["会议一体机"],
            "product_class": "会议一体机",
            "price": "11800",
            "num_in_stock": 5,
            "partner": "湘慧商城自营",
        },
        {
            "upc": "LP-2",
            "title": "城市大脑 定制",
            "category": ["城市大脑"],
            "product_class": "城市大脑",
            "price": "300000",
            "num_in_stock": 1,
            "partner": "湘慧商城自营",
            "quote_only": True,
        },
    ]
    source = tmp_path / "products.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    # when it is imported
    call_command("import_products", str(source), "--no-progress")
    # then the new rows carry their price (none when 仅询价)
    assert _stored(Product.objects.get(upc="LP-1")) == Decimal("11800.00")
    assert _stored(Product.objects.get(upc="LP-2")) is None
    # when the first product's price changes in the file and it is imported again
    rows[0]["price"] = "10800"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    call_command("import_products", str(source), "--no-progress")
    # then the stored price follows, and equals the computed one
    product = Product.objects.get(upc="LP-1")
    assert _stored(product) == _computed(product) == Decimal("10800.00")


def test_every_stored_price_of_the_real_catalogue_equals_the_computed_one():
    from tests.factories.storefront import load_real_catalogue

    load_real_catalogue()
    rows = list(
        Product.objects.annotate(computed=list_price_expression()).values_list(
            "upc", "list_price", "computed"
        )
    )
    assert len(rows) > 40
    assert [r for r in rows if r[1] != r[2]] == []
    assert sum(1 for r in rows if r[1] is not None) > 20
