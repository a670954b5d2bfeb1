"""Celery tasks of sourcing: thin wrappers over the services (idempotent, ``acks_late``)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def sourcing_close_due() -> list[str]:
    return services.sourcing_close_due()
