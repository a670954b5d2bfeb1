"""Rows of 采购合同 for the isolation matrix: each side's order has a contract draft between the
side's unit and the side's vendor, with a rendered PDF and a warranty text carrying the side's
marker (the side's buyer and vendor may see it, nobody else)."""

import hashlib

from shop.contracts.models import Contract, ContractVersion

from .world import Secret, side_roles

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(world) -> None:
    for s in (world.a, world.b):
        unit = s.extra["unit_member"].unit
        contract = Contract.objects.create(
            number=f"HT2026120{'1' if s.name == 'a' else '2'}9999",
            order=s.order,
            source="direct",
            award_reference=s.order.number,
            unit=unit,
            buyer=s.buyer,
            partner=s.partner,
            is_government=True,
            buyer_name=unit.org_name,
            buyer_uscc=unit.org_uscc,
            seller_name=s.partner.name,
            delivery_place="长沙",
            warranty=s.marker("contract-warranty"),
        )
        ContractVersion.objects.create(
            contract=contract,
            sequence=1,
            kind="original",
            terms={"lines": [], "source_label": "直购", "total_upper": "壹佰元整"},
            pdf=PDF,
            pdf_revision=1,
            pdf_sha256=hashlib.sha256(PDF).hexdigest(),
        )
        s.extra["contract"] = contract
        world.extra_secrets.append(Secret(s.marker("contract-warranty"), side_roles(s.name)))
