"""Celery tasks of the quote flow: thin wrappers taking ids; the work is in services.

All are ``acks_late`` and idempotent (the services check state under ``select_for_update``);
the PDF and e-mail steps retry with a cap, counted on the row, and end as ``failed``."""

from celery import shared_task

from . import services


def _step_task(name: str, run):
    """A PDF / e-mail step: retried with back-off while the service asks for it (raises)."""

    def task(self, pk: int) -> str:
        try:
            return run(pk)
        except Exception as exc:
            raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries))

    task.__name__ = task.__qualname__ = name
    return shared_task(name=f"shop.quotes.tasks.{name}", bind=True, acks_late=True, max_retries=10)(task)


@shared_task(acks_late=True)
def quote_request_process(quote_request_id: int) -> str:
    return services.quote_request_process(quote_request_id=quote_request_id)


vendor_quote_render_pdf = _step_task(
    "vendor_quote_render_pdf", lambda pk: services.vendor_quote_render_pdf(vendor_quote_id=pk)
)
vendor_quote_mail_vendor = _step_task(
    "vendor_quote_mail_vendor", lambda pk: services.vendor_quote_mail_vendor(vendor_quote_id=pk)
)
quote_request_mail_buyer = _step_task(
    "quote_request_mail_buyer", lambda pk: services.quote_request_mail_buyer(quote_request_id=pk)
)
vendor_quote_event_notify = _step_task(
    "vendor_quote_event_notify", lambda pk: services.vendor_quote_event_notify(event_id=pk)
)


@shared_task(acks_late=True)
def quotes_expire() -> dict:
    return services.quotes_expire()


@shared_task(acks_late=True)
def quotes_remind_vendors() -> int:
    return services.quotes_remind_vendors()


@shared_task(acks_late=True)
def quotes_sweep() -> dict:
    return services.quotes_sweep()
