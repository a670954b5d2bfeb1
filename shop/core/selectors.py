"""Reads of the shared mechanisms: what operators must look at (failed e-mails, failed tasks)."""

from .models import OutboundEmail, TaskFailure


def outbound_emails_for_operators(*, status: str = ""):
    """Outbox rows, newest first; failed ones only by default (the ones needing a person)."""
    rows = OutboundEmail.objects.all()
    return rows.filter(status=status or OutboundEmail.Status.FAILED)


def task_failures_for_operators(*, include_counting: bool = False):
    """Rows a task gave up on (``failed_at`` set); optionally also those still being retried."""
    rows = TaskFailure.objects.all()
    return rows if include_counting else rows.filter(failed_at__isnull=False)
