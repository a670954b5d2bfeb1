"""A mall product stocked by two vendors (two stock records of different partners) cannot be taken
over: a vendor deletes only products it owns (``VendorProduct``), and on a shared mall product it
changes only its own stock record (no rename, no 待审核, no taking it offline)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import make_vendor_product

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def shared():
    """The mall's own product (no owner) stocked by vendors A and B, and a product A owns."""
    vendor_a, partner_a = make_vendor_user()
    vendor_b, partner_b = make_vendor_user()
    product = make_vendor_product(
        partner=partner_a, title="共享商品", owned=False, price=Decimal("10.00"), sku="SH-A"
    )
    b_record = StockRecord.objects.create(
        product=product, partner=partner_b, partner_sku="SH-B", price=Decimal("11.00"), num_in_stock=3
    )
    own = make_vendor_product(partner=partner_a, title="A 自有商品")
    return {
        "a": vendor_a,
        "partner_a": partner_a,
        "product": product,
        "a_record": product.stockrecords.get(partner=partner_a),
        "b_record": b_record,
        "own": own,
    }


def _state(product) -> tuple:
    product = Product.objects.get(pk=product.pk)
    records = sorted(StockRecord.objects.filter(product=product).values_list("partner_sku", "price"))
    return product.title, product.is_public, product.review_status, records


def _edit_post(shared, **overrides) -> dict:
    data = {
        "title": "A 改名后的商品",
        "structure": "standalone",
        "unit": "台",
        "tax_rate": "0.13",
        "oem_min_quantity": "1",
        "lead_time_days": "15",
        "stockrecords-TOTAL_FORMS": "1",
        "stockrecords-INITIAL_FORMS": "1",
        "stockrecords-0-id": shared["a_record"].pk,
        "stockrecords-0-partner": shared["partner_a"].pk,
        "stockrecords-0-partner_sku": "SH-A",
        "stockrecords-0-price_currency": "CNY",
        "stockrecords-0-price": "9.50",
        "stockrecords-0-num_in_stock": "7",
        "categories-TOTAL_FORMS": "0",
        "categories-INITIAL_FORMS": "0",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_a_vendor_cannot_delete_a_shared_mall_product(client, shared):
    # given vendor A, who stocks the shared mall product
    before = _state(shared["product"])
    client.force_login(shared["a"])
    url = reverse("dashboard:catalogue-product-delete", args=[shared["product"].pk])
    # when A opens and posts its delete page
    statuses = (client.get(url).status_code, client.post(url).status_code)
    # then it is a 404 and the product with B's stock record is still there
    assert statuses == (404, 404)
    assert _state(shared["product"]) == before


def test_a_vendor_still_deletes_its_own_product(client, shared):
    # given vendor A and a product it owns
    client.force_login(shared["a"])
    # when A deletes it
    response = client.post(reverse("dashboard:catalogue-product-delete", args=[shared["own"].pk]))
    # then it is gone
    assert response.status_code == 302
    assert not Product.objects.filter(pk=shared["own"].pk).exists()


def test_a_vendor_edits_only_its_own_stock_record_of_a_shared_product(client, shared):
    # given vendor A on the shared mall product's edit page
    client.force_login(shared["a"])
    url = reverse("dashboard:catalogue-product", args=[shared["product"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].fields["title"].disabled is True
    assert 'id="shared-product-note"' in page.content.decode()
    # when A posts a new title and a new price for its own stock record
    response = client.post(url, _edit_post(shared))
    # then only A's stock record changed: same title, still public and approved, B's record untouched
    assert response.status_code == 302
    assert _state(shared["product"]) == (
        "共享商品",
        True,
        "approved",
        [("SH-A", Decimal("9.50")), ("SH-B", Decimal("11.00"))],
    )


def test_a_vendor_cannot_take_a_shared_product_offline_in_bulk(client, shared):
    # given vendor A and the shared product selected in the product list
    before = _state(shared["product"])
    client.force_login(shared["a"])
    listing = reverse("dashboard:catalogue-product-list")
    response = client.post(
        listing, {"action": "make_products_non_public", "selected_product": [shared["product"].pk]}
    )
    assert response.status_code == 302
    # when A confirms taking it offline
    confirm = client.post(
        response["Location"],
        {"selected_products": [shared["product"].pk], "irreversible_confirmation": "on", "confirm": "1"},
    )
    # then the shared listing is still public
    assert confirm.status_code in (200, 302)
    assert _state(shared["product"]) == before


def test_an_operator_still_edits_and_deletes_a_shared_product(client, shared):
    # given an operator
    client.force_login(OperatorFactory())
    # when the operator deletes the shared product
    response = client.post(reverse("dashboard:catalogue-product-delete", args=[shared["product"].pk]))
    # then it is gone
    assert response.status_code == 302
    assert not Product.objects.filter(pk=shared["product"].pk).exists()
