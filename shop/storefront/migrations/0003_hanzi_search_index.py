"""A character index for one- and two-character Chinese search words (PostgreSQL only).

pg_trgm cannot serve ``LIKE '%麒麟%'``: a two-character pattern has no trigram, so such a
search (most Chinese words have two characters) scanned the whole table. This GIN index holds
the set of Chinese characters (汉字) of each browsable product's title and description:
``… @> ARRAY['麒', '麟']`` finds the products containing both characters through the index,
and ``LIKE '%麒麟%'`` keeps those where they stand together. Only C functions compute it
(cheap for bulk imports, cheaper than a bigram list), and as an expression index it follows
every write, COPY included. See shop.storefront.search."""

from django.db import migrations

# Written exactly as shop.storefront.search.HANZI_DOCUMENT renders it, so the planner uses it.
INDEX = r"""
CREATE INDEX IF NOT EXISTS xh_product_hanzi ON catalogue_product USING gin (
    string_to_array(regexp_replace(title::text || ' ' || description, '[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', '', 'g'), NULL)
) WHERE is_public AND review_status = 'approved' AND structure IN ('standalone', 'parent')
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS xh_product_hanzi")


class Migration(migrations.Migration):
    dependencies = [("storefront", "0002_plain_trigram_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
