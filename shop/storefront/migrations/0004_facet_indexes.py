"""Indexes that let a category page's selection and facet counts read indexes only.

At 1,000,000 products a category holds tens of thousands of them, scattered over the product,
attribute value and stock record tables; reading their rows cost most of a filtered category
page. With these, each step is an index-only scan (once VACUUM has marked the pages visible):

- the products of a category: ``(category_id, product_id)`` of the category links;
- a browsable product's list price and parent (the price filter, the price ranges, the check
  for suspended vendors): the browse index on ``id`` with ``list_price`` and ``parent_id``
  carried in it (PostgreSQL; SQLite has no INCLUDE and scans anyway);
- a product's short attribute values (the brand and specification facets count values of up to
  20 characters, the same condition as the index's): by ``product_id``;
- a product's sellers (the 供应商 facet): ``(product_id, partner_id)`` of the stock records.
"""

from django.db import migrations

BROWSE_WHERE = "is_public AND review_status = 'approved' AND structure IN ('standalone', 'parent')"

# (name, PostgreSQL definition, definition elsewhere or None)
INDEXES = [
    (
        "xh_productcategory_category_product",
        "catalogue_productcategory (category_id, product_id)",
        "catalogue_productcategory (category_id, product_id)",
    ),
    (
        "xh_product_browse_price",
        f"catalogue_product (id) INCLUDE (list_price, parent_id, structure) WHERE {BROWSE_WHERE}",
        None,
    ),
    (
        "xh_attributevalue_facet",
        "catalogue_productattributevalue (product_id) INCLUDE "
        "(attribute_id, value_text, value_integer, value_boolean, value_float) "
        "WHERE value_text IS NULL OR length(value_text) <= 20",
        None,
    ),
    (
        "xh_stockrecord_product_partner",
        "partner_stockrecord (product_id, partner_id)",
        "partner_stockrecord (product_id, partner_id)",
    ),
]


def forwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, on_postgresql, elsewhere in INDEXES:
        definition = on_postgresql if postgresql else elsewhere
        if definition:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def backwards(apps, schema_editor):
    for name, _pg, _other in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0003_hanzi_search_index"),
        ("catalogue", "0035_product_list_price"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
