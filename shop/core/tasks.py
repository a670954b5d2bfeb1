"""The base class of every Celery task in the project (set as the app's ``task_cls``), and the
outbox's tasks (``shop.core.mail``).

A database outage must never ack a task away: any task that hits
``OperationalError``/``InterfaceError`` is retried with exponential backoff (up to about half
an hour), and beat's sweeps re-enqueue whatever is still unprocessed after that.

Any other error is a property of the row, not of the moment: a task whose first argument is
an id and that fails on it ``TASK_MAX_FAILURES`` times (``shop.core.failures``) marks the row
failed; from then on the task skips it and the sweeps leave it alone (no crash loop) until an
operator retries it from the dashboard."""

from celery import Task, shared_task
from celery.exceptions import Ignore, Reject, Retry
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)


def _row_id(args) -> int | None:
    if args and isinstance(args[0], int) and not isinstance(args[0], bool):
        return args[0]
    return None


class ShopTask(Task):
    autoretry_for = TRANSIENT
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    retry_kwargs = {"max_retries": 30}
    acks_late = True

    def __call__(self, *args, **kwargs):
        from . import failures

        object_id = _row_id(args)
        if object_id is not None and failures.is_failed(task=self.name, object_id=object_id):
            return None  # given up on: an operator has to look at it first
        try:
            result = super().__call__(*args, **kwargs)
        except (Retry, Ignore, Reject, *TRANSIENT):
            raise
        except Exception as exc:
            if object_id is not None:
                failures.record_failure(task=self.name, object_id=object_id, error=exc)
            raise
        if object_id is not None:
            failures.clear_failures(task=self.name, object_id=object_id)
        return result


@shared_task(
    name="core.outbound_email_send",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=None,
)
def outbound_email_send(self, email_id: int) -> str:
    """Send one outbox row; an SMTP error is retried with back-off (the row counts the tries
    and ends ``failed`` at ``MAIL_MAX_ATTEMPTS``)."""
    from .mail import MailSendFailed
    from .mail import outbound_email_send as send

    try:
        return send(email_id=email_id)
    except MailSendFailed as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries))


@shared_task(name="core.outbound_email_sweep", acks_late=True, ignore_result=True)
def outbound_email_sweep() -> int:
    from .mail import outbound_email_sweep as sweep

    return len(sweep())
