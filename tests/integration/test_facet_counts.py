"""Stored facet counts (shop.storefront.facetcounts): a category page filtered by nothing or by
price reads its counts from one stored row, equal to what counting gives; every write that
can change them puts them out of date until they are counted again, by the Celery task."""

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from shop.storefront import facetcounts
from shop.storefront.facets import PRICE_KEYS, FacetData, Filters, apply_filters, facet_data
from shop.storefront.models import CategoryFacets, CategoryFacetSelection
from shop.storefront.selectors import category_products
from tests.conftest import wait_until
from tests.factories.catalogue import CategoryFactory, ProductFactory
from tests.factories.credit import suspend
from tests.factories.storefront import load_real_catalogue, make_shelf
from tests.factories.vendors import make_vendor_product
from tests.integration.test_category_facets import facet_groups

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")

pytestmark = pytest.mark.django_db


def counted(category, price: str = "") -> FacetData:
    return facet_data(apply_filters(category_products(category), Filters(price=price)))


def stored(category, price: str = "") -> FacetData | None:
    return facetcounts.stored_facet_data(category.pk, Filters(price=price))


def current() -> set[str]:
    """Names of the categories whose stored counts are read."""
    return {c.name for c in Category.objects.all() if stored(c) is not None}


@pytest.fixture
def shelf():
    return make_shelf()


@pytest.fixture
def other():
    """A category beside the shelf, with one product."""
    category = CategoryFactory(name="会议平板", code="tablets", slug="tablets")
    ProductFactory(title="会议平板 65 寸", price=Decimal("4000"), categories=[category])
    return category


def test_stored_counts_equal_counting_for_every_category_and_price_range(shelf):
    # given the shelf and the real catalogue
    load_real_catalogue()
    categories = list(Category.objects.all())
    # when the counts are made
    done = facetcounts.rebuild_stale()
    # then every category has them, and each selection is what counting gives now
    assert done == {"stored": len(categories), "changed_meanwhile": 0, "left": 0}
    assert any(counted(c).attributes and counted(c).sellers for c in categories)
    for category in categories:
        assert stored(category) == counted(category), category.name
        for key in PRICE_KEYS:
            assert stored(category, key) == counted(category, key), (category.name, key)
    # and a range holding nothing has no row, yet is answered (as empty) while they are current
    root = shelf["root"]
    assert set(CategoryFacetSelection.objects.filter(facets_id=root.pk).values_list("price", flat=True)) == {
        "",
        "0-1000",
        "1000-5000",
        "10000-50000",
    }
    assert stored(root, "100000-500000") == FacetData() == counted(root, "100000-500000")
    # and other filters are always counted
    assert facetcounts.stored_facet_data(root.pk, Filters(brand="华为")) is None


def cold_page(client, url: str) -> tuple[dict, str, list[str]]:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    total = html[html.index("共 ") : html.index(" 件商品") + 4]
    return facet_groups(html), total, [q["sql"] for q in ctx.captured_queries]


def test_a_page_reads_its_stored_counts_in_one_query_and_shows_the_same(client, shelf):
    root = shelf["root"]
    for url in (root.get_absolute_url(), root.get_absolute_url() + "?price=10000-50000"):
        # given the page counted (nothing stored yet)
        counted_facets, counted_total, counting = cold_page(client, url)
        # when the counts are stored and the page is rendered again with nothing cached
        facetcounts.rebuild_stale()
        facets, total, reading = cold_page(client, url)
        # then it shows the same facets and total, with three queries fewer, none of them on
        # the attribute values or the stock records
        assert (facets, total) == (counted_facets, counted_total), url
        assert (len(counting), len(reading)) == (13, 10), url
        assert not [q for q in reading if "catalogue_productattributevalue" in q]
        assert not [q for q in reading if 'FROM "partner_stockrecord"' in q and "COUNT(" in q]
        CategoryFacets.objects.all().delete()
    assert counted_total == "共 2 件商品"  # 杆载屏 and 多功能杆 (its variant at 20,000)


