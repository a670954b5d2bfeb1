"""Rows of 人才开发外包 for the isolation matrix: per side, an outsourcing product whose one level
is listed only by the side's vendor, a request of the side's unit for it, and that vendor's
proposal with a named profile and its CV (private: the side's buyer and vendor, operators).
Shared: the public product the request form opens from."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from shop.outsourcing.models import OutsourcingRequest, Profile, Proposal, ProposalRate, RequestLine
from tests.factories.catalogue import ChildProductFactory, ParentProductFactory, ProductClassFactory

from .world import Secret, side_roles

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _product(title, partner=None):
    product_class = ProductClassFactory(
        slug="developer-outsourcing", name="人才开发外包", requires_shipping=False, track_stock=False
    )
    parent = ParentProductFactory(
        title=title, product_class=product_class, tax_rate=Decimal("0.06"), unit="项"
    )
    child = ChildProductFactory(
        parent=parent,
        title="一级开发师",
        price=Decimal("20000.00"),
        partner=partner,
        tax_rate=Decimal("0.06"),
    )
    return parent, child


def build(world) -> None:
    world.outsourcing_product, _child = _product("人才开发外包（矩阵）")
    for s in (world.a, world.b):
        unit = s.extra["unit_member"].unit
        _parent, level = _product(f"人才开发外包（{s.name}）", partner=s.partner)
        request = OutsourcingRequest.objects.create(
            number=f"WB2026120{'1' if s.name == 'a' else '2'}9999",
            buyer=s.buyer,
            unit=unit,
            product=_parent,
            title=s.marker("outsourcing"),
            months=3,
            start_date=timezone.localdate() + timedelta(days=10),
            place="on_site",
            city="长沙市",
            skills=s.marker("outsourcing-skills"),
        )
        line = RequestLine.objects.create(request=request, level=level, level_name="一级开发师", headcount=1)
        proposal = Proposal.objects.create(
            request=request, partner=s.partner, submitted_by=s.vendor, monthly_total=Decimal("20000.00")
        )
        ProposalRate.objects.create(
            proposal=proposal,
            line=line,
            stockrecord=level.stockrecords.get(),
            floor=Decimal("20000.00"),
            rate=Decimal("20000.00"),
        )
        profile = Profile(
            proposal=proposal,
            line=line,
            name=s.marker("developer"),
            years=6,
            skills=s.marker("developer-skills"),
            cv_name=f"{s.marker('cv')}.pdf",
            cv_type="pdf",
            cv_size=len(PDF),
        )
        profile.cv.save("cv.pdf", ContentFile(PDF), save=False)
        profile.save()
        s.extra.update(outsourcing=request, outsourcing_proposal=proposal, outsourcing_profile=profile)
        world.extra_secrets += [
            Secret(s.marker(what), side_roles(s.name))
            for what in ("outsourcing", "outsourcing-skills", "developer", "developer-skills", "cv")
        ]
