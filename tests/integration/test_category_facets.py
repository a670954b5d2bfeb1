"""Category pages browse like a mall: a category tree, filters by brand, seller, price range and
key specifications with counts, sorting, plain canonical GET links, exact query counts; the
breadcrumbs name each level once."""

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from tests.factories.catalogue import (
    ProductFactory,
)
from tests.factories.storefront import load_real_catalogue, make_shelf, set_attribute

Product = get_model("catalogue", "Product")
Partner = get_model("partner", "Partner")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    return make_shelf()


def facet_groups(html: str) -> dict[str, list[tuple[str, int, bool]]]:
    """{facet name: [(label, count, selected)]} as the page shows them."""
    out = {}
    for name, body in re.findall(r'<h3 class="xh-facet-name">(.*?)</h3>\s*<ul>(.*?)</ul>', html, flags=re.S):
        out[name] = [
            (label.strip(), int(count), "is-selected" in attrs)
            for attrs, label, count in re.findall(
                r'<a([^>]*)href="[^"]*"[^>]*>([^<]*?) <span class="xh-facet-count">(\d+)</span>', body
            )
        ]
    return out


def facet_link(html: str, label: str) -> str:
    match = re.search(rf'<a(?: class="is-selected")? href="([^"]+)"[^>]*>{re.escape(label)} <span', html)
    assert match, label
    return match.group(1).replace("&amp;", "&")


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="xh-card-title"><a href="[^"]+">([^<]+)</a>', html)


def test_a_category_shows_each_facet_with_its_counts(client, shelf):
    # given the shelf / when a buyer opens 智慧杆
    html = client.get(shelf["root"].get_absolute_url()).content.decode()
    # then every visible product of the category and its subcategory is counted once
    assert facet_groups(html) == {
        "品牌": [("中兴", 2, False), ("华为", 2, False), ("浪潮", 1, False)],
        "供应商": [("湘慧商城自营", 3, False), ("长沙某科技有限公司", 2, False)],
        "价格": [("1,000 元以下", 1, False), ("1,000–5,000 元", 1, False), ("1万–5万 元", 2, False)],
        "电压": [("220V", 2, False), ("380V", 1, False)],
        "尺寸": [("10 寸", 1, False), ("20 寸", 1, False)],
    }
    assert "共 5 件商品" in html


def test_choosing_filters_narrows_the_listing_and_the_counts(client, shelf):
    base = shelf["root"].get_absolute_url()
    # when the buyer picks 华为 then 380V
    html = client.get(base).content.decode()
    brand_url = facet_link(html, "华为")
    assert brand_url == f"{base}?brand={quote('华为')}"
    html = client.get(brand_url).content.decode()
    # then the listing and the other facets count only 华为's products
    assert sorted(card_titles(html)) == ["灯控网关", "路灯控制器"]
    assert facet_groups(html)["品牌"] == [("华为", 2, True)]
    assert facet_groups(html)["电压"] == [("220V", 1, False), ("380V", 1, False)]
    both_url = facet_link(html, "380V")
    assert both_url == f"{base}?brand={quote('华为')}&spec=voltage%3A380V"
    html = client.get(both_url).content.decode()
    assert card_titles(html) == ["灯控网关"]
    assert "共 1 件商品" in html
    # and the chosen value links back to the page without it
    assert facet_link(html, "华为") == f"{base}?spec=voltage%3A380V"


def test_seller_price_and_variant_specification_filters(client, shelf):
    base = shelf["root"].get_absolute_url()
    seller = client.get(f"{base}?seller={shelf['vendor'].pk}").content.decode()
    price = client.get(f"{base}?price=10000-50000").content.decode()
    size = client.get(f"{base}?spec=size%3A10").content.decode()
    assert sorted(card_titles(seller)) == ["杆载屏", "灯控网关"]
    assert sorted(card_titles(price)) == ["多功能杆", "杆载屏"]  # the parent's lowest variant: 20,000
    assert card_titles(size) == ["多功能杆"]  # a variant's specification finds its parent


def test_sorting_keeps_the_filters_and_filters_keep_the_sort(client, shelf):
    base = shelf["root"].get_absolute_url()
    html = client.get(f"{base}?brand={quote('中兴')}&sort=price").content.decode()
    assert card_titles(html) == ["杆载屏", "多功能杆"]
    assert f'href="{base}?brand={quote("中兴")}&amp;sort=-price"' in html
    seller = shelf["vendor"].pk
    assert (
        facet_link(html, "长沙某科技有限公司") == f"{base}?brand={quote('中兴')}&seller={seller}&sort=price"
    )
    newest = client.get(f"{base}?sort=new").content.decode()
    assert card_titles(newest)[0] == "边缘服务器"


def test_a_filter_url_in_another_order_redirects_to_the_one_canonical_url(client, shelf):
    base = shelf["root"].get_absolute_url()
    response = client.get(f"{base}?sort=price&spec=voltage:220V&brand={quote('华为')}&price=bogus")
    assert response.status_code == 301
    assert response["Location"] == f"{base}?brand={quote('华为')}&spec=voltage%3A220V&sort=price"
    assert client.get(response["Location"]).status_code == 200


