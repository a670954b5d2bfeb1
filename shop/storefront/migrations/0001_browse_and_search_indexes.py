"""Indexes for the storefront's browse and search paths.

Browse: partial indexes over the products a buyer can see (public, approved, not a child),
in the two orders the listing offers, so a page of 20 and its count never scan the table.

Search (PostgreSQL only): the pg_trgm extension and GIN trigram indexes, so that
``title LIKE '%会议一体机%'`` and ``UPPER(title) LIKE UPPER('%xh-0001%')`` (Django's
``contains`` / ``icontains``) are index scans. SQLite falls back to a scan.
"""

from django.db import migrations

BROWSE_WHERE = "is_public AND review_status = 'approved' AND structure IN ('standalone', 'parent')"

BROWSE_INDEXES = [
    ("xh_product_browse_id", "catalogue_product (id)"),
    ("xh_product_browse_new", "catalogue_product (date_created, id)"),
]

# Expressions must be written exactly as Django renders the lookups.
TRGM_INDEXES = [
    ("xh_product_title_trgm", "catalogue_product USING gin (title gin_trgm_ops)"),
    ("xh_product_title_up_trgm", "catalogue_product USING gin ((UPPER(title::text)) gin_trgm_ops)"),
    ("xh_product_upc_up_trgm", "catalogue_product USING gin ((UPPER(upc::text)) gin_trgm_ops)"),
    ("xh_product_desc_trgm", "catalogue_product USING gin (description gin_trgm_ops)"),
]


def create(apps, schema_editor):
    conn = schema_editor.connection
    for name, target in BROWSE_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target} WHERE {BROWSE_WHERE}")
    if conn.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, target in TRGM_INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    names = [n for n, _ in BROWSE_INDEXES]
    if schema_editor.connection.vendor == "postgresql":
        names += [n for n, _ in TRGM_INDEXES]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0033_procurement_fields"),
        ("partner", "0007_partneraddress_code"),
    ]

    operations = [migrations.RunPython(create, drop)]
