"""One plain trigram index per searched column serves LIKE and ILIKE alike (see lookups.py):
the UPPER(...) expression indexes of 0001 go, the product number gets a plain one. Fewer
GIN indexes also make bulk imports cheaper."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS xh_product_title_up_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS xh_product_upc_up_trgm")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS xh_product_upc_trgm ON catalogue_product USING gin (upc gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS xh_product_upc_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS xh_product_title_up_trgm ON catalogue_product USING gin ((UPPER(title::text)) gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS xh_product_upc_up_trgm ON catalogue_product USING gin ((UPPER(upc::text)) gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("storefront", "0001_browse_and_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
