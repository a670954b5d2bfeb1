"""Periodic jobs of the quote flow, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    "quotes-expire": {"task": "shop.quotes.tasks.quotes_expire", "schedule": 300.0},
    "quotes-remind-vendors": {"task": "shop.quotes.tasks.quotes_remind_vendors", "schedule": 900.0},
    "quotes-sweep": {
        "task": "shop.quotes.tasks.quotes_sweep",
        "schedule": float(settings.SWEEP_INTERVAL_SECONDS),
    },
}
