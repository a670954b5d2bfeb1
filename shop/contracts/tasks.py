"""Celery tasks of contracts: thin wrappers over the services (ids in, idempotent, ``acks_late``)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def contract_version_render(version_id: int) -> str:
    version = services.contract_version_render(version_id=version_id)
    return version.pdf_sha256 if version is not None else ""


@shared_task(acks_late=True)
def contract_notices_publish() -> list[str]:
    return services.contract_notices_publish()


@shared_task(acks_late=True)
def contracts_sweep() -> dict:
    return services.contracts_sweep()
