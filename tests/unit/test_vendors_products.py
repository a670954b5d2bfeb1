"""A vendor lists its own products in Oscar's dashboard; an operator reviews them before they go
public; operators' own edits need no review."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from oscar.core.loading import get_model

from shop.vendors.models import ProductReviewEvent, VendorProduct
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import make_vendor_product, product_class, root_category

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

FORMSETS = ("stockrecord_formset", "category_formset", "image_formset", "recommended_formset")


def _form_values(form) -> dict:
    """What a browser would send for ``form`` as rendered (initial values, unchecked boxes omitted)."""
    data = {}
    for bf in form:
        widget = bf.field.widget
        if isinstance(widget, forms.FileInput):
            continue
        value = bf.value()
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bf.html_name] = "on"
            continue
        if value is None:
            continue
        data[bf.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        if bf.field.show_hidden_initial:  # rendered as a hidden "initial-..." input too
            data[bf.html_initial_name] = data[bf.html_name]
    return data


def product_form_data(response, fields=None, *, stock=None, category=None, action="save") -> dict:
    """POST data for Oscar's product form from its GET response, with changes applied."""
    ctx = response.context
    data = _form_values(ctx["form"])
    for name in FORMSETS:
        formset = ctx[name]
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    data.update(fields or {})
    if stock is not None:
        prefix = ctx["stockrecord_formset"].prefix
        data.update({f"{prefix}-0-{key}": str(value) for key, value in stock.items()})
    if category is not None:
        data[f"{ctx['category_formset'].prefix}-0-category"] = str(category)
    data["action"] = action
    return data


def form_errors(response) -> dict:
    """The product form's and formsets' errors of a re-rendered page (for assertion messages)."""
    ctx = response.context or {}
    errors = {"form": dict(ctx["form"].errors)} if "form" in ctx else {}
    for name in FORMSETS:
        if name in ctx:
            errors[name] = [
                ctx[name].non_form_errors(),
                *[(f.errors, f.changed_data) for f in ctx[name].forms],
            ]
    return errors


def create_url(pc) -> str:
    return reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": pc.slug})


def vendor_creates_product(client, *, title="智慧灯杆控制器", price="12800.00", extra=None) -> Product:
    pc = product_class()
    page = client.get(create_url(pc))
    assert page.status_code == 200
    fields = {
        "title": title,
        "unit": "套",
        "tax_rate": "0.13",
        "supports_oem": "on",
        "oem_min_quantity": "50",
        "lead_time_days": "20",
        "oem_customisations": ["casing_logo", "packaging"],
        **(extra or {}),
    }
    data = product_form_data(
        page,
        fields,
        stock={"partner_sku": f"SKU-{title}", "price": price, "num_in_stock": 8},
        category=root_category().pk,
    )
    response = client.post(create_url(pc), data)
    assert response.status_code == 302, form_errors(response)
    return Product.objects.get(title=title)


def test_vendor_creates_a_product_that_waits_for_review_then_goes_public_when_approved(client):
    vendor, partner = make_vendor_user()
    client.force_login(vendor)
    # when the vendor creates a product in the dashboard
    product = vendor_creates_product(client)
    # then it belongs to the vendor, carries its stock record and the mall's fields, and waits
    assert VendorProduct.objects.get(product=product).partner == partner
    record = StockRecord.objects.get(product=product)
    assert (record.partner, record.partner_sku, record.price, record.num_in_stock) == (
        partner,
        "SKU-智慧灯杆控制器",
        Decimal("12800.00"),
        8,
    )
    assert (product.unit, product.tax_rate, product.supports_oem) == ("套", Decimal("0.13"), True)
    assert (product.oem_min_quantity, product.lead_time_days) == (50, 20)
    assert product.oem_customisations == ["casing_logo", "packaging"]
    assert (product.review_status, product.is_public) == ("pending", False)
    assert list(ProductReviewEvent.objects.filter(product=product).values_list("kind", "to_status")) == [
        ("submitted", "pending")
    ]
    # it is not on the storefront, and the vendor sees 待审核 in its list
    client.logout()
    assert client.get(product.get_absolute_url()).status_code == 404
    client.force_login(vendor)
    listing = client.get(reverse("dashboard:catalogue-product-list")).content.decode()
    assert "智慧灯杆控制器" in listing
    assert "待审核" in listing
    # when an operator approves it from the review queue
    operator = OperatorFactory()
    client.force_login(operator)
    queue = client.get(reverse("dashboard:vendors-product-review-list"))
    assert list(queue.context["products"]) == [product]
    response = client.post(reverse("dashboard:vendors-product-approve", args=[product.pk]))
    assert response.status_code == 302
    # then it is public on the storefront
    product.refresh_from_db()
    assert (product.review_status, product.is_public) == ("approved", True)
    client.logout()
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert "智慧灯杆控制器" in page.content.decode()


