"""Storefront test data: the real 湘慧商城 catalogue, plus many products made in bulk.

    load_real_catalogue()                  # catalog_fixtures/ through the real loader
    add_bulk_products(500)                 # 500 more, spread over the 12 categories, bulk_create
    make_shelf()                           # a small category pair with brands, specs, sellers, variants

Every fifth bulk product is a parent with two priced children; the rest are standalone with
one stock record. Titles carry their category's name, so searches hit them too.
"""

from decimal import Decimal

from django.core.cache import cache
from oscar.core.loading import get_model

from shop.apps.catalogue.loading import catalogue_load, catalogue_read
from shop.storefront.cache import catalogue_changed

from .catalogue import (
    CategoryFactory,
    ProductAttributeFactory,
    ProductClassFactory,
    ProductFactory,
    make_parent_with_children,
    mall_partner,
)

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")


def load_real_catalogue():
    return catalogue_load(catalogue=catalogue_read())


def add_bulk_products(count: int, *, prefix: str = "BULK") -> list:
    """``count`` browsable products in bulk (a handful of queries, no signals)."""
    categories = list(Category.objects.filter(depth=1).order_by("path"))
    product_class = ProductClass.objects.order_by("pk").first()
    partner = mall_partner()
    products = []
    for i in range(count):
        category = categories[i % len(categories)]
        products.append(
            Product(
                structure=Product.PARENT if i % 5 == 0 else Product.STANDALONE,
                title=f"批量{category.name}{i:05d}",
                slug=f"bulk-{i:05d}",
                upc=f"{prefix}-{i:05d}",
                code=f"{prefix}-{i:05d}",
                product_class=product_class,
                description=f"<p>{category.name}，适用于党政机关、事业单位及国有企业采购。</p>",
                is_public=True,
                review_status="approved",
                price_is_from=i % 5 == 0,
            )
        )
    products = Product.objects.bulk_create(products)
    children = []
    for product in products:
        if product.structure == Product.PARENT:
            for size in (75, 86):
                children.append(
                    Product(
                        structure=Product.CHILD,
                        parent_id=product.pk,
                        title=f"{product.title} {size} 寸",
                        slug=f"{product.slug}-{size}",
                        upc=f"{product.upc}-{size}",
                        code=f"{product.upc}-{size}",
                        is_public=True,
                        review_status="approved",
                    )
                )
    children = Product.objects.bulk_create(children)
    ProductCategory.objects.bulk_create(
        ProductCategory(product_id=p.pk, category_id=categories[i % len(categories)].pk)
        for i, p in enumerate(products)
    )
    priced = [p for p in products if p.structure == Product.STANDALONE] + children
    StockRecord.objects.bulk_create(
        StockRecord(
            product_id=p.pk,
            partner=partner,
            partner_sku=p.upc,
            price=Decimal(1000 + (p.pk % 97) * 100),
            price_currency="CNY",
            num_in_stock=50,
        )
        for p in priced
    )
    catalogue_changed()  # bulk writes send no signals
    return products


def set_attribute(product, attribute, value):
    field = "value_integer" if attribute.type == "integer" else "value_text"
    ProductAttributeValue.objects.create(product=product, attribute=attribute, **{field: value})


def make_shelf() -> dict:
    """智慧杆 (with a child category 灯控): five visible products and a hidden one."""
    pclass = ProductClassFactory(name="智慧杆设备", slug="pole")
    brand = ProductAttributeFactory(product_class=pclass, code="brand", name="品牌")
    voltage = ProductAttributeFactory(product_class=pclass, code="voltage", name="电压")
    size = ProductAttributeFactory(product_class=pclass, code="size", name="尺寸（寸）", type="integer")
    root = CategoryFactory(name="智慧杆", code="poles", slug="poles")
    lights = CategoryFactory(name="灯控", code="lights", slug="lights", parent=root)
    vendor = Partner.objects.create(code="vendor-x", name="长沙某科技有限公司")
    a = ProductFactory(title="路灯控制器", product_class=pclass, price=Decimal("800"), categories=[root])
    b = ProductFactory(
        title="灯控网关", product_class=pclass, price=Decimal("3000"), partner=vendor, categories=[lights]
    )
    c = ProductFactory(
        title="杆载屏", product_class=pclass, price=Decimal("12000"), partner=vendor, categories=[root]
    )
    d, (d1, d2) = make_parent_with_children(prices=["60000", "20000"], title="多功能杆", product_class=pclass)
    d.categories.add(root)
    e = ProductFactory(
        title="边缘服务器", product_class=pclass, price=None, quote_only=True, categories=[root]
    )
    hidden = ProductFactory(
        title="未上架设备", product_class=pclass, price=Decimal("900"), categories=[root], is_public=False
    )
    for product, name, volts in (
        (a, "华为", "220V"),
        (b, "华为", "380V"),
        (c, "中兴", "220V"),
        (e, "浪潮", None),
    ):
        set_attribute(product, brand, name)
        if volts:
            set_attribute(product, voltage, volts)
    set_attribute(d, brand, "中兴")
    set_attribute(d1, size, 20)
    set_attribute(d2, size, 10)
    set_attribute(hidden, brand, "华为")
    cache.clear()
    return {"root": root, "lights": lights, "vendor": vendor}
