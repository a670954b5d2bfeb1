"""The pricing strategy: CNY tax-inclusive prices, 起价 = lowest child price, 仅询价 not buyable."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from oscar.core.loading import get_class, get_model

from shop.apps.partner.strategy import ChinaTaxInclusive, prefetch_for_pricing
from tests.factories.accounts import PartnerFactory
from tests.factories.catalogue import (
    ChildProductFactory,
    ProductClassFactory,
    ProductFactory,
    make_parent_with_children,
)

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")


def _info(product):
    strategy = ChinaTaxInclusive()
    return strategy.fetch_for_parent(product) if product.is_parent else strategy.fetch_for_product(product)


def test_oscar_loads_our_strategy_for_every_request():
    strategy = get_class("partner.strategy", "Selector")().strategy()
    assert isinstance(strategy, ChinaTaxInclusive)


def test_parent_from_price_is_the_lowest_child_price_even_when_the_cheapest_child_is_not_first():
    # given a parent whose children are created 29800, 11800, 15800 (cheapest in the middle)
    parent, children = make_parent_with_children(prices=["29800", "11800", "15800"], price_is_from=True)
    # when its purchase info is fetched
    info = _info(parent)
    # then it is the lowest child price, shown as 起价, tax-inclusive
    assert (info.price.incl_tax, info.price.currency) == (Decimal("11800.00"), "CNY")
    assert (info.price.is_from_price, info.price.from_price) == (True, Decimal("11800.00"))
    assert (info.price.excl_tax, info.price.tax) == (Decimal("10442.48"), Decimal("1357.52"))
    assert info.availability.is_available_to_buy
    assert info.stockrecord is None


def test_parent_with_different_child_prices_is_a_from_price_even_without_the_flag():
    parent, _children = make_parent_with_children(prices=["20000", "10000"])
    assert _info(parent).price.is_from_price is True


def test_parent_whose_children_share_one_fixed_price_is_not_a_from_price():
    parent, _children = make_parent_with_children(prices=["500", "500"])
    price = _info(parent).price
    assert (price.incl_tax, price.is_from_price, price.from_price) == (Decimal("500.00"), False, None)


def test_parent_ignores_quote_only_and_unpriced_children():
    parent, children = make_parent_with_children(prices=["9000", None, "12000"])
    ChildProductFactory(parent=parent, quote_only=True, price=Decimal("1.00"))
    assert _info(parent).price.incl_tax == Decimal("9000.00")


def test_parent_of_only_quote_only_children_is_quote_only():
    parent, children = make_parent_with_children(prices=[None, None])
    Product.objects.filter(parent=parent).update(quote_only=True)
    info = _info(Product.objects.get(pk=parent.pk))
    assert (info.price.exists, info.price.is_quote_only) == (False, True)
    assert (info.availability.code, str(info.availability.message)) == ("quote_only", "仅询价")


def test_loaded_catalogue_parents_show_their_lowest_child_price_with_its_unit():
    call_command("load_catalogue", stdout=StringIO())
    expected = {
        "XH-DISP": (Decimal("11800.00"), ""),  # the seed names no unit
        "XH-LED": (Decimal("198000.00"), ""),
        "XH-DEV": (Decimal("10000.00"), ""),  # 三级开发师, the last child
        "XH-CONSULT": (Decimal("500.00"), "天"),
    }
    for code, (price, unit) in expected.items():
        info = _info(Product.objects.get(code=code))
        assert (info.price.incl_tax, info.price.unit, info.price.is_from_price) == (price, unit, True), code


def test_loaded_catalogue_variants_are_concrete_prices_without_qi():
    # given the loaded catalogue / when a variant's price is read
    call_command("load_catalogue", stdout=StringIO())
    for code, price in {
        "XH-DISP-86": "15800.00",
        "XH-DEV-L1": "20000.00",
        "XH-CONSULT-YEAR": "50000.00",
    }.items():
        info = _info(Product.objects.select_related("parent").get(code=code))
        # then it is its own fixed price, not a 起价, and it can be bought
        assert (info.price.incl_tax, info.price.is_from_price) == (Decimal(price), False), code
        assert info.availability.is_available_to_buy is True, code


def test_standalone_price_is_tax_inclusive_with_the_products_own_rate():
    goods = _info(ProductFactory(price=Decimal("11800"), tax_rate=Decimal("0.13"), price_is_from=True)).price
    assert (goods.incl_tax, goods.excl_tax, goods.tax, goods.tax_rate) == (
        Decimal("11800.00"),
        Decimal("10442.48"),
        Decimal("1357.52"),
        Decimal("0.13"),
    )
    assert goods.is_from_price and goods.effective_price == Decimal("11800.00")
    service = _info(ProductFactory(price=Decimal("500"), tax_rate=Decimal("0.06"), unit="天")).price
    assert (service.incl_tax, service.excl_tax, service.tax) == (
        Decimal("500.00"),
        Decimal("471.70"),
        Decimal("28.30"),
    )
    assert (service.is_from_price, service.from_price, service.unit) == (False, None, "天")


def test_quote_only_product_has_no_price_and_cannot_be_bought():
    info = _info(ProductFactory(quote_only=True, price=None))
    assert (info.price.exists, info.price.is_quote_only, info.price.incl_tax) == (False, True, None)
    assert (info.availability.code, str(info.availability.message)) == ("quote_only", "仅询价")
    permitted, reason = info.availability.is_purchase_permitted(1)
    assert (permitted, str(reason)) == (False, "该商品仅支持询价，请提交询价单")


def test_stock_is_required_for_tracked_goods_and_not_for_services():
    goods = _info(ProductFactory(price=Decimal("100"), num_in_stock=0))
    assert (goods.availability.code, goods.availability.is_available_to_buy) == ("outofstock", False)
    service_class = ProductClassFactory(track_stock=False)
    service = _info(ProductFactory(product_class=service_class, price=Decimal("100"), num_in_stock=None))
    assert (service.availability.code, str(service.availability.message)) == ("available", "可订购")
    assert service.availability.is_available_to_buy


def test_product_awaiting_review_is_not_buyable():
    info = _info(ProductFactory(review_status="pending"))
    assert (info.availability.code, info.availability.is_available_to_buy) == ("not_listed", False)


def test_the_cheapest_stock_record_of_several_sellers_is_used():
    product = ProductFactory(price=Decimal("15000"))
    other = PartnerFactory()
    product.stockrecords.create(partner=other, partner_sku="V-1", price=Decimal("14500"), num_in_stock=5)
    info = _info(product)
    assert (info.stockrecord.partner, info.price.incl_tax) == (other, Decimal("14500.00"))


def test_prices_of_a_prefetched_listing_cost_no_queries(django_assert_num_queries):
    # given twenty parents (three children each) and twenty standalone products
    for n in range(20):
        make_parent_with_children(prices=[f"{3000 + n}", f"{1000 + n}", f"{2000 + n}"])
        ProductFactory(price=Decimal(1000 + n))
    products = list(prefetch_for_pricing(Product.objects.browsable().base_queryset()))
    strategy = ChinaTaxInclusive()
    # when every purchase info is fetched, then no query runs
    with django_assert_num_queries(0):
        infos = [
            strategy.fetch_for_parent(p) if p.is_parent else strategy.fetch_for_product(p) for p in products
        ]
    assert len(infos) == 40
    parents = [i.price.incl_tax for p, i in zip(products, infos, strict=True) if p.is_parent]
    assert sorted(parents) == [Decimal(1000 + n) for n in range(20)]