def test_filtered_pages_are_cached_like_any_other(client, shelf):
    url = f"{shelf['root'].get_absolute_url()}?brand={quote('华为')}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response["X-Storefront-Cache"] == "hit"
    assert len(ctx.captured_queries) == 0


def test_the_category_tree_shows_the_roots_and_the_open_branch(client, shelf):
    html = client.get(shelf["lights"].get_absolute_url()).content.decode()
    tree = re.search(r'<nav class="xh-tree"[^>]*>(.*?)</nav>', html, flags=re.S).group(1)
    items = re.findall(r'<li class="xh-tree-d(\d)[^"]*">(?:<a href="[^"]+">|<span[^>]*>)([^<]+)<', tree)
    assert items == [("1", "智慧杆"), ("2", "灯控")]
    assert '<span class="is-current" aria-current="page">灯控</span>' in tree


def cold_queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# the page's own 7 (the category, its head, the listing with its cards' pictures and stock
# records; its total is the size of the facets' selection, not counted again), the tree (1),
# the facets (selection with list prices, attribute values, sellers: 3), and here the variants
# of 多功能杆 (1; their stock records come with the others'), which the 华为 selection leaves
# out, so it has no variants to read. The whole category first looks for its stored counts (1,
# none stored here: shop.storefront.facetcounts); a brand filter is always counted.
CATEGORY_COLD = 13
FILTERED_COLD = 11


def test_category_page_query_counts_are_exact_and_do_not_grow_with_the_category(client, shelf):
    root = shelf["root"]
    pclass = Product.objects.get(title="路灯控制器").product_class
    plain, filtered = root.get_absolute_url(), f"{root.get_absolute_url()}?brand={quote('华为')}&sort=price"
    counts = (cold_queries(client, plain), cold_queries(client, filtered))
    for n in range(40):
        ProductFactory(title=f"批量设备{n}", product_class=pclass, price=Decimal(100 + n), categories=[root])
    assert counts == (CATEGORY_COLD, FILTERED_COLD)
    assert (cold_queries(client, plain), cold_queries(client, filtered)) == (CATEGORY_COLD, FILTERED_COLD)


def test_the_listing_counts_itself_only_when_the_facets_come_from_the_cache(client, shelf):
    # given a category of 45 products (three pages)
    root = shelf["root"]
    pclass = Product.objects.get(title="路灯控制器").product_class
    for n in range(40):
        ProductFactory(title=f"批量设备{n}", product_class=pclass, price=Decimal(100 + n), categories=[root])
    cache.clear()
    # when page 1 is rendered, the facets with it
    with CaptureQueriesContext(connection) as first:
        html = client.get(root.get_absolute_url()).content.decode()
    # then the total is the facets' selection size: no COUNT query
    assert "共 45 件商品" in html
    assert not [q for q in first.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    # when page 2 is rendered, its facets (the same for every page) already stored
    with CaptureQueriesContext(connection) as second:
        html = client.get(root.get_absolute_url() + "?page=2").content.decode()
    # then the listing counts its products itself, and finds the same total
    assert "共 45 件商品" in html
    assert len([q for q in second.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]) == 1


def crumbs(html: str) -> list[str]:
    trail = re.search(r'<ol class="xh-breadcrumb">(.*?)</ol>', html, flags=re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", trail)]


def test_breadcrumbs_name_each_level_once(client):
    # given the catalogue, where a category and its one product share a name
    load_real_catalogue()
    parent = Product.objects.get(upc="XH-DISP")
    variant = Product.objects.get(upc="XH-DISP-75")
    # when its product and variant pages are opened / then each name appears once
    assert crumbs(client.get(parent.get_absolute_url()).content.decode()) == ["首页", "党政企会议/教育一体机"]
    assert crumbs(client.get(variant.get_absolute_url()).content.decode()) == [
        "首页",
        "党政企会议/教育一体机",
        "75 寸会议/教育一体机",
    ]
    huawei = Product.objects.get(upc="XH-XC-HUAWEI")
    assert crumbs(client.get(huawei.get_absolute_url()).content.decode()) == [
        "首页",
        "信创产品",
        "华为信创产品",
    ]


def test_a_specification_shows_its_twelve_most_common_values(client, shelf):
    # given thirteen more products, each with a voltage of its own
    pclass = Product.objects.get(title="路灯控制器").product_class
    voltage = pclass.attributes.get(code="voltage")
    for n in range(13):
        set_attribute(
            ProductFactory(title=f"型号{n}", product_class=pclass, categories=[shelf["root"]]),
            voltage,
            f"V{n}",
        )
    cache.clear()
    # when the category is opened
    html = client.get(shelf["root"].get_absolute_url()).content.decode()
    # then the most common value and the first eleven of the rest (in value order) are offered
    assert [(label, n) for label, n, _ in facet_groups(html)["电压"]] == [
        ("220V", 2),
        ("380V", 1),
        ("V0", 1),
        ("V1", 1),
        ("V10", 1),
        ("V11", 1),
        ("V12", 1),
        ("V2", 1),
        ("V3", 1),
        ("V4", 1),
        ("V5", 1),
        ("V6", 1),
    ]
