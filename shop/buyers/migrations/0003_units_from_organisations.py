from django.db import migrations


def forwards(apps, schema_editor):
    from shop.buyers.legacy import units_from_organisations

    units_from_organisations(apps)


class Migration(migrations.Migration):
    dependencies = [("buyers", "0002_buying_units")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
