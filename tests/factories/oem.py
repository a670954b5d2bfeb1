"""OEM factories: OEM-capable products, logo files, and orders driven through the services.

product = make_oem_product(partner=partner, moq=100, lead_time_days=15)
order = submit_oem_order(buyer=buyer, product=product)            # status submitted
order = offered_oem_order(buyer=buyer, product=product, vendor=vendor_user)
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.core.uploads import bytes_upload
from shop.oem import services
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.catalogue import ProductFactory, make_parent_with_children

VALID_USCC = "91350100M000100Y43"
CUSTOMISATIONS = ["boot_screen", "casing_colour", "packaging"]


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buf, "PNG")
    return buf.getvalue()


SVG_OK = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
)
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF_OK = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def logo_upload(data: bytes | None = None, name: str = "logo.png"):
    return bytes_upload(png_bytes() if data is None else data, name)


def make_oem_product(
    *,
    partner=None,
    moq: int = 100,
    lead_time_days: int = 15,
    customisations=CUSTOMISATIONS,
    price: str = "1000.00",
    variants: list[str] | None = None,
    **fields,
):
    """A standalone OEM product, or (``variants=[prices]``) a parent with one child per price."""
    oem = {
        "supports_oem": True,
        "oem_min_quantity": moq,
        "lead_time_days": lead_time_days,
        "oem_customisations": list(customisations),
        **fields,
    }
    if variants:
        parent, children = make_parent_with_children(prices=variants, partner=partner, **oem)
        return parent
    return ProductFactory(partner=partner, price=Decimal(price), **oem)


def oem_world(*, buyer_username: str = "buyer-a", buyer_email: str | None = None, **product_fields) -> dict:
    """A vendor user with its partner, a buyer, and an OEM product of that vendor (MOQ 100)."""
    vendor, partner = make_vendor_user()
    buyer = UserFactory(username=buyer_username, **({"email": buyer_email} if buyer_email else {}))
    product = make_oem_product(partner=partner, **{"moq": 100, **product_fields})
    return {"vendor": vendor, "partner": partner, "buyer": buyer, "product": product}


@pytest.fixture
def oem_private_root(settings, tmp_path):
    """One test's private uploads in a folder of its own, so "no file left" is exact.
    Use with ``from tests.factories.oem import oem_private_root`` + ``usefixtures``."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def organisation(**overrides) -> dict:
    return {
        "org_name": "长沙市数据资源局",
        "org_uscc": VALID_USCC,
        "org_type": "party_gov",
        "province": "湖南省",
        "city": "长沙市",
        "county": "岳麓区",
        "invoice_type": "normal",
        "invoice_title": "长沙市数据资源局",
        **overrides,
    }


def order_kwargs(*, buyer, product, **overrides) -> dict:
    """Valid keyword arguments for ``services.oem_order_submit``."""
    kwargs = {
        "buyer": buyer,
        "product": product,
        "variant": product.children.order_by("pk").first() if product.is_parent else None,
        "quantity": product.oem_min_quantity,
        "brand_name": "星城智联",
        "logo": logo_upload(),
        "customisations": [{"code": "boot_screen", "detail": "开机显示星城智联 Logo"}],
        "sample_required": False,
        "target_date": timezone.localdate() + timedelta(days=60),
        "delivery_contact": "李工",
        "delivery_phone": "13800138000",
        "delivery_address": "湖南省长沙市岳麓区麓谷大道 1 号",
        "organisation": organisation(),
        "remarks": "",
    }
    kwargs.update(overrides)
    return kwargs


def submit_oem_order(*, buyer, product, **overrides):
    return services.oem_order_submit(**order_kwargs(buyer=buyer, product=product, **overrides))


def reviewed_oem_order(*, buyer, product, **overrides):
    order = submit_oem_order(buyer=buyer, product=product, **overrides)
    services.oem_order_review(order_id=order.pk)
    order.refresh_from_db()
    return order


def offered_oem_order(
    *,
    buyer,
    product,
    vendor,
    unit_price="900.00",
    tooling_fee="5000.00",
    deposit="30000.00",
    lead_days=30,
    **overrides,
):
    order = reviewed_oem_order(buyer=buyer, product=product, **overrides)
    return services.oem_order_make_offer(
        order=order,
        actor=vendor,
        unit_price=Decimal(unit_price),
        tooling_fee=Decimal(tooling_fee),
        deposit=Decimal(deposit),
        lead_days=lead_days,
    )


def pay_deposit(order) -> None:
    """Mark the first payment stage paid (what the payments app does when money arrives)."""
    stage = order.oscar_order.payment_stages.order_by("sequence").first()
    stage.status = "paid"
    stage.paid_at = timezone.now()
    stage.save(update_fields=["status", "paid_at"])
