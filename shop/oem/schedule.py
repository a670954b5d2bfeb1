"""Periodic OEM jobs, merged into beat by shop.celery. Short intervals, no long countdowns:
each job reads DB timestamps to decide what is due, so missing a run only delays it."""

from django.conf import settings

SCHEDULE = {
    "oem-sweep": {
        "task": "oem.sweep",
        "schedule": float(settings.SWEEP_INTERVAL_SECONDS),
    },
    "oem-remind-pending-offers": {
        "task": "oem.remind_pending_offers",
        "schedule": float(getattr(settings, "OEM_REMINDER_CHECK_SECONDS", 900)),
    },
    "oem-warn-overdue": {
        "task": "oem.warn_overdue",
        "schedule": float(getattr(settings, "OEM_REMINDER_CHECK_SECONDS", 900)),
    },
}
