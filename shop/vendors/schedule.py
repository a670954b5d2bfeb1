"""Periodic vendor jobs, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    "vendors-sweep": {"task": "vendors.sweep", "schedule": float(settings.SWEEP_INTERVAL_SECONDS)},
}
