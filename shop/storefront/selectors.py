"""Reads for the storefront: a database browse path with a constant number of queries.

Oscar 4.2 browses through haystack; here every listing is one page query (prices as
subqueries), one count and its cards' data (``attach_card_data``: pictures, variants, stock
records), whatever the size of the catalogue.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Window,
    prefetch_related_objects,
)
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property
from oscar.core.loading import get_model

from shop.apps.catalogue.models import ReviewStatus
from shop.apps.partner.strategy import Selector

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")

PER_PAGE = 20
HOME_PRODUCTS_PER_CATEGORY = 4

# name → (label, ordering); the label is shown in the sort menu.
SORTS = {
    "": ("默认排序", ("id",)),
    "new": ("上架时间", ("-date_created", "-id")),
    # the stored list price (shop.apps.catalogue.listprice); quote-only and unpriced last
    "price": ("价格从低到高", (F("list_price").asc(nulls_last=True), "id")),
    "-price": ("价格从高到低", (F("list_price").desc(nulls_last=True), "id")),
}


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else ""


def clean_page(value: str | None) -> int:
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 100_000)


# --- product querysets -------------------------------------------------------------------


# The one visibility rule for buyers (storefront, basket, quote list, API, OEM): a product is
# visible when it is public and approved; a variant (child) also needs its PARENT public and
# approved. Moderation (商品审核) moves only the parent, so the parent's state decides for every
# one of its variants (Oscar checks ``is_public`` per product only).
LISTED_Q = Q(is_public=True, review_status=ReviewStatus.APPROVED)
PARENT_LISTED_Q = Q(parent__isnull=True) | Q(
    parent__is_public=True, parent__review_status=ReviewStatus.APPROVED
)


def visible_products(*, variants: bool = True) -> QuerySet:
    """Every product a buyer may see, put in a basket or a quote list, or read in the API:
    never one of a vendor suspended now (checked in SQL when the queryset runs).

    ``variants=False``: parents and standalones only (listings), which have no parent to
    check, so their query needs no join."""
    return _visible_base(variants).all()


@functools.cache
def _visible_base(variants: bool) -> QuerySet:
    """The rule's queryset, built once per process and copied for each use (``.all()``; it is
    never read itself): building its conditions and the suspension subqueries took 1.6 ms, a
    copy takes 10 µs. Nothing in it is fixed at build time: "now" is the database's clock when
    the query runs."""
    from shop.credit.selectors import suspended_owner_q  # 暂停交易: its products leave the store

    if not variants:
        return Product.objects.filter(LISTED_Q, structure__in=[Product.STANDALONE, Product.PARENT]).exclude(
            suspended_owner_q()
        )
    return Product.objects.filter(LISTED_Q & PARENT_LISTED_Q).exclude(suspended_owner_q())


def visible_variants() -> QuerySet:
    """Variants to show under a parent that is itself visible (listings, the product page):
    the rule of ``visible_products`` less the parent check already made for their parent."""
    return Product.objects.filter(LISTED_Q, structure=Product.CHILD)


def visible_product(*, pk) -> object | None:
    """The visible product with ``pk`` (its parent loaded), or None: a product the caller cannot
    see is answered exactly like one that does not exist."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return visible_products().select_related("parent").filter(pk=pk).first()


def product_is_visible(product) -> bool:
    """The rule of ``visible_products`` for a loaded product (a variant reads its parent)."""
    if product is None or not (product.is_public and product.review_status == ReviewStatus.APPROVED):
        return False
    if product.parent_id is None:
        return True
    parent = product.parent
    return bool(parent.is_public and parent.review_status == ReviewStatus.APPROVED)


def browsable_products() -> QuerySet:
    """Products a buyer may see in listings: visible parents and standalones."""
    return visible_products(variants=False)


def _attach(instance, name: str, rows: list) -> None:
    """``rows`` as the prefetched ``instance.<name>.all()``, as ``prefetch_related`` leaves it."""
    cached = getattr(instance, name).all()
    cached._result_cache = rows
    cached._prefetch_done = True
    instance._prefetched_objects_cache[name] = cached


