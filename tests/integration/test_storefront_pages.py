"""The storefront on the real 湘慧商城 catalogue: Chinese pages, 起价, variants, search."""

import re

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories.accounts import OperatorFactory
from tests.factories.catalogue import ProductFactory
from tests.factories.storefront import add_bulk_products, load_real_catalogue

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

pytestmark = pytest.mark.django_db

TWELVE_CATEGORIES = [
    "党政企会议/教育一体机",
    "小间距会议一体机",
    "情绪健康及测谎系统",
    "信创产品",
    "百度智能云",
    "交通大脑",
    "远程医疗",
    "党政企即时通讯平台",
    "人才开发外包",
    "政企咨询服务包",
    "自由职业服务包",
    "规划融资服务包",
]


@pytest.fixture
def catalogue():
    load_real_catalogue()


def text_of(response) -> str:
    """Visible text of a page: tags dropped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def product_url(upc: str) -> str:
    return Product.objects.get(upc=upc).get_absolute_url()


def card_titles(response) -> list[str]:
    return re.findall(r'<h3 class="xh-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def search_titles(client, query: str) -> list[str]:
    response = client.get(reverse("search:search"), {"q": query})
    assert response.status_code == 200
    return card_titles(response)


def test_home_page_is_chinese_and_shows_the_twelve_categories_with_from_prices(client, catalogue):
    response = client.get("/")

    assert response.status_code == 200
    text = text_of(response)
    for label in (
        "首页",
        "全部商品",
        "供应商入驻",
        "登录/注册",
        "搜索",
        "智慧城市一站式采购",
        "热销产品分类",
    ):
        assert label in text
    shown = re.findall(
        r'<article class="xh-cat-card">\s*<h3><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )
    assert shown == TWELVE_CATEGORIES
    assert "党政企会议/教育一体机 1 件商品 · ¥11,800 – ¥29,800" in text
    assert "政企咨询服务包 1 件商品 · ¥500 – ¥50,000" in text
    assert "交通大脑 1 件商品 · ¥1,000,000 起" in text
    assert "信创产品 15 件商品" in text
    assert "规划融资服务包 面议 仅询价" in text


def test_footer_shows_the_hotline_from_settings_and_hides_empty_details(client, catalogue, settings):
    settings.MALL_HOTLINE = ""
    assert "服务热线" not in text_of(client.get("/catalogue/"))

    settings.MALL_HOTLINE = "0731-0000-0000"
    settings.MALL_COMPANY_ADDRESS = "湖南省长沙市"
    text = text_of(client.get(reverse("catalogue:index"), {"sort": "new"}))
    assert "服务热线： 0731-0000-0000" in text  # the number is set in bold
    assert "地址：湖南省长沙市" in text


def test_catalogue_lists_twenty_products_a_page_with_their_prices(client, catalogue):
    add_bulk_products(10)  # 36 real + 10 = 46 products, 3 pages

    first = client.get("/catalogue/")
    third = client.get("/catalogue/", {"page": 3})
    beyond = client.get("/catalogue/", {"page": 9})
    junk = client.get("/catalogue/", {"page": "abc", "sort": "nonsense"})

    assert "共 46 件商品" in text_of(first)
    assert first.content.decode().count('class="xh-card"') == 20
    assert "党政企会议/教育一体机 ¥11,800 起 支持 OEM 3 种规格" in text_of(first)
    assert "第 1 / 3 页" in text_of(first)
    assert third.content.decode().count('class="xh-card"') == 6
    assert "这一页没有商品了。" in text_of(beyond)
    assert junk.status_code == 200
    assert junk.content.decode().count('class="xh-card"') == 20


def test_catalogue_sorts_by_price_lowest_first_quote_only_last(client, catalogue):
    response = client.get("/catalogue/", {"sort": "price"})

    titles = card_titles(response)
    assert titles[:3] == ["政企咨询服务包", "人才开发外包", "党政企会议/教育一体机"]
    assert "华为信创产品" in titles[8:]


def test_category_page_shows_only_its_products(client, catalogue):
    category = Category.objects.get(name="交通大脑")

    response = client.get(category.get_absolute_url())

    text = text_of(response)
    assert response.status_code == 200
    assert "共 1 件商品" in text
    assert "交通大脑 ¥1,000,000 起 支持 OEM" in text
    assert card_titles(response) == ["交通大脑"]


def test_category_with_a_wrong_slug_redirects_and_a_missing_one_is_404(client, catalogue):
    category = Category.objects.get(name="交通大脑")

    moved = client.get(f"/catalogue/category/old-slug_{category.pk}/")
    missing = client.get("/catalogue/category/nothing_999999/")

    assert moved.status_code == 301
    assert moved["Location"] == category.get_absolute_url()
    assert missing.status_code == 404


def test_product_page_shows_from_price_variants_specs_tax_unit_and_actions(client, catalogue):
    response = client.get(product_url("XH-DISP"))

    text = text_of(response)
    assert response.status_code == 200
    assert "参考价（含税） ¥11,800 起 标价为起价" in text
    assert "支持 OEM" in text
    assert "税率 13%（含税价）" in text
    assert "计量单位" not in text  # the catalogue's source names no unit for the displays
    assert "交货周期" not in text  # nor a lead time
    assert "OEM 定制 支持 供货状态 可订购 供应商 湘慧商城自营" in text  # nor an OEM minimum or stock
    assert "75 寸会议/教育一体机 屏幕尺寸（寸）：75 ¥11,800 XH-DISP-75" in text
    assert "86 寸会议/教育一体机 屏幕尺寸（寸）：86 ¥15,800 XH-DISP-86" in text
    assert "98 寸会议/教育一体机 屏幕尺寸（寸）：98 ¥29,800 XH-DISP-98" in text
    assert "分辨率 4K 高清" in text
    assert "认证 通过 EMC" in text
    html = response.content.decode()
    child = Product.objects.get(upc="XH-DISP-75")
    assert (
        f'name="child_id" value="{child.pk}" form="add_to_basket_form" data-price="¥11,800" checked' in html
    )
    assert "加入采购车" in text
    assert 'action="/quotes/' in html  # the quotes app's product actions are included


def test_variant_page_shows_its_own_price_and_links_its_siblings(client, catalogue):
    response = client.get(product_url("XH-DISP-98"))

    text = text_of(response)
    assert response.status_code == 200
    assert "参考价（含税） ¥29,800 商品编号 XH-DISP-98" in text  # a concrete variant: no 起
    assert "屏幕尺寸（寸） 98" in text
    assert 'class="xh-variant is-current"' in response.content.decode()


def test_quote_only_product_says_so_and_cannot_go_in_the_basket(client, catalogue):
    response = client.get(product_url("XH-FINANCE"))

    text = text_of(response)
    assert "价格 面议 仅询价" in text
    assert "该商品仅支持询价，价格面议，以供应商报价为准。" in text
    assert "税率 6%（含税价）" in text
    assert "加入采购车" not in text


def test_unapproved_or_hidden_products_are_404_for_buyers_but_visible_to_operators(client, catalogue):
    pending = Product.objects.get(upc="XH-TRAFFIC-BRAIN")
    pending.review_status = "pending"
    pending.save()
    hidden_child = Product.objects.get(upc="XH-DISP-86")
    hidden_child.is_public = False
    hidden_child.save()

    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.get(hidden_child.get_absolute_url()).status_code == 404
    assert "86 寸会议/教育一体机" not in text_of(client.get(product_url("XH-DISP")))
    client.force_login(OperatorFactory())
    assert client.get(pending.get_absolute_url()).status_code == 200
    assert client.get(hidden_child.get_absolute_url()).status_code == 200


def test_search_finds_chinese_queries_and_product_numbers(client, catalogue):
    assert search_titles(client, "会议一体机") == ["小间距会议一体机 P1.26", "党政企会议/教育一体机"]
    assert search_titles(client, "麒麟")[0] == "麒麟信创产品"
    assert search_titles(client, "交通大脑") == ["交通大脑"]
    assert search_titles(client, "咨询")[0] == "政企咨询服务包"
    assert search_titles(client, "xh-disp-86") == ["党政企会议/教育一体机"]
    assert search_titles(client, "XH-TRAFFIC-BRAIN") == ["交通大脑"]
    # the catalogue writes sizes apart (86 寸); a buyer types them together
    assert search_titles(client, "86寸") == ["党政企会议/教育一体机"]
    assert search_titles(client, "会议一体机 86寸") == ["党政企会议/教育一体机"]


def test_search_ranks_title_matches_before_description_matches(client, catalogue):
    traffic = Product.objects.get(upc="XH-TRAFFIC-BRAIN")
    traffic.description = "<p>与远程医疗平台互联。</p>"
    traffic.save()

    titles = search_titles(client, "远程医疗")

    assert titles == ["远程医疗平台", "交通大脑"]


def test_short_chinese_words_need_their_characters_together_and_rank_titles_first(client):
    ProductFactory(title="银河麒麟服务器", description="<p>国产操作系统。</p>")
    ProductFactory(title="信创终端", description="<p>预装麒麟操作系统。</p>")
    ProductFactory(title="麒 系列 麟 终端")  # both characters, never together
    ProductFactory(title="会议平板", description="<p>屏幕 86 寸。</p>")

    assert search_titles(client, "麒麟") == ["银河麒麟服务器", "信创终端"]
    assert search_titles(client, "屏") == ["会议平板"]
    assert search_titles(client, "麒麟 终端") == ["信创终端"]


def test_short_chinese_words_are_looked_up_in_the_character_index(catalogue):
    """The search must render the index expression of migration 0003 exactly, or the planner
    cannot use the index and every two-character search scans the table again. PostgreSQL
    prints both the same way when they are the same expression."""
    from django.db import connection

    from shop.storefront.search import search_queryset

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    sql, params = search_queryset("麒麟").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('xh_product_hanzi'::regclass)")
        indexdef = cursor.fetchone()[0]
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    expression = indexdef.split(" USING gin (", 1)[1].rsplit(") WHERE ", 1)[0]
    assert expression.startswith("string_to_array(regexp_replace(")
    assert f"{expression} @> '{{麒,麟}}'::text[]" in plan


def test_search_page_talks_chinese_for_empty_and_unmatched_queries(client, catalogue):
    empty = text_of(client.get(reverse("search:search")))
    nothing = text_of(client.get(reverse("search:search"), {"q": "不存在的东西"}))
    long = client.get(reverse("search:search"), {"q": "%_" * 300})

    assert "请输入商品名称、品牌、型号或商品编号" in empty
    assert "没有找到与“不存在的东西”相关的商品。" in nothing
    assert long.status_code == 200


def test_search_results_are_paginated_and_keep_the_query(client, catalogue):
    add_bulk_products(60)  # 5 per category, titles carry the category name

    traffic = client.get(reverse("search:search"), {"q": "交通大脑"})
    bulk = client.get(reverse("search:search"), {"q": "批量"})
    second = client.get(reverse("search:search"), {"q": "批量", "page": 2})

    assert "找到 6 件相关商品" in text_of(traffic)
    assert "找到 60 件相关商品" in text_of(bulk)
    assert "?q=%E6%89%B9%E9%87%8F&amp;page=2" in bulk.content.decode()
    assert second.content.decode().count('class="xh-card"') == 20
