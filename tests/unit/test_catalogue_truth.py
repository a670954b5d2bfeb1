"""The catalogue tells buyers only what its source says.

Given the demo catalogue loaded from ``catalog_fixtures/`` (the source text is
``catalog_fixtures/source.txt``), when a buyer opens every product page and every variant
page, then each fact shown — specifications, description, unit, price, 起, 支持 OEM, supply
status, seller — is found in the source; nothing made up (lead times, OEM minimums, stock
levels, product lines, scenario texts, units) is shown."""

import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from oscar.core.loading import get_model

from shop.apps.catalogue.loading import catalogue_read
from tests.factories.storefront import load_real_catalogue

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

pytestmark = pytest.mark.django_db

SOURCE = (Path(settings.BASE_DIR) / "catalog_fixtures" / "source.txt").read_text(encoding="utf-8")
SOURCE_BODY = "\n".join(line for line in SOURCE.splitlines() if not line.startswith("#"))

# Words of our own that state no fact about a product (instructions and connectives).
OWN_WORDS = {
    "型号与价格请询价",
    "方案与价格请询价",
    "三种尺寸",
    "信创产品",
    "品牌",
    "支持OEM",
    "天",
    "月",
    "年",
}
# What the storefront showed before it was made true; none of it is in the source.
INVENTED = [
    "人·月",
    "按人·月",
    " 片",
    "鲲鹏",
    "台式机",
    "AIOps",
    "国产 GPU",
    "国产 CPU",
    "操作系统",
    "网络安全产品",
    "城市治理",
    "部署方式",
    "起订",
    "最小起订量",  # the OEM hint said "OEM 最小起订量 1 台" of every product
    "基础交期",
    "交货周期",
    "可售",
    "有货",
    "独家",
    "首创",
]
# Goods (and white-label software platforms) may be OEM; services may not.
OEM_CLASSES = {"smart-display", "led-display", "ai-detection", "xinchuang", "software-platform"}
SOURCE_UNITS = {"天", "月", "半年", "年"}  # "500 元起/天 5000 元起/月 30000 元起/半年 50000 元起/年"


def norm(text: str) -> str:
    return re.sub(r"[\s，,。；;：:、（）()]", "", text).casefold()


NORM_SOURCE = norm(SOURCE_BODY)


def source_amounts() -> set[Decimal]:
    """Every amount of money the source names, in yuan (元 and 万)."""
    amounts = {Decimal(n) for n in re.findall(r"(\d+)\s*元", SOURCE_BODY)}
    amounts |= {Decimal(n) * 10000 for n in re.findall(r"(\d+)\s*万", SOURCE_BODY)}
    return amounts


def clauses(text: str) -> list[str]:
    return [c for c in (norm(part) for part in re.split(r"[，,。；;：:、（）()\n]", text)) if c]


def said_by_source(text: str) -> bool:
    return all(c in NORM_SOURCE or c in {norm(w) for w in OWN_WORDS} for c in clauses(text))


def strip_tags(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, flags=re.S)
    return match.group(1) if match else ""


def facts(html: str) -> dict[str, str]:
    dl = section(html, r'<dl class="xh-facts">(.*?)</dl>')
    return {
        strip_tags(dt): strip_tags(dd)
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", dl, flags=re.S)
    }


def specs(html: str) -> list[tuple[str, str]]:
    table = section(html, r'<table class="xh-specs">(.*?)</table>')
    return [
        (strip_tags(th), strip_tags(td))
        for th, td in re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table, flags=re.S)
    ]


def description(html: str) -> list[str]:
    body = section(html, r'<section class="xh-product-section xh-description"[^>]*>(.*?)</section>')
    return [strip_tags(p) for p in re.findall(r"<p>(.*?)</p>", body, flags=re.S)]


