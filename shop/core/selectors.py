"""Reads of the shared mechanisms: what operators must look at (failed e-mails, failed tasks)."""

from .models import OutboundEmail, TaskFailure


def outbound_emails_for_operators(*, status: str = ""):
    """Outbox rows, newest first; failed ones only by default (the ones needing a person)."""
    rows = OutboundEmail.objects.all()
    return rows.filter(status=status or OutboundEmail.Status.FAILED)


def task_failures_for_operators(*, status: str = ""):
    """Rows a task gave up on (failed) by default, or those in ``status``."""
    return TaskFailure.objects.filter(status=status or TaskFailure.Status.FAILED)
