"""The one way the project hands work to Celery.

The database is the source of truth: a row is saved first, its task is sent after the
transaction commits (``enqueue_on_commit``) and a broker outage is logged, never raised, so
the user still gets their page. Every kind of enqueued work has a beat sweep that finds rows
left unprocessed from database timestamps and sends them again (``sweep_enqueue``); sweeps
leave alone rows an operator has to look at first (``TaskFailure`` marked failed)."""

import logging

from django.db import transaction

log = logging.getLogger("shop.core.enqueue")

# One quick retry, then give up: the request must answer, the sweep will send it later.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue_now(task, *args) -> bool:
    """Send ``task(*args)`` at once. False (logged) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, retry=True, retry_policy=RETRY_POLICY)
    except Exception:
        log.warning("could not enqueue %s%r; the sweep will retry", task.name, args, exc_info=True)
        return False
    return True


class _SendOnCommit:
    """The on-commit hook of one enqueue (named after its task, so it reads well in logs)."""

    def __init__(self, task, args: tuple):
        self.task, self.args = task, args
        self.task_name = task.name
        self.__qualname__ = f"enqueue_on_commit[{task.name}]"

    def __call__(self):
        enqueue_now(self.task, *self.args)


def enqueue_on_commit(task, *args) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside one).
    A rolled-back transaction sends nothing; a broker error is logged, never raised."""
    transaction.on_commit(_SendOnCommit(task, args))


def exclude_failed(queryset, *, task):
    """``queryset`` without the rows ``task`` has given up on (operators retry those)."""
    from .models import TaskFailure

    failed = TaskFailure.objects.filter(task=task.name, status=TaskFailure.Status.FAILED).values("object_id")
    return queryset.exclude(pk__in=failed)


def sweep_enqueue(task, queryset, *, limit: int = 500) -> list[int]:
    """The sweep step shared by every app: the ids of ``queryset`` (rows left unprocessed),
    minus the ones marked failed, sent to ``task`` after commit. Returns the ids."""
    ids = list(exclude_failed(queryset, task=task).order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in ids:
        enqueue_on_commit(task, pk)
    return ids
