"""Periodic jobs of consulting, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    # an engagement follows its report delivered or inspected on the order's own pages
    "consulting-engagements-sync": {
        "task": "shop.consulting.tasks.engagements_sync",
        "schedule": float(getattr(settings, "CONSULTING_SYNC_SECONDS", 60)),
    },
}
