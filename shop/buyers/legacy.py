"""Single-user organisations become buying units (used by migration 0003 and its test).

Each ``BuyerOrganisation`` becomes a unit with the same organisation and invoice details, its
user an active member holding 管理员 and 经办人, and one ``unit_migrated`` event. The
organisation row itself stays (quote and OEM forms pre-fill from it). A user already active in
a unit is left as is, so running it twice changes nothing."""

ORG_AND_INVOICE = (
    "org_name",
    "org_uscc",
    "org_type",
    "province",
    "city",
    "county",
    "invoice_type",
    "invoice_title",
    "invoice_tax_no",
    "invoice_address",
    "invoice_phone",
    "invoice_bank",
    "invoice_account",
)


def units_from_organisations(apps) -> int:
    """Returns the number of units created. ``apps``: the migration's app registry (or the real one)."""
    BuyerOrganisation = apps.get_model("buyers", "BuyerOrganisation")
    BuyingUnit = apps.get_model("buyers", "BuyingUnit")
    UnitMember = apps.get_model("buyers", "UnitMember")
    UnitEvent = apps.get_model("buyers", "UnitEvent")
    created = 0
    for org in BuyerOrganisation.objects.order_by("pk").iterator():
        if UnitMember.objects.filter(user_id=org.user_id, is_active=True).exists():
            continue
        unit = BuyingUnit.objects.create(**{f: getattr(org, f) for f in ORG_AND_INVOICE})
        member = UnitMember.objects.create(unit=unit, user_id=org.user_id, roles=["admin", "handler"])
        UnitEvent.objects.create(
            unit=unit, member=member, kind="unit_migrated", to_status="active", note=org.org_name
        )
        created += 1
    return created
