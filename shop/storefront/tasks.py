"""Storefront tasks: the stored facet counts of the categories (``facetcounts``)."""

from celery import shared_task

from . import facetcounts

REBUILD_SECONDS = 240  # one run's share; what is left is enqueued again


@shared_task(name="storefront.rebuild_facet_counts", acks_late=True, ignore_result=True)
def rebuild_facet_counts() -> dict:
    """Count and store the facets of every category whose stored counts are out of date."""
    return facetcounts.rebuild_stale(seconds=REBUILD_SECONDS)