def attach_card_data(products: list, *, images: bool = True) -> None:
    """Load what a product card shows for ``products`` in three queries at most: their
    pictures, their public variants (only when one of them has variants) and every stock record
    of both. ``prefetch_related`` made four, the variants' query even when none had any, and
    spent more time building them than PostgreSQL spent answering (2 of 7 ms for 20 cards)."""
    products = [p for p in products if isinstance(p, Product)]
    if not products:
        return
    ids = [p.pk for p in products]
    parents = [p.pk for p in products if p.structure == Product.PARENT]
    variants = list(visible_variants().filter(parent_id__in=parents).order_by("pk")) if parents else []
    pictures: dict[int, list] = {pk: [] for pk in ids}
    if images:
        for image in ProductImage.objects.filter(product_id__in=ids).order_by("display_order", "pk"):
            pictures[image.product_id].append(image)
    records: dict[int, list] = {pk: [] for pk in [*ids, *(v.pk for v in variants)]}
    for record in StockRecord.objects.filter(product_id__in=list(records)).order_by("pk"):
        records[record.product_id].append(record)
    public_children: dict[int, list] = {pk: [] for pk in parents}
    for variant in variants:
        variant._prefetched_objects_cache = {}
        _attach(variant, "stockrecords", records[variant.pk])
        public_children[variant.parent_id].append(variant)
    for product in products:
        product._prefetched_objects_cache = getattr(product, "_prefetched_objects_cache", {})
        if images:
            _attach(product, "images", pictures[product.pk])
        _attach(product, "stockrecords", records[product.pk])
        product._prefetched_public_children = public_children.get(product.pk, [])


class CardQuerySet(QuerySet):
    """Products loaded with what their cards show (``attach_card_data``), whenever the
    queryset (or a slice or reordering of it) is read."""

    card_images = True

    def _clone(self):
        clone = super()._clone()
        clone.card_images = self.card_images
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._iterable_class is ModelIterable:
            attach_card_data(self._result_cache, images=self.card_images)


def with_listing_data(queryset: QuerySet, *, images: bool = True) -> QuerySet:
    """Everything a product card shows, loaded with the products: pictures (unless
    ``images=False``), stock records, and public variants with theirs (what the pricing
    strategy reads): no per-product query."""
    cards = queryset.select_related("product_class")._chain()
    cards.__class__ = CardQuerySet
    cards.card_images = images
    return cards


def shared_strategy():
    """The pricing strategy for shared (cached, user-independent) HTML."""
    return Selector().strategy()


def purchase_info(strategy, product):
    """The strategy's price and availability, for a parent from its children (as Oscar's
    ``purchase_info_for_product`` tag does)."""
    if product.is_parent:
        return strategy.fetch_for_parent(product)
    return strategy.fetch_for_product(product)


def with_purchase_info(products, strategy=None) -> list:
    """Attach ``purchase`` (the strategy's price and availability) to each product."""
    strategy = strategy or shared_strategy()
    products = list(products)
    for product in products:
        product.purchase = purchase_info(strategy, product)
    return products


def category_products(category) -> QuerySet:
    subtree = Category.objects.filter(path__startswith=category.path, is_public=True).values("pk")
    in_subtree = ProductCategory.objects.filter(category__in=subtree).values("product_id")
    return browsable_products().filter(pk__in_array=in_subtree)  # see lookups.InArray


class ProductPage:
    """A lazy page of products: nothing is queried until the template reads it.

    ``count_in_page``: the total comes with the page rows (``COUNT(*) OVER ()``), so a
    search that has to scan reads the table once, not once for the count and once for the
    page."""

    def __init__(
        self,
        queryset: QuerySet,
        number: int,
        per_page: int = PER_PAGE,
        count_queryset=None,
        count_in_page: bool = False,
    ):
        self.queryset = queryset
        self.count_queryset = count_queryset if count_queryset is not None else queryset
        self.count_in_page = count_in_page
        self.number = number
        self.per_page = per_page

    @cached_property
    def products(self) -> list:
        queryset = self.queryset
        if self.count_in_page:
            queryset = queryset.annotate(total_matches=Window(Count("pk")))
        start = (self.number - 1) * self.per_page
        return with_purchase_info(queryset[start : start + self.per_page])

    @cached_property
    def count(self) -> int:
        if self.count_in_page:
            if self.products:
                return self.products[0].total_matches
            if self.number == 1:
                return 0
        return self.count_queryset.count()

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def out_of_range(self) -> bool:
        return self.number > self.num_pages

    @property
    def page_range(self) -> list[int | None]:
        """Page numbers around the current one, ``None`` for a gap."""
        last = self.num_pages
        wanted = {1, last, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= last)
        out: list[int | None] = []
        for n in numbers:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


