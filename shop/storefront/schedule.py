"""Periodic jobs of the storefront, merged into beat by shop.celery."""

SCHEDULE = {
    # after writes and stale reads the rebuild is enqueued at once; this catches what a broker
    # outage lost and counts that a suspension's start or end made out of date
    "storefront-rebuild-facet-counts": {"task": "storefront.rebuild_facet_counts", "schedule": 300.0},
}
