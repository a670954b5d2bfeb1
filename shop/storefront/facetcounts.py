"""Stored facet counts of each category: a category page, whole or filtered by price, shows
its brand, seller, price and specification counts without counting them.

Counting them is three queries over every product of the selection: at 1,000,000 products a
category holds tens of thousands, and its counts cost about 100 ms of SQL and as much Python
when nothing is cached. Stored, they cost one indexed read of one row.

- **What is stored** (``models``): per category, the ``facets.FacetData`` of the whole
  category and of each of its non-empty price ranges, counted by the same code a page uses
  when nothing is stored (``facets.facet_data``), so both give the same figures.
- **When they are used**: a page filtered by nothing or by price only, while the category's
  counts are current. Any other filter (brand, seller, specification) is counted as before.
- **Current**: each catalogue write that can change a category's counts adds one to its
  ``generation`` in the writer's own transaction (``facets_changed``, from the storefront's
  receivers and the bulk writers); counts stored at another generation are not read. A
  vendor's suspension that starts or ends later (products leave or come back with no write)
  ends their validity at that moment (``valid_until``).
- **Rebuilt** by the Celery task ``storefront.rebuild_facet_counts``: enqueued after a write
  commits and when a page finds counts out of date (at most one waiting at a time), and run by
  beat every few minutes as well. Counts of a category written to while they were being made
  are not stored (the generation is checked under a row lock); the next run makes them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, JSONField, OuterRef, Q, Subquery
from django.utils import timezone
from oscar.core.loading import get_model

from .facets import FacetData, Filters, apply_filters, facet_data
from .models import CategoryFacets, CategoryFacetSelection

logger = logging.getLogger(__name__)

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")

MANY_PRODUCTS = 500  # a change to more products than this marks every category
REBUILD_QUEUED_KEY = "sf:facet-counts:rebuild-queued"
REBUILD_QUEUED_SECONDS = 300  # a lost enqueue blocks another for at most this long (beat runs anyway)
REBUILD_DELAY_SECONDS = 2  # writes come in bursts (a product form saves several rows)


# --- reading -------------------------------------------------------------------------------


def _current(generation: int, built_generation: int | None, valid_until) -> bool:
    return built_generation == generation and (valid_until is None or valid_until > timezone.now())


def stored_facet_data(category_id: int, filters: Filters) -> FacetData | None:
    """The stored counts of the category under ``filters``, or None when the page must count
    them itself: another filter than price, or no current counts (a rebuild is then asked for).
    One query."""
    if filters.brand or filters.seller or filters.specs:
        return None
    selection = CategoryFacetSelection.objects.filter(facets_id=OuterRef("pk"), price=filters.price)
    rows = list(
        CategoryFacets.objects.filter(pk=category_id)
        .annotate(data=Subquery(selection.values("data")[:1], output_field=JSONField()))
        .values_list("data", "generation", "built_generation", "valid_until")[:1]
    )
    if rows and _current(*rows[0][1:]):
        data = rows[0][0]
        if data is not None:
            return FacetData.from_json(data)
        if filters.price:  # a range holding no product has no row
            return FacetData()
    transaction.on_commit(request_rebuild)  # at once outside a transaction (storefront pages)
    return None


# --- marking out of date -------------------------------------------------------------------


def _with_ancestors(paths: Iterable[str]) -> set[str]:
    """The paths of these categories and of every category above them (a category's counts
    include its subcategories' products)."""
    step = Category.steplen
    return {path[:end] for path in paths for end in range(step, len(path) + 1, step)}


def facets_changed(
    *, products: Iterable[int | None] | None = None, categories: Iterable[int] | None = None
) -> None:
    """Mark the counts of the categories of ``products`` (and of their parents) and of
    ``categories``, with the categories above them, out of date; with neither, every
    category's. Call it inside the transaction that writes."""
    paths: set[str] = set()
    if products is None and categories is None:
        CategoryFacets.objects.update(generation=F("generation") + 1)
    else:
        ids = {int(pk) for pk in products or () if pk}
        if len(ids) > MANY_PRODUCTS:
            facets_changed()
            return
        if ids:
            parents = Product.objects.filter(pk__in=ids, parent__isnull=False).values("parent_id")
            links = ProductCategory.objects.filter(Q(product_id__in=ids) | Q(product_id__in=parents))
            paths.update(links.values_list("category__path", flat=True).distinct())
        if categories:
            paths.update(Category.objects.filter(pk__in=set(categories)).values_list("path", flat=True))
        if not paths:
            return
        CategoryFacets.objects.filter(category__path__in=_with_ancestors(paths)).update(
            generation=F("generation") + 1
        )
    transaction.on_commit(request_rebuild)


# --- rebuilding ----------------------------------------------------------------------------


def request_rebuild() -> None:
    """Enqueue a rebuild unless one is already waiting. Never raises: when the cache or the
    broker is down, beat's run makes the counts later and pages count meanwhile."""
    from .tasks import rebuild_facet_counts

    try:
        if not cache.add(REBUILD_QUEUED_KEY, 1, REBUILD_QUEUED_SECONDS):
            return
        rebuild_facet_counts.apply_async(countdown=REBUILD_DELAY_SECONDS)
    except Exception:
        logger.warning("筛选统计的重建未能排队", exc_info=True)
        try:
            cache.delete(REBUILD_QUEUED_KEY)
        except Exception:
            pass


def _valid_until():
    from shop.credit.selectors import next_changes

    upcoming = next_changes()
    return datetime.fromtimestamp(upcoming[0], tz=UTC) if upcoming else None


def rebuild_category(category_id: int) -> bool:
    """Count the category's selections and store them, unless the category was written to
    meanwhile. Returns whether they were stored."""
    from .selectors import category_products

    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        return False
    state, _ = CategoryFacets.objects.get_or_create(category_id=category_id)
    generation = state.generation
    valid_until = _valid_until()  # before counting: a suspension starting meanwhile ends them
    products = category_products(category)
    whole = facet_data(products)
    selections = {"": whole}
    for key in whole.prices:
        selections[key] = facet_data(apply_filters(products, Filters(price=key)))
    with transaction.atomic():
        # a writer that marked the category holds its row until it commits: skipped, not waited
        # for (a bulk import holds every row for minutes), as the counts are out of date anyway
        unchanged = CategoryFacets.objects.select_for_update(skip_locked=True).filter(
            pk=category_id, generation=generation
        )
        if not unchanged.exists():
            return False
        CategoryFacetSelection.objects.filter(facets_id=category_id).delete()
        CategoryFacetSelection.objects.bulk_create(
            CategoryFacetSelection(facets_id=category_id, price=key, data=data.as_json())
            for key, data in selections.items()
        )
        unchanged.update(built_generation=generation, valid_until=valid_until, built_at=timezone.now())
    return True


def categories_to_rebuild() -> list[int]:
    """Categories without current counts, the smallest subtrees (deepest) first."""
    now = timezone.now()
    current = CategoryFacets.objects.filter(built_generation=F("generation")).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    return list(
        Category.objects.exclude(pk__in=current.values("category_id"))
        .order_by("-depth", "path")
        .values_list("pk", flat=True)
    )


def rebuild_stale(*, seconds: float | None = None, progress=None) -> dict:
    """Rebuild every category without current counts (within ``seconds``, when given; the
    rest is left to the next run). ``progress(done, total)`` is called after each category.
    Returns what was done."""
    cache.delete(REBUILD_QUEUED_KEY)  # writes from now on enqueue the next run
    started = time.monotonic()
    done = {"stored": 0, "changed_meanwhile": 0, "left": 0}
    pending = categories_to_rebuild()
    for index, category_id in enumerate(pending):
        if seconds is not None and time.monotonic() - started > seconds:
            done["left"] = len(pending) - index
            request_rebuild()
            break
        if rebuild_category(category_id):
            done["stored"] += 1
        else:
            done["changed_meanwhile"] += 1
        if progress is not None:
            progress(index + 1, len(pending))
    return done