class ListingPage(ProductPage):
    """A page of a listing, chosen on narrow rows: one query picks the page's ids in the
    listing's order (PostgreSQL can read them from an index only, ``xh_product_browse_price``) and
    loads those products. Loading whole rows first read every product of a large filtered
    category (6,679 of 16,667 at 1,000,000 products) to keep 20."""

    def __init__(self, products: QuerySet, ordering, number: int, count: int | None = None):
        super().__init__(products.order_by(*ordering), number, count_queryset=products)
        self.ordering = ordering
        if count is not None:  # counted already (the category's facets read the selection)
            self.__dict__["count"] = count

    @cached_property
    def products(self) -> list:
        start = (self.number - 1) * self.per_page
        ids = self.queryset.values("pk")[start : start + self.per_page]
        return with_purchase_info(
            with_listing_data(Product.objects.filter(pk__in=ids)).order_by(*self.ordering)
        )


def product_listing_page(
    *, category=None, sort: str = "", page: int = 1, filters=None, count: int | None = None
) -> ProductPage:
    products = category_products(category) if category is not None else browsable_products()
    if filters is not None and filters.active:
        from shop.storefront.facets import apply_filters

        products = apply_filters(products, filters)
    return ListingPage(products, SORTS[clean_sort(sort)][1], page, count)


# --- categories ----------------------------------------------------------------------------


def top_categories() -> list:
    return list(Category.objects.filter(depth=1, is_public=True).order_by("path"))


def category_by_pk(pk: int):
    return Category.objects.filter(pk=pk).first()


