"""Service packages and their applications for tests: the 规划融资 and 自由职业 packages as the
catalogue loads them (product class slug, 仅询价, 6% VAT), a unit with a 经办人, valid inputs."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from shop.financing.services import ApplicationInput
from tests.factories.accounts import PartnerFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ProductClassFactory, ProductFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "立项批复.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def package(slug: str = "financing-service", *, title: str = "规划融资服务包", partner=None):
    """A 仅询价 service package of ``slug``'s class, stocked by ``partner`` (a new vendor)."""
    names = {
        "financing-service": "规划融资服务",
        "settlement-service": "灵活用工结算服务",
        "consulting-service": "咨询服务",
        "developer-outsourcing": "人才开发外包",
    }
    product_class = ProductClassFactory(
        slug=slug, name=names.get(slug, slug), requires_shipping=False, track_stock=False
    )
    if partner is None:
        partner = PartnerFactory(name="湘江融资服务（测试）")
    return ProductFactory(
        title=title,
        product_class=product_class,
        price=None,
        tax_rate=Decimal("0.06"),
        unit="项",
        partner=partner,
    )


def financing_world():
    """The financing package with its vendor (a user), and a unit whose 经办人 applies."""
    partner = PartnerFactory(name="湘江融资服务（测试）")
    vendor, _ = make_vendor_user(partner=partner)
    product = package(partner=partner)
    unit, members = make_unit(roles_by_name={"handler": ["handler"], "approver": ["approver"]})
    return product, partner, vendor, unit, members


def application_input(**changes) -> ApplicationInput:
    values = {
        "org_name": "长沙市示范局",
        "project_name": "岳麓区智慧城市一期",
        "project_type": "epc",
        "region": "长沙市/岳麓区",
        "amount": "10000000",
        "term_months": "12",
        "purpose": "数据中心与城市运行平台建设",
        "contact_name": "王经办",
        "contact_phone": "13812345678",
    }
    values.update(changes)
    return ApplicationInput(**values)


def documents():
    return [("approval", pdf("立项批复.pdf")), ("feasibility", pdf("可研报告.pdf"))]
