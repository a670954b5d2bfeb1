"""Rows of the 政企咨询服务包 for the isolation matrix: the package (public, its own consultant),
and per side an engagement of the side's unit with the side's vendor as consultant, ordered as
the side's order (whose delivery attachment, from world_fulfilment, is its report), with a
private need, a private request file and a blocked day of the side's vendor."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from shop.consulting.models import BlockedDay, BookedDay, Engagement, EngagementEvent, EngagementFile
from tests.factories.accounts import PartnerFactory
from tests.factories.consulting import consulting_package

from .world import Secret, side_roles

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(world) -> None:
    parent, variants = consulting_package(
        partner=PartnerFactory(name="咨询顾问（矩阵）"), title="政企咨询服务包（矩阵）"
    )
    world.consulting_product = parent
    start = timezone.localdate() + timedelta(days=20)
    for offset, s in enumerate((world.a, world.b)):
        day = start + timedelta(days=offset * 5)
        engagement = Engagement.objects.create(
            number=f"ZX2026120{'1' if s.name == 'a' else '2'}9999",
            buyer=s.buyer,
            unit=s.extra["unit_member"].unit,
            product=variants["天"],
            partner=s.partner,
            package="天",
            quantity=2,
            requested_start=day,
            start_date=day,
            end_date=day + timedelta(days=1),
            topics=["产品比选", "采购政策"],
            need=s.marker("consulting-need"),
            list_unit_price=Decimal("500.00"),
            tax_rate=Decimal("0.06"),
            unit_price=Decimal("500.00"),
            order=s.order,
            status="ordered",
        )
        for d in (day, day + timedelta(days=1)):
            BookedDay.objects.create(partner=s.partner, day=d, engagement=engagement)
        EngagementEvent.objects.create(
            engagement=engagement, actor=s.buyer, to_status="requested", kind="requested"
        )
        doc = EngagementFile(
            engagement=engagement,
            display_name=f"{s.marker('consulting-file')}.pdf",
            file_type="pdf",
            size=len(PDF),
            uploaded_by=s.buyer,
        )
        doc.file.save("need.pdf", ContentFile(PDF), save=False)
        doc.save()
        s.extra["engagement"] = engagement
        s.extra["engagement_file"] = doc
        s.extra["blocked_day"] = BlockedDay.objects.create(
            partner=s.partner, day=start + timedelta(days=60 + offset), note=s.marker("blocked")
        )
        world.extra_secrets += [
            Secret(s.marker("consulting-need"), side_roles(s.name)),
            Secret(s.marker("consulting-file"), side_roles(s.name)),
            Secret(s.marker("blocked"), frozenset({f"vendor_{s.name}"})),  # the consultant's own calendar
        ]