def category_tree(category) -> list:
    """The category tree beside a category page, one query: every top-level category, and
    under the current one's branch each level down to its children. Each item is
    (category, depth, is_current, is_open)."""
    step = Category.steplen
    branch = [category.path[:i] for i in range(step, len(category.path) + 1, step)]
    q = Q(depth=1)
    for path in branch:
        q |= Q(path__startswith=path, depth=len(path) // step + 1)
    nodes = Category.objects.filter(q, is_public=True).order_by("path")
    return [(node, node.depth, node.pk == category.pk, node.path in branch) for node in nodes]


def category_context(category) -> dict:
    """Ancestors (breadcrumbs) and public children (sub-navigation): two queries."""
    step = Category.steplen
    ancestor_paths = [category.path[:i] for i in range(step, len(category.path), step)]
    ancestors = (
        list(Category.objects.filter(path__in=ancestor_paths).order_by("depth")) if ancestor_paths else []
    )
    children = list(
        Category.objects.filter(
            path__startswith=category.path, depth=category.depth + 1, is_public=True
        ).order_by("path")
    )
    return {"ancestors": ancestors, "children": children}


@dataclass
class HomeCategory:
    category: object
    product_count: int = 0
    price_low: Decimal | None = None
    price_high: Decimal | None = None
    products: list = field(default_factory=list)


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _browse_sql_parts() -> tuple[dict, str, list]:
    q = connection.ops.quote_name
    tables = {
        "pc": q(ProductCategory._meta.db_table),
        "c": q(Category._meta.db_table),
        "p": q(Product._meta.db_table),
        "sr": q(StockRecord._meta.db_table),
    }
    # visible_products(variants=False) in SQL (variants joined as ``ch`` follow visible_variants)
    where = "p.is_public AND p.review_status = %s AND p.structure IN (%s, %s) AND c.is_public"
    params = [ReviewStatus.APPROVED.value, Product.STANDALONE, Product.PARENT]
    return tables, where, params


def home_categories() -> list[HomeCategory]:
    """The top-level categories with product count, price range and a few products each.

    Seven queries whatever the catalogue size: categories, one aggregate, one windowed
    pick of the first products per category, those products with their stock records and
    public children with theirs (prices come from the pricing strategy)."""
    tops = top_categories()
    if not tops:
        return []
    step = Category.steplen
    tables, where, params = _browse_sql_parts()
    stats_sql = f"""
        SELECT substr(c.path, 1, {step}) AS top, COUNT(DISTINCT p.id),
               MIN(CASE WHEN p.quote_only OR ch.quote_only THEN NULL ELSE sr.price END),
               MAX(CASE WHEN p.quote_only OR ch.quote_only THEN NULL ELSE sr.price END)
        FROM {tables["pc"]} pc
        JOIN {tables["c"]} c ON c.id = pc.category_id
        JOIN {tables["p"]} p ON p.id = pc.product_id
        LEFT JOIN {tables["p"]} ch ON ch.parent_id = p.id AND ch.is_public AND ch.review_status = %s
        LEFT JOIN {tables["sr"]} sr ON sr.product_id = COALESCE(ch.id, p.id)
        WHERE {where}
        GROUP BY substr(c.path, 1, {step})
    """
    pick_sql = f"""
        SELECT top, id FROM (
            SELECT top, id, ROW_NUMBER() OVER (PARTITION BY top ORDER BY id) AS rn FROM (
                SELECT DISTINCT substr(c.path, 1, {step}) AS top, p.id AS id
                FROM {tables["pc"]} pc
                JOIN {tables["c"]} c ON c.id = pc.category_id
                JOIN {tables["p"]} p ON p.id = pc.product_id
                WHERE {where}
            ) d
        ) t WHERE rn <= %s ORDER BY top, rn
    """
    with connection.cursor() as cursor:
        cursor.execute(stats_sql, [ReviewStatus.APPROVED.value, *params])
        stats = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(pick_sql, [*params, HOME_PRODUCTS_PER_CATEGORY])
        picks = cursor.fetchall()
    ids = [pid for _, pid in picks]
    listed = with_listing_data(Product.objects.filter(pk__in=ids), images=False)
    products = {p.pk: p for p in with_purchase_info(listed)}
    by_top: dict[str, list] = {}
    for top, pid in picks:
        if pid in products:
            by_top.setdefault(top, []).append(products[pid])
    out = []
    for category in tops:
        count, low, high = stats.get(category.path, (0, None, None))
        out.append(
            HomeCategory(
                category=category,
                product_count=count,
                price_low=_decimal(low),
                price_high=_decimal(high),
                products=by_top.get(category.path, []),
            )
        )
    return out


# --- product page --------------------------------------------------------------------------


def product_by_pk(pk: int):
    from django.db.models import Exists, OuterRef

    from shop.credit.selectors import suspended_owner_q

    return (
        Product.objects.select_related("product_class", "parent", "parent__product_class")
        .annotate(owner_suspended=Exists(Product.objects.filter(suspended_owner_q(), pk=OuterRef("pk"))))
        .filter(pk=pk)
        .first()
    )


def product_is_viewable(product, *, staff: bool) -> bool:
    """The product page: staff see everything, buyers what ``product_is_visible`` allows and
    nothing of a vendor suspended (暂停交易) when the product was loaded (``product_by_pk``)."""
    if staff:
        return True
    return product_is_visible(product) and not getattr(product, "owner_suspended", False)


@dataclass
class Variant:
    product: object
    label: str
    specs: list
    purchase: object = None


@dataclass
class ProductDetail:
    """What the product page shows; model instances carry their prefetched relations, so the
    pricing strategy can run on them (per request, per user) without another query."""

    product: object
    base: object
    specs: list
    variants: list
    images: list
    categories: list
    breadcrumbs: list
    partner_names: list


def _attribute_values(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("attribute", "value_option")


def _prefetch_multi_options(values) -> None:
    """One query for multi-option values, none when there are none (the usual case)."""
    multi = [v for v in values if v.attribute.type == v.attribute.MULTI_OPTION]
    if multi:
        prefetch_related_objects(multi, "value_multi_option")


def _specs(values) -> list[tuple[str, str]]:
    rows = []
    for value in sorted(values, key=lambda v: (v.attribute.pk, v.attribute.code)):
        text = value.value_as_text
        if isinstance(value.value, bool):
            text = "是" if value.value else "否"
        if text not in (None, ""):
            rows.append((value.attribute.name, str(text)))
    return rows


def product_detail(product) -> ProductDetail:
    """Everything the product page shows, in a fixed number of queries (seven or eight)."""
    base = product.parent if product.is_child else product
    children = list(
        visible_variants()
        .filter(parent=base)
        .order_by("id")
        .prefetch_related(
            Prefetch("stockrecords", queryset=StockRecord.objects.select_related("partner").order_by("pk")),
            Prefetch("attribute_values", queryset=_attribute_values(ProductAttributeValue.objects.all())),
        )
    )
    for child in children:
        child.parent = base  # the strategy reads the parent's product class: no query
    base._prefetched_public_children = children
    if not base.is_parent:
        prefetch_related_objects(
            [base],
            Prefetch("stockrecords", queryset=StockRecord.objects.select_related("partner").order_by("pk")),
        )
    base_values = list(_attribute_values(base.attribute_values.all()))
    _prefetch_multi_options(base_values + [v for c in children for v in c.attribute_values.all()])
    images = list(base.images.order_by("display_order", "pk"))
    categories = list(base.categories.filter(is_public=True).order_by("path"))

    base_specs = _specs(base_values)
    variants = []
    for child in children:
        child_specs = _specs(child.attribute_values.all())
        label = child.title or " · ".join(v for _, v in child_specs) or base.title
        variants.append(Variant(product=child, label=label, specs=child_specs))

    shown = base
    specs = base_specs
    if product.is_child:
        variant = next((v for v in variants if v.product.pk == product.pk), None)
        if variant is not None:
            shown, child_specs = variant.product, variant.specs
        else:  # a non-public child, shown to staff only
            shown = product
            prefetch_related_objects([shown], "stockrecords__partner")
            child_values = list(_attribute_values(shown.attribute_values.all()))
            _prefetch_multi_options(child_values)
            child_specs = _specs(child_values)
        specs = list({**dict(base_specs), **dict(child_specs)}.items())

    breadcrumbs = []
    if categories:
        first = categories[0]
        step = Category.steplen
        paths = [first.path[:i] for i in range(step, len(first.path), step)]
        breadcrumbs = list(Category.objects.filter(path__in=paths).order_by("depth")) if paths else []
        breadcrumbs.append(first)

    if base.is_parent:
        records = [sr for child in children for sr in child.stockrecords.all()]
    else:
        records = list(shown.stockrecords.all())
    partner_names = sorted({sr.partner.display_name for sr in records})
    return ProductDetail(
        product=shown,
        base=base,
        specs=specs,
        variants=variants,
        images=images,
        categories=categories,
        breadcrumbs=breadcrumbs,
        partner_names=partner_names,
    )


def unique_crumbs(crumbs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Breadcrumbs naming each level once: where a level has the name of the next one (a
    category holding one product of the same name, a parent and its category), the more
    specific, later one stays."""
    out: list[tuple[str, str | None]] = []
    for name, url in crumbs:
        out = [crumb for crumb in out if crumb[0] != name]
        out.append((name, url))
    return out


def product_breadcrumbs(detail: ProductDetail) -> list[tuple[str, str | None]]:
    """The product page's trail below 首页: categories, the parent of a variant, the product
    (the last one without a link)."""
    crumbs = [(c.name, c.get_absolute_url()) for c in detail.breadcrumbs]
    if not crumbs:
        from django.urls import reverse

        crumbs = [("全部商品", reverse("catalogue:index"))]
    if detail.product.is_child:
        crumbs.append((detail.base.title, detail.base.get_absolute_url()))
    crumbs.append((detail.product.get_title(), None))
    return unique_crumbs(crumbs)


def price_product_detail(detail: ProductDetail, strategy) -> dict:
    """The strategy's purchase info for the page's product and each variant (no queries)."""
    for variant in detail.variants:
        variant.purchase = purchase_info(strategy, variant.product)
    buyable = [
        v
        for v in detail.variants
        if v.purchase.availability.is_available_to_buy and getattr(v.purchase.price, "exists", False)
    ]
    default = min(buyable, key=lambda v: (v.purchase.price.incl_tax, v.product.pk)) if buyable else None
    return {
        "purchase": purchase_info(strategy, detail.product),
        "default_variant_pk": default.product.pk if default else None,
    }