def shown_price(html: str) -> tuple[Decimal | None, bool]:
    box = section(html, r'<div id="xh-product-price" class="xh-price-big">(.*?)</div>')
    amount = re.search(r"¥([\d,]+(?:\.\d+)?)", box)
    return (Decimal(amount.group(1).replace(",", "")) if amount else None), "xh-from" in box


@pytest.fixture
def catalogue():
    load_real_catalogue()


def test_the_source_file_is_the_seed_section_without_contact_details():
    assert SOURCE_BODY.splitlines()[0].strip() == "湘慧商城热销产品（支持 OEM）"
    assert "75 寸 4K 高清，I5/8G/256G，支持电脑/手机混投及反向操控，通过 EMC 11800 元起" in SOURCE_BODY
    assert not re.search(r"1\d{10}", SOURCE)


def test_every_fixture_text_is_said_by_the_source():
    # given the fixtures as the loader reads them
    catalogue = catalogue_read()
    # then every title, description and attribute text is found in the source, clause by clause
    for category in catalogue.categories.values():
        assert said_by_source(category.description), category.code
    for product in catalogue.products.values():
        assert not any(word in product.title for word in INVENTED), product.code
        assert said_by_source(product.description), product.code
        for code, value in product.attributes.items():
            assert said_by_source(str(value)), (product.code, code, value)
        assert product.fields["unit"] in SOURCE_UNITS | {""}, product.code
        assert product.fields["lead_time_days"] is None, product.code
        assert product.fields["oem_min_quantity"] == 1, product.code
        assert product.num_in_stock is None, product.code
        if product.price is not None:
            assert product.price in source_amounts(), product.code
        if product.structure == "child":
            assert product.fields["price_is_from"] is False, product.code
        assert product.fields["supports_oem"] == (product.class_code in OEM_CLASSES), product.code


def test_every_demo_product_page_shows_only_facts_from_the_source(client, catalogue):
    pages = list(Product.objects.filter(is_public=True).select_related("parent").order_by("pk"))
    assert len(pages) == 49  # 36 listed products and 13 variants
    amounts = source_amounts()
    for product in pages:
        # when a buyer opens the page
        response = client.get(product.get_absolute_url())
        assert response.status_code == 200, product.upc
        html = response.content.decode()
        base = product.parent or product
        shown = facts(html)
        # then the facts list names only what the source says
        assert set(shown) <= {"商品编号", "计量单位", "税率", "OEM 定制", "供货状态", "供应商"}, product.upc
        assert shown.get("计量单位", "天") in SOURCE_UNITS, product.upc
        assert shown["供应商"] == "湘慧商城自营", product.upc
        assert shown.get("供货状态") in {"可订购", "仅询价"}, product.upc
        if base.product_class.slug in OEM_CLASSES:
            assert shown["OEM 定制"] == "支持", product.upc
            assert "支持 OEM" in section(html, r'<div class="xh-product-badges">(.*?)</div>'), product.upc
        else:
            assert "OEM 定制" not in shown and "OEM" not in section(
                html, r'<article class="xh-product">(.*?)</article>'
            )
        # each specification value and each description clause is in the source
        for name, value in specs(html):
            if value.isdigit():
                assert value in SOURCE_BODY, (product.upc, name, value)
            else:
                assert said_by_source(value), (product.upc, name, value)
        for para in description(html):
            assert said_by_source(para), (product.upc, para)
        # the price is one the source names; 起 only on a real starting price
        amount, is_from = shown_price(html)
        if base.quote_only:
            assert amount is None, product.upc
        else:
            assert amount in amounts, product.upc
            if product.is_child:
                assert not is_from, product.upc
            elif product.is_parent:
                assert is_from, product.upc  # the lowest of several variant prices
            else:
                assert is_from is product.price_is_from is True, product.upc
        # (the OEM app's order button and its hint included: "OEM 最小起订量 1 台" was made up)
        page_text = strip_tags(html)
        for word in INVENTED:
            assert word not in page_text, (product.upc, word)


