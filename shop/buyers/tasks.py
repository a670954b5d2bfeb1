"""Celery tasks of buying units: thin wrappers over the services (idempotent, ``acks_late``)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def approvals_remind() -> list[str]:
    return services.approvals_remind()
