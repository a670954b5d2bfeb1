"""Category listings and facets read indexes only where they can (storefront migration 0004):
the queries are written so that PostgreSQL can use those indexes, and give the same answers
as the plain forms they replace."""

from decimal import Decimal

import pytest
from django.db import connection
from oscar.core.loading import get_model

from shop.storefront import facets, selectors
from tests.factories.catalogue import CategoryFactory, ProductFactory

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")

pytestmark = pytest.mark.django_db


def _plan(queryset, *, no_seqscan=True) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if no_seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def shelf():
    root = CategoryFactory(name="会议一体机", code="displays", slug="displays")
    leaf = CategoryFactory(name="会议一体机标准版", code="displays-std", slug="displays-std", parent=root)
    products = [
        ProductFactory(title=f"会议平板 {n}", price=Decimal(price), categories=[leaf if n % 2 else root])
        for n, price in enumerate(["800", "12000", "30000", "60000", "15800"])
    ]
    ProductFactory(title="别的分类", price=Decimal("12000"), categories=[CategoryFactory(name="城市大脑")])
    return {"root": root, "leaf": leaf, "products": products}


def test_in_array_is_any_of_an_array_on_postgresql_and_matches_in(shelf):
    # given the products linked to the root's subtree, as a subquery in its default order
    links = ProductCategory.objects.filter(category__in=[shelf["root"], shelf["leaf"]]).values("product_id")
    # when products are filtered by it with in_array and with in
    with_array = Product.objects.order_by().filter(pk__in_array=links)
    with_in = Product.objects.filter(pk__in=links)
    # then the SQL is "= ANY(ARRAY(...))", with the subquery's ordering dropped, and the rows agree
    sql = str(with_array.query)
    assert '"catalogue_product"."id" = ANY(ARRAY(SELECT' in sql
    assert "ORDER BY" not in sql
    assert sorted(with_array.values_list("pk", flat=True)) == sorted(with_in.values_list("pk", flat=True))
    assert with_array.count() == 5


def test_a_category_listing_is_chosen_on_narrow_rows_in_each_order(shelf):
    # given the root category (five products over two levels)
    for sort, expected in (
        ("", [p.title for p in shelf["products"]]),
        ("price", ["会议平板 0", "会议平板 1", "会议平板 4", "会议平板 2", "会议平板 3"]),
        ("-price", ["会议平板 3", "会议平板 2", "会议平板 4", "会议平板 1", "会议平板 0"]),
    ):
        # when a page of two is read in that order
        pages = []
        for number in (1, 2, 3):
            page = selectors.ListingPage(
                selectors.category_products(shelf["root"]), selectors.SORTS[sort][1], number
            )
            page.per_page = 2
            pages.append([p.title for p in page.products])
        # then the pages follow the order without gaps or repeats, and the count is the category's
        assert [t for titles in pages for t in titles] == expected, sort
        assert [len(titles) for titles in pages] == [2, 2, 1]
        assert page.count == 5


def test_the_listing_page_query_selects_its_ids_in_a_subquery(shelf):
    # when a listing page's products are loaded, queries are captured
    from django.test.utils import CaptureQueriesContext

    page = selectors.product_listing_page(category=shelf["root"], sort="price")
    with CaptureQueriesContext(connection) as ctx:
        titles = [p.title for p in page.products]
    # then one query picked the 20 ids by price, inside the one that loads the rows
    main = ctx.captured_queries[0]["sql"]
    assert '"catalogue_product"."id" IN (SELECT' in main and "LIMIT 20" in main
    assert titles[0] == "会议平板 0"


def test_the_facet_indexes_serve_the_queries_written_for_them(shelf):
    # given the filtered selection of the root category
    selection = facets.apply_filters(
        selectors.category_products(shelf["root"]), facets.Filters(price="10000-50000")
    )
    ids = [pk for pk, _price in selection.values_list("pk", "list_price")]
    members = facets._members(ids, selection.values("pk"), with_variants=False)
    # (the ids travel as the array's text form, made in one join)
    assert facets._array_literal([30, 4, 12]) == "{30,4,12}"
    assert sorted(Product.objects.filter(pk__in=members).values_list("pk", flat=True)) == sorted(ids)
    # then each query can use the index made for it: with the table's other indexes dropped (in
    # this test's transaction) and sequential scans off, the planner reads that index (a few
    # test rows give it no reason to prefer it over the others). The attribute values' condition
    # must imply the partial index's own, or PostgreSQL could not use it at all.
    _only_index("catalogue_productattributevalue", "xh_attributevalue_facet")
    assert "xh_attributevalue_facet" in _plan(facets._attribute_rows(members, with_variants=False))
    _only_index("partner_stockrecord", "xh_stockrecord_product_partner")
    sellers = get_model("partner", "StockRecord").objects.filter(product_id__in=members).values("partner_id")
    assert "xh_stockrecord_product_partner" in _plan(sellers)
    assert len(ids) == 3


def _only_index(table: str, keep: str) -> None:
    """Drop every other index of ``table`` but its primary key, inside the test's transaction
    (rolled back with it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending key checks hold the table
        cursor.execute(
            """
            SELECT ic.relname, co.conname
            FROM pg_index ix
            JOIN pg_class ic ON ic.oid = ix.indexrelid
            JOIN pg_class tc ON tc.oid = ix.indrelid
            LEFT JOIN pg_constraint co ON co.conindid = ix.indexrelid
            WHERE tc.relname = %s AND NOT ix.indisprimary AND ic.relname <> %s
            """,
            [table, keep],
        )
        for index, constraint in cursor.fetchall():
            if constraint:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}" CASCADE')
            else:
                cursor.execute(f'DROP INDEX "{index}"')


def test_the_category_and_price_indexes_exist_as_the_listing_needs_them():
    # the planner's choice for the product selection depends on the table's size (a few test
    # rows are read whole), so the indexes themselves are checked: what each covers
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'xh_%%'")
        definitions = dict(cursor.fetchall())
    assert "(category_id, product_id)" in definitions["xh_productcategory_category_product"]
    price = definitions["xh_product_browse_price"]
    assert "(id) INCLUDE (list_price, parent_id, structure) WHERE" in price and "is_public" in price
    facet = definitions["xh_attributevalue_facet"]
    assert "INCLUDE (attribute_id, value_text, value_integer, value_boolean, value_float)" in facet
    assert "length(value_text) <= 20" in facet