def test_a_concrete_variant_shows_its_price_without_qi_and_goes_into_the_basket(client, catalogue):
    # given the 86 寸 display, one concrete variant with its own price
    variant = Product.objects.get(upc="XH-DISP-86")
    # when its page is opened and it is put in the basket
    html = client.get(variant.get_absolute_url()).content.decode()
    response = client.post(f"/basket/add/{variant.parent_id}/", {"child_id": variant.pk, "quantity": 2})
    # then it shows ¥15,800 without 起 and the basket holds two of it
    assert shown_price(html) == (Decimal("15800"), False)
    assert response.status_code == 302
    basket = client.get("/basket/")
    assert basket.context["basket"].num_items == 2
    assert [line.product.upc for line in basket.context["basket"].all_lines()] == ["XH-DISP-86"]


def test_a_starting_price_still_stays_out_of_the_basket(client, catalogue):
    # given the 情绪健康及测谎系统, 30 万起 in the source
    product = Product.objects.get(upc="XH-AI-EMOTION")
    # when a buyer tries to put it in the basket
    response = client.post(f"/basket/add/{product.pk}/", {"quantity": 1}, follow=True)
    # then it is refused with the reason and the basket stays empty
    assert shown_price(client.get(product.get_absolute_url()).content.decode()) == (Decimal("300000"), True)
    assert "的价格为起价" in response.content.decode()
    assert response.context["basket"].num_items == 0


def test_a_vendor_statement_is_shown_as_such(client, catalogue):
    # given a vendor who states a lead time and an OEM minimum on its product
    product = Product.objects.get(upc="XH-LED")
    Product.objects.filter(pk=product.pk).update(lead_time_days=30, oem_min_quantity=5, unit="套")
    from shop.storefront.cache import catalogue_changed

    catalogue_changed()
    # when a buyer opens the page
    shown = facts(client.get(product.get_absolute_url()).content.decode())
    # then both are labelled as the vendor's own statement
    assert shown["交货周期"] == "30 天 供应商声明"
    assert shown["OEM 定制"] == "支持，5 套起订 供应商声明"


def test_an_operator_saves_a_catalogue_product_without_inventing_a_lead_time(client, catalogue):
    from django.urls import reverse

    from tests.factories.accounts import OperatorFactory
    from tests.unit.test_vendors_products import form_errors, product_form_data

    # given 交通大脑, whose source states no lead time
    product = Product.objects.get(upc="XH-TRAFFIC-BRAIN")
    client.force_login(OperatorFactory())
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    # when an operator saves its dashboard form as shown
    response = client.post(url, product_form_data(client.get(url)))
    # then it saves and the lead time stays unstated
    assert response.status_code == 302, form_errors(response)
    product.refresh_from_db()
    assert product.lead_time_days is None


def test_the_oem_order_form_of_a_catalogue_product_invents_no_minimum(client, catalogue):
    from tests.factories.accounts import UserFactory

    # given the 86 寸 display, OEM-capable, for which the source states no OEM minimum nor lead time
    product = Product.objects.get(upc="XH-DISP")
    client.force_login(UserFactory(username="oem_truth_buyer"))
    # when a buyer opens its product page and its OEM order form
    page = strip_tags(client.get(product.get_absolute_url()).content.decode())
    form = client.get(f"/oem/new/{product.pk}/")
    # then neither states a minimum or a lead time: quantity and lead time come with the vendor's offer
    assert form.status_code == 200
    hint = strip_tags(
        section(form.content.decode(), r'<div class="alert alert-info" id="oem-moq">(.*?)</div>')
    )
    assert "数量与交期以供应商报价为准" in page
    for text in (page, hint):
        for word in ("起订", "最小起订量", "基础交期", " 1 台"):
            assert word not in text, word
    assert hint.startswith("本产品支持 OEM 定制，交期由供应商报价时确认"), hint
