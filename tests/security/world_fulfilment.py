"""Rows of delivery and 履约验收 for the isolation matrix: each side's order has a shipment by
the side's vendor with a private file and an acceptance by the side's buyer whose comment
carries the side's marker (the side's buyer and vendor may see it, nobody else)."""

from shop.core.uploads import bytes_upload
from shop.fulfilment.models import (
    Acceptance,
    Attachment,
    Delivery,
    Fulfilment,
    FulfilmentEvent,
    LineFulfilment,
)

from .world import Secret, side_roles

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(world) -> None:
    for s in (world.a, world.b):
        order = s.order
        line = order.lines.first()
        fulfilment = Fulfilment.objects.create(order=order)
        state = LineFulfilment.objects.create(
            fulfilment=fulfilment,
            line=line,
            partner_id=line.partner_id,
            ordered=line.quantity,
            delivered=line.quantity,
            accepted=0,
            rejected=line.quantity,
            status=LineFulfilment.Status.REJECTED,
        )
        delivery = Delivery.objects.create(
            line=state,
            kind="shipment",
            quantity=line.quantity,
            carrier="顺丰速运",
            tracking_number=s.marker("tracking"),
            created_by=s.vendor,
        )
        acceptance = Acceptance.objects.create(
            line=state,
            quantity=line.quantity,
            result="failed",
            comments=s.marker("acceptance"),
            created_by=s.buyer,
        )
        FulfilmentEvent.objects.create(
            line=state,
            actor=s.buyer,
            from_status="delivered",
            to_status="rejected",
            kind="rejected",
            note=s.marker("acceptance"),
        )
        s.extra["fulfilment_attachment"] = Attachment.objects.create(
            delivery=delivery,
            file=bytes_upload(PDF, "签收单.pdf"),
            display_name=f"{s.marker('delivery-file')}.pdf",
            kind="pdf",
            size=len(PDF),
        )
        s.extra["fulfilment_acceptance"] = acceptance
        for what in ("tracking", "acceptance", "delivery-file"):
            world.extra_secrets.append(Secret(s.marker(what), side_roles(s.name)))
