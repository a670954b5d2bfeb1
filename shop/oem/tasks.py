"""Celery tasks of the OEM domain: thin wrappers that take ids and call services.

All are ``acks_late`` (a killed worker leaves the message to be re-delivered) and idempotent
(the services check the database state under a row lock, so running twice = running once)."""

from celery import shared_task

from . import notifications, services
from .models import OemOrderEvent


@shared_task(name="oem.order_process", acks_late=True, reject_on_worker_lost=True)
def oem_order_process(order_id: int) -> None:
    """Feasibility review of a submitted order, then its pending e-mails."""
    services.oem_order_review(order_id=order_id)
    pending = OemOrderEvent.objects.filter(
        order_id=order_id, notified_at__isnull=True, kind__in=services.NOTIFY_KINDS
    ).values_list("pk", flat=True)
    for event_id in list(pending):
        notifications.oem_event_notify(event_id=event_id)


@shared_task(name="oem.event_notify", acks_late=True, reject_on_worker_lost=True)
def oem_event_notify(event_id: int) -> int:
    return notifications.oem_event_notify(event_id=event_id)


@shared_task(name="oem.sweep", acks_late=True)
def oem_sweep() -> dict:
    return services.oem_sweep()


@shared_task(name="oem.remind_pending_offers", acks_late=True)
def oem_remind_pending_offers() -> int:
    return services.oem_remind_pending_offers()


@shared_task(name="oem.warn_overdue", acks_late=True)
def oem_warn_overdue() -> int:
    return services.oem_warn_overdue()
