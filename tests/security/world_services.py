"""Rows of the service applications for the isolation matrix: per side, a 规划融资 application
of the side's unit to the side's vendor (with a private document), a call-back of the side's
buyer about the side's vendor's service (its full number is the operator's only; the unit and
the vendor see it masked), and a partner application waiting for review (the applicant's and
the operators' business). Public rows: the financing and freelance packages, and an approved
partner on the public page."""

from decimal import Decimal

from shop.callbacks.models import CallbackRequest
from shop.financing.models import FinancingApplication, FinancingDocument
from shop.partners.models import PartnerApplication
from tests.factories.catalogue import ProductClassFactory, ProductFactory

from .world import Secret, side_roles

PHONES = {"a": "13811112222", "b": "13933334444"}  # call-back numbers: operators only, in full
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _package(slug: str, name: str, title: str):
    product_class = ProductClassFactory(slug=slug, name=name, requires_shipping=False, track_stock=False)
    return ProductFactory(
        title=title, product_class=product_class, price=None, tax_rate=Decimal("0.06"), unit="项"
    )


def build(world) -> None:
    world.financing_product = _package("financing-service", "规划融资服务", "规划融资服务包（矩阵）")
    world.freelance_product = _package("settlement-service", "灵活用工结算服务", "自由职业服务包（矩阵）")
    PartnerApplication.objects.create(
        number="HB202612010001",
        applicant=world.operator,
        company_name="公开的长沙合作伙伴",
        uscc="91430100MA4L01111G",
        city="长沙市",
        county="岳麓区",
        industry="gov_it",
        resources="公开介绍",
        contact_name="公开联系人",
        contact_phone="0731-88880000",
        status="approved",
    )
    for s in (world.a, world.b):
        unit = s.extra["unit_member"].unit
        application = FinancingApplication.objects.create(
            number=f"RZ2026120{'1' if s.name == 'a' else '2'}9999",
            applicant=s.buyer,
            unit=unit,
            product=s.product,
            partner=s.partner,
            org_name=s.marker("unit"),
            project_name=s.marker("financing"),
            project_type="epc",
            city="长沙市",
            county="岳麓区",
            amount=Decimal("20000000.00"),
            term_months=36,
            purpose=s.marker("financing-use"),
            contact_name="融资联系人",
            contact_phone="0731-8888000" + ("1" if s.name == "a" else "2"),
        )
        document = FinancingDocument(
            application=application,
            kind="approval",
            display_name=f"{s.marker('findoc')}.pdf",
            file_type="pdf",
            size=len(PDF),
        )
        from django.core.files.base import ContentFile

        document.file.save("approval.pdf", ContentFile(PDF), save=False)
        document.save()
        callback = CallbackRequest.objects.create(
            number=f"YY2026120{'1' if s.name == 'a' else '2'}9999",
            user=s.buyer,
            unit=unit,
            product=s.product,
            partner=s.partner,
            topic=s.marker("callback"),
            name="预约人",
            phone=PHONES[s.name],
            window="morning",
        )
        partner_application = PartnerApplication.objects.create(
            number=f"HB2026120{'1' if s.name == 'a' else '2'}9999",
            applicant=s.buyer,
            company_name=s.marker("partner-company"),
            uscc="91430100MA4L01111G",
            city="株洲市",
            industry="education",
            resources=s.marker("partner-resources"),
            contact_name="申请联系人",
            contact_phone="1870000000" + ("1" if s.name == "a" else "2"),
        )
        s.extra.update(
            financing=application,
            financing_document=document,
            callback=callback,
            partner_application=partner_application,
        )
        buyer_only = frozenset({f"buyer_{s.name}"})
        world.extra_secrets += [
            Secret(s.marker("financing"), side_roles(s.name)),
            Secret(s.marker("financing-use"), side_roles(s.name)),
            Secret(s.marker("findoc"), side_roles(s.name)),
            Secret(s.marker("callback"), side_roles(s.name)),
            Secret(PHONES[s.name], frozenset()),  # the full call-back number: operators only
            Secret(s.marker("partner-company"), buyer_only),
            Secret(s.marker("partner-resources"), buyer_only),
            Secret(partner_application.contact_phone, buyer_only),
        ]
