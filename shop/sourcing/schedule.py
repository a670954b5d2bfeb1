"""Periodic jobs of sourcing, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    # opens each 询价 and closes each 竞价 at its deadline (within this many seconds)
    "sourcing-close-due": {
        "task": "shop.sourcing.tasks.sourcing_close_due",
        "schedule": float(getattr(settings, "SOURCING_CLOSE_CHECK_SECONDS", 10)),
    },
}
