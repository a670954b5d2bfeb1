"""A buyer walks the store in Chromium: home → category → product → search."""

import pytest

from shop.storefront.search import warm_up
from tests.factories.storefront import load_real_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_walks_home_category_product_and_search(page):
    load_real_catalogue()
    warm_up()  # the live server runs in this process: load jieba before the clock starts

    page.goto("/")
    assert page.locator("h1#xh-hero-title").inner_text() == "智慧城市一站式采购"
    assert page.locator(".xh-cat-card").count() == 12

    page.locator(".xh-cat-card h3 a", has_text="党政企会议/教育一体机").click()
    page.wait_for_url("**/catalogue/category/**")
    assert page.locator(".xh-category-header h1").inner_text() == "党政企会议/教育一体机"
    assert page.locator(".xh-listing-count").inner_text() == "共 1 件商品"

    page.locator(".xh-card-title a", has_text="党政企会议/教育一体机").click()
    page.wait_for_selector("#xh-product-price")
    assert page.locator("h1.xh-product-title").inner_text() == "党政企会议/教育一体机"
    assert page.locator("#xh-product-price").inner_text() == "¥11,800 起"
    page.locator(".xh-variant", has_text="98 寸会议/教育一体机").click()
    assert page.locator("#xh-product-price .xh-price").inner_text() == "¥29,800"
    assert page.locator(".xh-variant.is-selected").inner_text().startswith("98 寸会议/教育一体机")

    page.fill("input[name=q]", "麒麟")
    page.locator(".xh-search button[type=submit]").click()
    page.wait_for_url("**/search/**")
    assert page.locator(".xh-page-header h1").inner_text() == "搜索“麒麟”"
    assert page.locator(".xh-card-title").first.inner_text() == "麒麟信创产品"
    assert page.js_errors == []
