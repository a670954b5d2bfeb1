"""Documents of buyers who are already members of a unit (migrated single-user organisations)
belong to that unit: their quote requests, OEM orders and orders get its ``unit``. Nothing is
lost; running it again changes nothing."""

from django.db import migrations


def forwards(apps, schema_editor):
    UnitMember = apps.get_model("buyers", "UnitMember")
    QuoteRequest = apps.get_model("quotes", "QuoteRequest")
    OemOrder = apps.get_model("oem", "OemOrder")
    OrderOrigin = apps.get_model("payments", "OrderOrigin")
    for member in UnitMember.objects.filter(is_active=True).order_by("pk").iterator():
        QuoteRequest.objects.filter(buyer_id=member.user_id, unit__isnull=True).update(unit_id=member.unit_id)
        OemOrder.objects.filter(buyer_id=member.user_id, unit__isnull=True).update(unit_id=member.unit_id)
        OrderOrigin.objects.filter(order__user_id=member.user_id, unit__isnull=True).update(unit_id=member.unit_id)


class Migration(migrations.Migration):
    dependencies = [
        ("buyers", "0004_budgets_and_approvals"),
        ("quotes", "0003_unit_ownership"),
        ("oem", "0003_unit_ownership"),
        ("payments", "0004_unit_ownership"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
