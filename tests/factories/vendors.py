"""Vendors: applications, licence files, vendor-owned products and multi-vendor orders."""

import io
from decimal import Decimal

from django.utils import timezone
from oscar.core.loading import get_model

from shop.core.uploads import bytes_upload
from shop.core.validators import uscc_check_character
from shop.vendors.models import VendorApplication, VendorProduct

from .accounts import UserFactory

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")
Order = get_model("order", "Order")
Line = get_model("order", "Line")

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_uscc(n: int | None = None) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character)."""
    n = _next() if n is None else n
    first17 = f"91430100{n:09d}"
    return first17 + uscc_check_character(first17)


def png_bytes(size=(8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def licence_pdf(name: str = "营业执照.pdf"):
    return bytes_upload(PDF_BYTES, name)


def root_category(name: str = "智慧城市") -> Category:
    existing = Category.objects.get_root_nodes().filter(name=name).first()
    return existing or Category.objects.add_root({"name": name})


def child_category(parent: Category, name: str) -> Category:
    existing = parent.get_children().filter(name=name).first()
    return existing or Category.objects.add_child(parent, {"name": name})


def product_class(name: str = "智慧城市设备", track_stock: bool = True) -> ProductClass:
    pc, _ = ProductClass.objects.get_or_create(name=name, defaults={"track_stock": track_stock})
    return pc


def company_values(n: int) -> dict:
    return {
        "company_name": f"湖南测试科技有限公司{n}",
        "uscc": make_uscc(n),
        "legal_representative": "张三",
        "contact_name": "李四",
        "mobile": "13800138000",
        "email": f"contact{n}@example.com",
        "business_scope": "智慧城市软硬件研发与销售",
    }


def application_data(**overrides) -> dict:
    """POST data for the 入驻 form (without the licence file)."""
    n = _next()
    data = {
        **company_values(n),
        "categories": [root_category().pk],
        "account_email": f"applicant{n}@example.com",
        "password1": "Xh-pass-2026!",
        "password2": "Xh-pass-2026!",
        "agree": "on",
    }
    data.update(overrides)
    return data


def make_application(*, user=None, status: str = "submitted", **fields) -> VendorApplication:
    n = _next()
    user = user or UserFactory(username=f"applicant{n}", email=f"applicant{n}@example.com")
    values = {
        **company_values(n),
        "licence_name": "营业执照.pdf",
        "licence_kind": "pdf",
        "status": status,
    }
    values.update(fields)
    application = VendorApplication(user=user, **values)
    application.licence.save("licence.pdf", licence_pdf(), save=False)
    application.save()
    application.categories.add(root_category())
    return application


def make_vendor_product(
    *,
    partner,
    title: str | None = None,
    price: Decimal = Decimal("100.00"),
    sku: str | None = None,
    owned: bool = True,
    review_status: str = "approved",
    is_public: bool = True,
    num_in_stock: int = 10,
) -> Product:
    """A standalone product with one stock record of ``partner`` (owned by it unless owned=False)."""
    n = _next()
    product = Product.objects.create(
        title=title or f"测试商品{n}",
        product_class=product_class(),
        structure=Product.STANDALONE,
        review_status=review_status,
        is_public=is_public,
    )
    ProductCategory.objects.create(product=product, category=root_category())
    StockRecord.objects.create(
        product=product,
        partner=partner,
        partner_sku=sku or f"SKU-{n}",
        price=price,
        price_currency="CNY",
        num_in_stock=num_in_stock,
    )
    if owned:
        VendorProduct.objects.create(product=product, partner=partner)
    return product


def make_parent_product(*, partner, title: str | None = None) -> Product:
    n = _next()
    parent = Product.objects.create(
        title=title or f"多规格商品{n}", product_class=product_class(), structure=Product.PARENT
    )
    ProductCategory.objects.create(product=parent, category=root_category())
    VendorProduct.objects.create(product=parent, partner=partner)
    return parent


def make_child_product(*, parent, partner, price: Decimal = Decimal("50.00"), title: str = "") -> Product:
    n = _next()
    child = Product.objects.create(parent=parent, structure=Product.CHILD, title=title or f"规格{n}")
    StockRecord.objects.create(
        product=child,
        partner=partner,
        partner_sku=f"SKU-C{n}",
        price=price,
        price_currency="CNY",
        num_in_stock=5,
    )
    return child


def make_order(*, lines, user=None, number: str | None = None) -> Order:
    """An Oscar order with one line per (product, partner, quantity, unit price)."""
    n = _next()
    total = sum((Decimal(price) * qty for _p, _partner, qty, price in lines), Decimal("0.00"))
    order = Order.objects.create(
        number=number or f"T{n:08d}",
        user=user,
        currency="CNY",
        total_incl_tax=total,
        total_excl_tax=total,
        shipping_incl_tax=Decimal("0.00"),
        shipping_excl_tax=Decimal("0.00"),
        status="Pending",
        date_placed=timezone.now(),
    )
    for product, partner, qty, price in lines:
        price = Decimal(price)
        record = StockRecord.objects.filter(product=product, partner=partner).first()
        Line.objects.create(
            order=order,
            partner=partner,
            partner_name=partner.name,
            partner_sku=record.partner_sku if record else f"SKU-{product.pk}",
            stockrecord=record,
            product=product,
            title=product.get_title(),
            upc=product.upc,
            quantity=qty,
            line_price_incl_tax=price * qty,
            line_price_excl_tax=price * qty,
            line_price_before_discounts_incl_tax=price * qty,
            line_price_before_discounts_excl_tax=price * qty,
            unit_price_incl_tax=price,
            unit_price_excl_tax=price,
            num_allocated=0,
            status="Pending",
        )
    return order
