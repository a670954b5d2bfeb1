"""Catalogue factories: product classes, categories and products with stock records.

    product = ProductFactory(price=Decimal("11800.00"))          # standalone, 1 stock record
    product = ProductFactory(quote_only=True, price=None)         # 仅询价, stock record without price
    parent, children = make_parent_with_children(prices=["29800", "11800", "15800"])
    category = CategoryFactory(name="交通大脑")                   # a root category
    ProductFactory(categories=[category])

Stock records belong to the mall's own partner (code ``xianghui``) unless ``partner=`` is given;
``price`` is the tax-inclusive CNY price, ``num_in_stock`` defaults to 100.
"""

from decimal import Decimal

import factory
from oscar.core.loading import get_model

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

MALL_PARTNER_CODE = "xianghui"


def mall_partner():
    partner, _ = Partner.objects.get_or_create(code=MALL_PARTNER_CODE, defaults={"name": "湘慧商城自营"})
    return partner


class ProductClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductClass
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"商品类型{n}")
    slug = factory.Sequence(lambda n: f"class-{n}")
    requires_shipping = True
    track_stock = True


class ProductAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductAttribute

    product_class = factory.SubFactory(ProductClassFactory)
    name = factory.Sequence(lambda n: f"属性{n}")
    code = factory.Sequence(lambda n: f"attr_{n}")
    type = "text"


class CategoryFactory(factory.django.DjangoModelFactory):
    """A root category, or a child of ``parent=``."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"分类{n}")
    code = factory.Sequence(lambda n: f"category-{n}")
    slug = factory.LazyAttribute(lambda o: o.code)

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        manager = model_class.objects
        return manager.add_child(parent, kwargs) if parent else manager.add_root(kwargs)


class ProductFactory(factory.django.DjangoModelFactory):
    """A standalone product with one stock record (pass ``price=None`` for a price-less one)."""

    class Meta:
        model = Product

    structure = Product.STANDALONE
    title = factory.Sequence(lambda n: f"测试商品{n}")
    code = factory.Sequence(lambda n: f"T-{n:05d}")
    upc = factory.LazyAttribute(lambda o: o.code)
    product_class = factory.SubFactory(ProductClassFactory)
    unit = "台"
    tax_rate = Decimal("0.13")
    # not model fields: consumed by _create
    price = Decimal("1000.00")
    num_in_stock = 100
    partner = None
    categories = ()

    @classmethod
    def _create(cls, model_class, *args, price, num_in_stock, partner, categories, **kwargs):
        product = model_class.objects.create(**kwargs)
        for category in categories:
            product.categories.add(category)
        if product.structure != Product.PARENT:
            StockRecord.objects.create(
                product=product,
                partner=partner or mall_partner(),
                partner_sku=product.code or f"P{product.pk}",
                price_currency="CNY",
                price=None if price is None else Decimal(price),
                num_in_stock=None if price is None else num_in_stock,
            )
        return product


class ParentProductFactory(ProductFactory):
    """A parent product (no stock record: its children carry the prices)."""

    structure = Product.PARENT
    price = None


class ChildProductFactory(ProductFactory):
    structure = Product.CHILD
    parent = factory.SubFactory(ParentProductFactory)
    product_class = None


def make_parent_with_children(*, prices, partner=None, **parent_fields):
    """A parent with one child per price, created in the given order (None = no price)."""
    parent = ParentProductFactory(partner=partner, **parent_fields)
    children = [
        ChildProductFactory(
            parent=parent,
            title=f"{parent.title} 规格{index + 1}",
            price=None if price is None else Decimal(price),
            partner=partner,
            tax_rate=parent.tax_rate,
            unit=parent.unit,
        )
        for index, price in enumerate(prices)
    ]
    return parent, children
