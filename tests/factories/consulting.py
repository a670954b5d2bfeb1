"""The 政企咨询服务包 as the catalogue loads it (catalog_fixtures/10_consulting.yaml): a parent of
the consulting-service class with four variants (天 ¥500, 月 ¥5,000, 半年 ¥30,000, 年 ¥50,000,
6% VAT) stocked by a consultant (a vendor user), and a unit whose 经办人 books it."""

from decimal import Decimal

from shop.consulting.services import EngagementInput
from tests.factories.accounts import PartnerFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ChildProductFactory, ParentProductFactory, ProductClassFactory

PRICES = (
    ("天", "按天", "500.00"),
    ("月", "按月", "5000.00"),
    ("半年", "半年", "30000.00"),
    ("年", "按年", "50000.00"),
)


def consulting_package(*, partner=None, title: str = "政企咨询服务包"):
    """(parent, {unit: variant}) stocked by ``partner`` (a new one when None)."""
    partner = partner or PartnerFactory(name="湘江咨询顾问（测试）")
    product_class = ProductClassFactory(
        slug="consulting-service", name="咨询服务", requires_shipping=False, track_stock=False
    )
    parent = ParentProductFactory(title=title, product_class=product_class, tax_rate=Decimal("0.06"), unit="")
    variants = {
        unit: ChildProductFactory(
            parent=parent,
            title=f"{title}（{label}）",
            unit=unit,
            price=Decimal(price),
            tax_rate=Decimal("0.06"),
            partner=partner,
        )
        for unit, label, price in PRICES
    }
    return parent, variants


def consulting_world(**unit_kwargs):
    """The package with its consultant (a vendor user) and a unit with a 经办人 and a 审批人."""
    partner = PartnerFactory(name="湘江咨询顾问（测试）")
    consultant, _ = make_vendor_user(partner=partner)
    parent, variants = consulting_package(partner=partner)
    unit, members = make_unit(roles_by_name={"handler": ["handler"], "approver": ["approver"]}, **unit_kwargs)
    return parent, variants, partner, consultant, unit, members


def booking(variant, **changes) -> EngagementInput:
    from datetime import timedelta

    from django.utils import timezone

    values = {
        "variant_id": variant.pk,
        "quantity": 3,
        "start_date": timezone.localdate() + timedelta(days=10),
        "topics": ["产品比选", "采购政策"],
        "need": "比选三家会议平板供应商，核查资质，给出采购建议。",
    }
    values.update(changes)
    return EngagementInput(**values)
