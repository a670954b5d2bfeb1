"""The dashboard speaks Chinese where Oscar 4.2's own zh_Hans catalogue has gaps (bulk actions,
the SEO tab, the category form's position fields): shop/core/locale fills them."""

import re

import pytest
from django.urls import reverse

from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import make_vendor_product, product_class, root_category

pytestmark = pytest.mark.django_db


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_vendor_product_pages_have_no_english_from_oscars_gaps(client):
    vendor, partner = make_vendor_user()
    product = make_vendor_product(partner=partner, title="智能水表")
    client.force_login(vendor)
    listing = _visible_text(client.get(reverse("dashboard:catalogue-product-list")).content.decode())
    assert "选择操作" in listing and "批量修改价格" in listing
    for english in ("choose action", "Make products", "Update product prices"):
        assert english not in listing
    edit = _visible_text(
        client.get(reverse("dashboard:catalogue-product", args=[product.pk])).content.decode()
    )
    assert "搜索引擎优化（SEO）" in edit and "SEO 标题" in edit
    assert "Search engine optimisation" not in edit and "Meta title" not in edit


def test_operator_category_form_is_in_chinese(client):
    root_category("智慧城市")
    product_class()
    client.force_login(OperatorFactory())
    page = _visible_text(client.get(reverse("dashboard:catalogue-category-create")).content.decode())
    for chinese in ("分类详情", "不在菜单中显示", "位置", "相对于", "作为第一个子分类", "排在其前"):
        assert chinese in page
    for english in ("Category details", "Exclude from menu", "Relative to", "First child of", "Before"):
        assert english not in page
