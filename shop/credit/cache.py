"""The storefront and suspensions.

A suspension that starts or is lifted now bumps the storefront's catalogue version (every cached
page and fragment is rendered again, see ``shop.storefront.cache``). One that starts or ends
later needs no job: the moments at which suspensions change are kept in the cache, and the
storefront stores no page beyond the next of them (``seconds_to_next_change``)."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.db import transaction

CHANGES_KEY = "credit:suspension-changes"


def _store_changes() -> None:
    from .selectors import next_changes

    cache.set(CHANGES_KEY, next_changes(), timeout=None)


def suspensions_changed() -> None:
    """After a suspension was recorded or lifted: refresh the storefront now and after commit."""
    from shop.storefront.cache import catalogue_changed
    from shop.storefront.facetcounts import facets_changed

    catalogue_changed()
    facets_changed()  # which products are shown changed
    _store_changes()  # a rolled-back change leaves one moment too many: pages expire early, no harm
    transaction.on_commit(_store_changes)


def stored_changes() -> tuple[float, ...]:
    """The moments (Unix times) at which suspensions start or end, as last stored."""
    return tuple(cache.get(CHANGES_KEY) or ())


def seconds_to_next_change(
    *, now: float | None = None, changes: tuple[float, ...] | None = None
) -> int | None:
    """Whole seconds until the next start or end of a suspension (at least 1), or None.
    ``changes``: ``stored_changes()`` read earlier (a page reads them once, not per fragment)."""
    now = time.time() if now is None else now
    upcoming = [t for t in (stored_changes() if changes is None else changes) if t > now]
    if not upcoming:
        return None
    return max(1, math.ceil(min(upcoming) - now))


def capped_seconds(seconds: int, *, changes: tuple[float, ...] | None = None) -> int:
    """``seconds``, or less when a suspension starts or ends before they run out."""
    change = seconds_to_next_change(changes=changes)
    return seconds if change is None else min(seconds, change)
