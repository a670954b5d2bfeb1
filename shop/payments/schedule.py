"""Periodic payment jobs, merged into Celery beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    "payments-remind-unpaid-orders": {
        "task": "shop.payments.tasks.remind_unpaid_orders",
        "schedule": 15 * 60,
    },
    "payments-cancel-unpaid-orders": {
        "task": "shop.payments.tasks.cancel_unpaid_orders",
        "schedule": 60 * 60,
    },
    # idempotent (one PaymentReminder per stage and kind): hourly so a missed hour costs nothing
    "payments-remind-payables": {
        "task": "shop.payments.tasks.remind_payables",
        "schedule": 60 * 60,
    },
    "payments-sweep-stripe-events": {
        "task": "shop.payments.tasks.sweep_stripe_events",
        "schedule": settings.SWEEP_INTERVAL_SECONDS,
    },
}
