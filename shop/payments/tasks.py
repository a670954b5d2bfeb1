"""Celery tasks for payments: thin wrappers over services; ids in, idempotent, acks_late."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, ignore_result=True)
def process_stripe_event(event_id: int) -> str:
    from .services import stripe_event_process

    return stripe_event_process(event_id=event_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_stripe_events() -> int:
    """Re-enqueue webhook events stored but not processed (broker outage, killed worker)."""
    from .services import stripe_events_sweep

    return len(stripe_events_sweep(older_than_seconds=settings.SWEEP_INTERVAL_SECONDS))


@shared_task(acks_late=True, ignore_result=True)
def remind_unpaid_orders() -> int:
    from .services import unpaid_orders_remind

    return len(unpaid_orders_remind())


@shared_task(acks_late=True, ignore_result=True)
def cancel_unpaid_orders() -> int:
    from .services import unpaid_orders_cancel

    return len(unpaid_orders_cancel())


@shared_task(acks_late=True, ignore_result=True)
def remind_payables() -> int:
    """Payables after acceptance: 7 days before, on the day, overdue (each once)."""
    from .services import payables_remind

    return len(payables_remind())
