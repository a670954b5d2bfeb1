"""A mall-owned product (no VendorProduct row) stocked by two vendors: vendor A may at most
change its own stock record through the dashboard's product form, never vendor B's, and may
not delete the product. The isolation matrix checks what the pages show and that the delete
is refused; here the form vendor A is given is posted back, as a browser would, with every
price changed."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories.accounts import PartnerFactory, make_vendor_user
from tests.factories.vendors import product_class

from .formfuzz import post_forms

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


def _mall_product_stocked_by_two():
    partner_a, partner_b = PartnerFactory(name="甲供应商"), PartnerFactory(name="乙供应商")
    vendor_a, _ = make_vendor_user(partner=partner_a, username="vendor_a")
    make_vendor_user(partner=partner_b, username="vendor_b")
    product = Product.objects.create(
        title="自营交换机", product_class=product_class(), structure="standalone"
    )
    record_a = StockRecord.objects.create(
        product=product, partner=partner_a, partner_sku="A-SKU", price=Decimal("90.00"), num_in_stock=5
    )
    record_b = StockRecord.objects.create(
        product=product, partner=partner_b, partner_sku="B-SKU", price=Decimal("95.00"), num_in_stock=5
    )
    client = Client(raise_request_exception=False)
    client.force_login(vendor_a, backend="django.contrib.auth.backends.ModelBackend")
    return product, record_a, record_b, client


def test_vendor_cannot_change_the_other_vendors_stock_record_of_a_mall_product():
    # given a mall-owned product stocked by vendors A and B, and vendor A signed in
    product, _record_a, record_b, client = _mall_product_stocked_by_two()
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    # when vendor A opens the product form and posts it back with every price set to 1.00
    page = client.get(url)
    if page.status_code == 200:
        forms = [
            f for f in post_forms(page.content.decode(), "http://testserver" + url) if f.action.endswith(url)
        ]
        assert len(forms) == 1
        data = {k: ("1.00" if k.endswith("-price") else v) for k, v in forms[0].fields.items()}
        response = client.post(url, data)
        assert response.status_code < 500
    # then vendor B's stock record is unchanged and the page never showed it
    record_b.refresh_from_db()
    assert (record_b.partner_sku, record_b.price, record_b.num_in_stock) == ("B-SKU", Decimal("95.00"), 5)
    assert "B-SKU" not in page.content.decode()


def test_vendor_cannot_delete_a_mall_product_another_vendor_stocks():
    # given a mall-owned product stocked by vendors A and B, and vendor A signed in
    product, _record_a, _record_b, client = _mall_product_stocked_by_two()
    # when vendor A posts the product's delete form
    response = client.post(reverse("dashboard:catalogue-product-delete", kwargs={"pk": product.pk}))
    # then it is refused and the product and both stock records remain
    assert response.status_code in (302, 403, 404)
    assert Product.objects.filter(pk=product.pk).exists()
    assert StockRecord.objects.filter(product=product).count() == 2
