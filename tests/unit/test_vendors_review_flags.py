"""商品审核 flags the absolute terms 《广告法》 forbids in a vendor's title and description; the
mall's own texts use none of them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from shop.vendors import adlaw
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import make_vendor_product

pytestmark = pytest.mark.django_db


def test_terms_are_found_once_each_in_order_of_appearance():
    # given a title full of absolute claims
    text = "全国第一的独家首创智慧灯杆，最好用，国家级品质，第一名"
    # when it is checked / then each term is named once, longest first where they overlap
    assert adlaw.absolute_terms(text) == ["第一", "独家", "首创", "最", "国家级"]
    assert adlaw.absolute_terms("智慧灯杆控制器，支持远程开关") == []


def test_highlight_escapes_the_text_and_marks_each_term():
    # given vendor text with markup in it / when highlighted
    marked = adlaw.highlight("<b>唯一</b> & 顶级")
    # then the markup is shown as text and the terms are marked
    assert marked == (
        '&lt;b&gt;<mark class="adlaw-term">唯一</mark>&lt;/b&gt; &amp; <mark class="adlaw-term">顶级</mark>'
    )


def test_product_flags_read_the_description_as_plain_text():
    flags = adlaw.product_flags(title="智慧灯杆", description="<p>极致体验</p><p>行业&nbsp;唯一</p>")
    assert [(f.field, f.terms) for f in flags] == [("商品描述", ("极致", "唯一"))]
    assert str(flags[0].highlighted) == (
        '<mark class="adlaw-term">极致</mark>体验\n行业\xa0<mark class="adlaw-term">唯一</mark>'
    )


def test_the_review_page_shows_the_flags_to_the_operator(client):
    # given a vendor product waiting for review with absolute terms, and a clean one
    _vendor, partner = make_vendor_user()
    flagged = make_vendor_product(partner=partner, title="独家首创智慧灯杆", review_status="pending")
    flagged.description = "<p>全市最先进，国家级认证。</p>"
    flagged.save()
    clean = make_vendor_product(partner=partner, title="智慧井盖传感器", review_status="pending")
    # when the operator opens 商品审核
    client.force_login(OperatorFactory())
    html = client.get(reverse("dashboard:vendors-product-review-list")).content.decode()
    # then the flagged product shows its terms highlighted, the clean one shows none
    block = re.search(
        rf'<div class="adlaw-flags" id="adlaw-flags-{flagged.pk}">(.*?)</div>\s*</td>', html, re.S
    )
    assert block is not None
    text = re.sub(r"\s+", " ", block.group(1))
    assert (
        '<strong>商品名称</strong>（独家、首创）：<span class="adlaw-text"><mark class="adlaw-term">独家</mark>'
        in text
    )
    assert (
        '<strong>商品描述</strong>（最、国家级）：<span class="adlaw-text">全市<mark class="adlaw-term">最</mark>先进，'
        '<mark class="adlaw-term">国家级</mark>认证。</span>'
    ) in text
    assert f'id="adlaw-flags-{clean.pk}"' not in html


OWN_TEXTS = [
    *sorted((Path(settings.BASE_DIR) / "catalog_fixtures").glob("*.yaml")),
    *sorted((Path(settings.BASE_DIR) / "templates" / "oscar" / "catalogue").rglob("*.html")),
    Path(settings.BASE_DIR) / "templates" / "oscar" / "home.html",
    Path(settings.BASE_DIR) / "templates" / "oscar" / "partials" / "home_categories.html",
    Path(settings.BASE_DIR) / "templates" / "oscar" / "partials" / "category_menu.html",
]


@pytest.mark.parametrize("path", OWN_TEXTS, ids=lambda p: p.name)
def test_the_malls_own_catalogue_texts_use_no_absolute_term(path):
    # given one of our catalogue files or storefront templates (comments aside)
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    ]
    text = re.sub(r"\{#.*?#\}", "", "\n".join(lines))
    # then it makes no absolute claim
    assert adlaw.absolute_terms(text) == []


def test_the_storefront_sort_menu_uses_no_absolute_term():
    from shop.storefront.selectors import SORTS

    assert [adlaw.absolute_terms(label) for label, _ in SORTS.values()] == [[]] * len(SORTS)