def test_real_catalogue_category_with_stored_counts_costs_nine_queries(client):
    # given the real catalogue with its counts stored
    load_real_catalogue()
    facetcounts.rebuild_stale()
    category = Category.objects.get(name="党政企会议/教育一体机")
    # when its page is rendered with nothing cached / then: the page's own 7 (no card on its
    # first page has variants, so none are read), the tree, the counts
    assert len(cold_page(client, category.get_absolute_url())[2]) == 9


def test_writes_put_the_counts_of_their_categories_and_those_above_out_of_date(shelf, other):
    root, lights, vendor = shelf["root"], shelf["lights"], shelf["vendor"]
    everything = {"智慧杆", "灯控", "会议平板"}
    gateway = Product.objects.get(title="灯控网关")  # in 灯控, under 智慧杆
    another_seller = Partner.objects.create(code="p2", name="湘江数据")
    facetcounts.rebuild_stale()
    assert current() == everything

    # a product saved: its category and the one above
    gateway.title = "灯控网关 Pro"
    gateway.save()
    assert current() == {"会议平板"}
    facetcounts.rebuild_stale()

    # a stock allocation at checkout changes no count
    record = gateway.stockrecords.get()
    record.allocate(1)
    assert record.num_allocated == 1
    assert current() == everything

    # a new price
    record.price = Decimal("6000")
    record.save()
    assert current() == {"会议平板"}
    facetcounts.rebuild_stale()
    assert stored(root).prices == {"0-1000": 1, "10000-50000": 2, "5000-10000": 1}

    # a record moved to another seller, then a new record
    record.partner = another_seller
    record.save()
    assert current() == {"会议平板"}
    facetcounts.rebuild_stale()
    tablet = Product.objects.get(title="会议平板 65 寸")
    StockRecord.objects.create(product=tablet, partner=vendor, partner_sku="T-2", price=Decimal("4100"))
    assert current() == everything - {"会议平板"}
    facetcounts.rebuild_stale()

    # an attribute value of a product directly in 智慧杆: not 灯控 below it
    controller = Product.objects.get(title="路灯控制器")
    value = ProductAttributeValue.objects.get(product=controller, attribute__code="voltage")
    value.value_text = "110V"
    value.save()
    assert current() == {"灯控", "会议平板"}
    facetcounts.rebuild_stale()

    # a product added to a category and taken out again (both sides of the link)
    tablet.categories.add(lights)
    assert current() == {"会议平板"}
    facetcounts.rebuild_stale()
    other.product_set.remove(tablet)
    assert current() == {"智慧杆", "灯控"}
    facetcounts.rebuild_stale()

    # a variant deleted: its parent's categories
    Product.objects.filter(parent__title="多功能杆").order_by("pk").first().delete()
    assert current() == {"灯控", "会议平板"}
    facetcounts.rebuild_stale()

    # a category renamed: every category
    lights.name = "智能灯控"
    lights.save()
    assert current() == set()
    facetcounts.rebuild_stale()
    assert all(stored(c) == counted(c) for c in Category.objects.all())


