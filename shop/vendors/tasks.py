"""Vendor tasks: they take ids, are safe to run twice and are enqueued after commit."""

from celery import shared_task

from shop.core.tasks import ShopTask

from . import importer, services


@shared_task(
    name="vendors.send_application_decision_email",
    acks_late=True,
    autoretry_for=(OSError, *ShopTask.autoretry_for),
    retry_backoff=True,
    max_retries=5,
)
def send_application_decision_email(application_id: int) -> bool:
    """E-mail the applicant the approval or rejection (once per decision)."""
    return services.vendor_application_notify(application_id=application_id)


@shared_task(name="vendors.run_product_import", acks_late=True)
def run_product_import(import_id: int) -> None:
    """Validate and import a vendor's product file row by row (rows already done are skipped)."""
    importer.product_import_run(import_id=import_id)


@shared_task(name="vendors.sweep", acks_late=True)
def sweep() -> dict:
    """Re-enqueue what a broker outage or a killed worker left behind."""
    return services.vendors_sweep()
