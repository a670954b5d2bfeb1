"""Celery tasks of consulting: thin wrappers over the services (idempotent, ``acks_late``)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def engagements_sync() -> list[str]:
    return services.engagements_sync()
