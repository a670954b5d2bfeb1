"""Periodic jobs of the shared mechanisms, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    "core-outbound-email-sweep": {
        "task": "core.outbound_email_sweep",
        "schedule": float(settings.SWEEP_INTERVAL_SECONDS),
    },
}