def test_rejected_product_shows_the_reason_and_a_resubmission_goes_back_to_review(client):
    vendor, _partner = make_vendor_user()
    product = make_vendor_product(
        partner=_partner, title="路灯网关", review_status="pending", is_public=False
    )
    operator = OperatorFactory()
    client.force_login(operator)
    form_page = client.get(reverse("dashboard:vendors-product-reject", args=[product.pk]))
    assert form_page.status_code == 200 and "路灯网关" in form_page.content.decode()
    response = client.post(
        reverse("dashboard:vendors-product-reject", args=[product.pk]), {"reason": "缺少产品图片"}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.review_status, product.review_note, product.is_public) == (
        "rejected",
        "缺少产品图片",
        False,
    )
    # the vendor sees the status and the reason in its list and on the edit page
    client.force_login(vendor)
    listing = client.get(reverse("dashboard:catalogue-product-list")).content.decode()
    assert "已驳回" in listing and "缺少产品图片" in listing
    edit_url = reverse("dashboard:catalogue-product", args=[product.pk])
    edit = client.get(edit_url)
    assert "驳回原因：缺少产品图片" in edit.content.decode()
    # when the vendor saves again, the product is back in review and the reason is cleared
    response = client.post(edit_url, product_form_data(edit, {"description": "附产品图片"}))
    assert response.status_code == 302, form_errors(response)
    product.refresh_from_db()
    assert (product.review_status, product.review_note, product.is_public) == ("pending", "", False)
    assert list(product.review_events.values_list("kind", flat=True)) == ["rejected", "submitted"]


