"""A new vendor lists only in the categories approved for it at 入驻: the product form and the
bulk import refuse any other category in Chinese and store nothing."""

import pytest
from oscar.core.loading import get_model

from shop.vendors import services
from shop.vendors.models import ProductImport
from shop.vendors.selectors import vendor_category_scope
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import child_category, make_application, product_class, root_category
from tests.unit.test_vendors_import import HEADER, csv_upload, run_import
from tests.unit.test_vendors_products import create_url, form_errors, product_form_data

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

REFUSAL = (
    "入驻时为您核准的供货类目是：智慧城市；不能在“信创产品”分类上架商品。如需增加类目，请联系商城运营人员。"
)


@pytest.fixture
def vendor():
    """A vendor whose application was approved for 智慧城市 only."""
    application = make_application()
    assert [c.name for c in application.categories.all()] == ["智慧城市"]
    root_category("信创产品")
    application = services.vendor_application_approve(application=application, actor=OperatorFactory())
    return application.user, application.partner


def post_product(client, *, title: str, category) -> object:
    pc = product_class()
    page = client.get(create_url(pc))
    data = product_form_data(
        page,
        {"title": title, "unit": "套", "tax_rate": "0.13", "oem_min_quantity": "1", "lead_time_days": "10"},
        stock={"partner_sku": f"SKU-{title}", "price": "880.00", "num_in_stock": 3},
        category=category.pk,
    )
    return client.post(create_url(pc), data)


def test_the_scope_is_the_approved_categories_and_everything_under_them(vendor):
    _user, partner = vendor
    scope = vendor_category_scope(partner_ids=[partner.pk])
    city = root_category("智慧城市")
    assert scope.allows(city) is True
    assert scope.allows(child_category(city, "智慧照明")) is True
    assert scope.allows(root_category("信创产品")) is False
    # a partner no application limits (the mall's own, an operator's) has no scope
    _other, own = make_vendor_user()
    assert vendor_category_scope(partner_ids=[own.pk]) is None


def test_the_product_form_refuses_another_category_in_chinese_and_stores_nothing(client, vendor):
    user, _partner = vendor
    client.force_login(user)
    # when the vendor saves a product in 信创产品, a category it was not approved for
    response = post_product(client, title="国产服务器", category=root_category("信创产品"))
    # then the form comes back with the reason and nothing is stored
    assert response.status_code == 200
    assert response.context["category_formset"].forms[0].errors["category"] == [REFUSAL]
    assert REFUSAL in response.content.decode()
    assert not Product.objects.filter(title="国产服务器").exists()
    assert not StockRecord.objects.filter(partner_sku="SKU-国产服务器").exists()


def test_the_product_form_accepts_a_subcategory_of_an_approved_one(client, vendor):
    user, _partner = vendor
    client.force_login(user)
    light = child_category(root_category("智慧城市"), "智慧照明")
    response = post_product(client, title="路灯控制器", category=light)
    assert response.status_code == 302, form_errors(response)
    assert [c.name for c in Product.objects.get(title="路灯控制器").categories.all()] == ["智慧照明"]


def test_an_operator_lists_in_any_category(client):
    _user, partner = make_vendor_user()
    client.force_login(OperatorFactory())
    pc = product_class()
    page = client.get(create_url(pc))
    data = product_form_data(
        page,
        {
            "title": "自营服务器",
            "unit": "台",
            "tax_rate": "0.13",
            "oem_min_quantity": "1",
            "lead_time_days": "5",
        },
        stock={"partner": partner.pk, "partner_sku": "OP-1", "price": "100.00", "num_in_stock": 1},
        category=root_category("信创产品").pk,
    )
    response = client.post(create_url(pc), data)
    assert response.status_code == 302, form_errors(response)


def test_the_import_refuses_a_row_in_another_category_and_keeps_the_good_row(vendor):
    user, _partner = vendor
    root_category("信创产品")
    rows = [
        ["路灯控制器", "智慧城市设备", "智慧城市", "LC-1", "100", "5", "13%", "是", "1", ""],
        ["国产服务器", "智慧城市设备", "信创产品", "XC-1", "200", "5", "13%", "是", "1", ""],
    ]
    product_class("智慧城市设备")
    product_import = run_import(user, csv_upload(rows, header=HEADER))
    assert product_import.status == "done"
    report = {
        r.row_number: (r.ok, r.errors) for r in ProductImport.objects.get(pk=product_import.pk).rows.all()
    }
    assert report == {2: (True, []), 3: (False, [REFUSAL])}
    assert list(
        Product.objects.filter(title__in=["路灯控制器", "国产服务器"]).values_list("title", flat=True)
    ) == ["路灯控制器"]
    assert Product.objects.get(title="路灯控制器").lead_time_days is None  # not stated: not shown