def test_a_suspension_puts_every_count_out_of_date_and_one_starting_later_ends_them(shelf):
    # given a vendor who owns a product of 智慧杆, and the counts stored
    root = shelf["root"]
    owned = make_vendor_product(partner=shelf["vendor"], title="智慧杆网关", price=Decimal("2000"))
    owned.categories.add(root)
    facetcounts.rebuild_stale()
    assert stored(root).total == 6
    # when the vendor is suspended from the day after tomorrow
    entry = suspend(shelf["vendor"], days=10, start_in_days=2)
    # then the counts are made again, and end when the suspension starts
    assert stored(root) is None
    facetcounts.rebuild_stale()
    state = CategoryFacets.objects.get(pk=root.pk)
    assert state.valid_until == entry.starts_at
    assert stored(root).total == 6
    # when that moment has passed (moved here to the past), the stored counts are not read
    CategoryFacets.objects.filter(pk=root.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert stored(root) is None


def test_counts_written_to_while_being_made_are_not_stored(shelf, monkeypatch):
    # given a product of 灯控 that is saved while the counts of 灯控 are being made
    lights = shelf["lights"]
    gateway = Product.objects.get(title="灯控网关")
    real = facetcounts.facet_data
    calls = []

    def counting_while_a_write_commits(products):
        calls.append(1)
        if len(calls) == 1:
            gateway.save()
        return real(products)

    monkeypatch.setattr(facetcounts, "facet_data", counting_while_a_write_commits)
    # when the counts are made / then they are not stored, and the next run stores them
    assert facetcounts.rebuild_category(lights.pk) is False
    assert stored(lights) is None
    assert facetcounts.rebuild_category(lights.pk) is True
    assert stored(lights) == counted(lights)


def test_the_bulk_import_puts_every_count_out_of_date(shelf, other, tmp_path):
    # given the counts stored
    facetcounts.rebuild_stale()
    # when products are imported in bulk (no model signals)
    path = tmp_path / "products.jsonl"
    row = {
        "upc": "IMP-1",
        "title": "导入平板",
        "category": "会议平板",
        "product_class": "会议平板",
        "partner": "湘江数据",
    }
    path.write_text(json.dumps({**row, "price": "3000", "num_in_stock": 5}, ensure_ascii=False) + "\n")
    call_command("import_products", str(path), "--no-progress", stdout=open(tmp_path / "out", "w"))
    # then no category's counts are read until they are made again
    assert current() == set()
    facetcounts.rebuild_stale()
    assert stored(other).total == 2


def test_the_command_counts_the_out_of_date_categories(shelf, capsys):
    call_command("rebuild_facet_counts")
    assert capsys.readouterr().out.startswith("已统计 2 个分类（共 2 个待统计）")
    call_command("rebuild_facet_counts")
    assert capsys.readouterr().out.startswith("已统计 0 个分类（共 0 个待统计）")
    call_command("rebuild_facet_counts", "--all")
    assert capsys.readouterr().out.startswith("已统计 2 个分类（共 2 个待统计）")
    call_command("rebuild_facet_counts", "--all", verbosity=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["1/2", "2/2"] and lines[2].startswith("已统计 2 个分类（共 2 个待统计）")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_counts_again_after_a_write_commits(celery_worker, shelf):
    # given the counts stored, and a real worker
    root = shelf["root"]
    facetcounts.rebuild_stale()
    cache.delete(facetcounts.REBUILD_QUEUED_KEY)
    # when a price changes (committed)
    record = Product.objects.get(title="路灯控制器").stockrecords.get()
    record.price = Decimal("70000")
    record.save()
    assert stored(root) is None
    # then the worker makes them again, with the new price
    wait_until(lambda: stored(root) is not None, message="the rebuilt counts", timeout=30)
    assert (
        stored(root).prices == counted(root).prices == {"50000-100000": 1, "1000-5000": 1, "10000-50000": 2}
    )


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_does_not_wait_for_a_writer_still_holding_the_category(shelf):
    # given the counts of 灯控 stored, and a writer that has marked them and not yet committed
    lights = shelf["lights"]
    facetcounts.rebuild_stale()
    marked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                facetcounts.facets_changed(categories=[lights.pk])
                marked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert marked.wait(10)
        # when they are made meanwhile (waiting for the lock would fail here)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            stored_now = facetcounts.rebuild_category(lights.pk)
        # then they are not stored
        assert stored_now is False
    finally:
        release.set()
        thread.join(30)
    # and once the writer has committed, they are out of date until the next rebuild
    assert stored(lights) is None
    assert facetcounts.rebuild_category(lights.pk) is True