def test_rejecting_needs_a_reason(client):
    _vendor, partner = make_vendor_user()
    product = make_vendor_product(partner=partner, review_status="pending", is_public=False)
    client.force_login(OperatorFactory())
    response = client.post(reverse("dashboard:vendors-product-reject", args=[product.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请填写驳回原因。"]
    product.refresh_from_db()
    assert product.review_status == "pending"


def test_vendor_change_to_an_approved_product_takes_it_off_the_storefront_until_approved(client):
    vendor, partner = make_vendor_user()
    product = make_vendor_product(partner=partner, title="智能井盖", price=Decimal("300.00"))
    client.force_login(vendor)
    edit_url = reverse("dashboard:catalogue-product", args=[product.pk])
    page = client.get(edit_url)
    prefix = page.context["stockrecord_formset"].prefix
    response = client.post(edit_url, product_form_data(page, {f"{prefix}-0-price": "280.00"}))
    assert response.status_code == 302, form_errors(response)
    product.refresh_from_db()
    assert (product.review_status, product.is_public) == ("pending", False)
    assert product.stockrecords.get().price == Decimal("280.00")


def test_product_form_and_saved_message_read_right_for_a_vendor(client):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    # the form: OEM options as a plain list of checkboxes, the promotions box named for what it is
    page = client.get(create_url(product_class())).content.decode()
    assert '<div class="xh-checkbox-list"><div id="id_oem_customisations">' in page
    assert 'class="form-control" id="id_oem_customisations_0"' not in page
    assert "参与商城优惠活动" in page and "此标记指示此产品是否可用于报价" not in page
    # after saving, a product waiting for review is said to wait, with no link to a page not yet public
    product = vendor_creates_product(client)
    listing = client.get(reverse("dashboard:catalogue-product-list")).content.decode()
    assert f"已创建商品“{product.title}”。" in listing
    assert "商品已提交平台审核，审核通过后在商城上架。" in listing
    assert "在网站上查看" not in listing


def test_operator_edits_need_no_review(client):
    _vendor, partner = make_vendor_user()
    product = make_vendor_product(partner=partner, title="智能水表")
    client.force_login(OperatorFactory())
    edit_url = reverse("dashboard:catalogue-product", args=[product.pk])
    page = client.get(edit_url)
    response = client.post(edit_url, product_form_data(page, {"title": "智能水表（NB-IoT）"}))
    assert response.status_code == 302, form_errors(response)
    product.refresh_from_db()
    assert (product.title, product.review_status, product.is_public) == (
        "智能水表（NB-IoT）",
        "approved",
        True,
    )
    assert product.review_events.count() == 0
    # and the saved message links to the public page
    listing = client.get(reverse("dashboard:catalogue-product-list")).content.decode()
    assert f'<a href="{product.get_absolute_url()}" class="btn btn-success">在网站上查看</a>' in listing


def test_vendor_cannot_make_its_product_public_itself(client):
    vendor, partner = make_vendor_user()
    client.force_login(vendor)
    product = vendor_creates_product(client, title="边缘计算网关", extra={"is_public": "on"})
    assert (product.review_status, product.is_public) == ("pending", False)
    # nor through the bulk action
    response = client.post(
        reverse("dashboard:catalogue-product-list"),
        {"action": "make_products_public", "selected_product": [product.pk]},
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.is_public is False
    page = client.get(reverse("dashboard:catalogue-product-list"))
    assert set(page.context["actions"]) == {"make_products_non_public", "set_product_price"}


def test_vendor_lists_a_product_with_variants(client):
    vendor, partner = make_vendor_user()
    client.force_login(vendor)
    pc = product_class()
    # a product saved without a stock record, asking to add a variant, becomes the parent
    page = client.get(create_url(pc))
    data = product_form_data(page, {"title": "AI 摄像机"}, category=root_category().pk, action="create-child")
    response = client.post(create_url(pc), data)
    parent = Product.objects.get(title="AI 摄像机")
    child_url = reverse("dashboard:catalogue-product-create-child", args=[parent.pk])
    assert response.status_code == 302
    assert response["Location"] == child_url
    # the variant carries the vendor's price and stock
    page = client.get(child_url)
    assert page.status_code == 200
    data = product_form_data(
        page, {"title": "400 万像素"}, stock={"partner_sku": "CAM-4MP", "price": "899.00", "num_in_stock": 20}
    )
    response = client.post(child_url, data)
    assert response.status_code == 302, form_errors(response)
    parent.refresh_from_db()
    child = parent.children.get()
    assert parent.structure == "parent"
    assert child.stockrecords.get().partner == partner
    assert (parent.review_status, parent.is_public) == ("pending", False)
    # approval publishes the parent page with its variant
    client.force_login(OperatorFactory())
    client.post(reverse("dashboard:vendors-product-approve", args=[parent.pk]))
    client.logout()
    assert client.get(parent.get_absolute_url()).status_code == 200


def test_review_queue_and_actions_are_for_operators_only(client):
    vendor, partner = make_vendor_user()
    product = make_vendor_product(partner=partner, review_status="pending", is_public=False)
    client.force_login(vendor)
    assert client.get(reverse("dashboard:vendors-product-review-list")).status_code == 403
    assert client.post(reverse("dashboard:vendors-product-approve", args=[product.pk])).status_code == 403
    assert (
        client.post(
            reverse("dashboard:vendors-product-reject", args=[product.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    product.refresh_from_db()
    assert (product.review_status, product.is_public) == ("pending", False)
