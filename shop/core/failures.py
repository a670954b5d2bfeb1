"""Poison rows: a task failing on the same row again and again is stopped after
``TASK_MAX_FAILURES`` tries, the row marked failed with the reason, shown to operators, who
retry it. Used by ``ShopTask`` for every task whose first argument is a row id.

Every status change of a ``TaskFailure`` is a guarded transition with its audit event; the
failure count in between is bookkeeping."""

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from .access import is_operator
from .exceptions import DomainError, PermissionDenied
from .models import TASK_FAILURE_MOVES, TaskFailure, TaskFailureEvent
from .transitions import transition

log = logging.getLogger("shop.core.failures")
S = TaskFailure.Status


def _move(row: TaskFailure, to: str, *, kind: str, note: str = "", actor=None, extra=None) -> TaskFailure:
    return transition(
        obj=row,
        to=to,
        allowed=TASK_FAILURE_MOVES,
        labels=dict(S.choices),
        event_model=TaskFailureEvent,
        event_fk="failure",
        actor=actor,
        note=note[:1000],
        kind=kind,
        extra_updates=extra,
    )


def is_failed(*, task: str, object_id: int) -> bool:
    try:
        return TaskFailure.objects.filter(task=task, object_id=object_id, status=S.FAILED).exists()
    except DatabaseError:
        return False  # the task itself meets the outage and retries


def record_failure(*, task: str, object_id: int, error: BaseException) -> TaskFailure | None:
    """Count one failure of ``task`` on ``object_id``; at the cap, mark it failed."""
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    try:
        with transaction.atomic():
            row, _created = TaskFailure.objects.select_for_update().get_or_create(
                task=task, object_id=object_id, defaults={"first_failed_at": now}
            )
            if row.status == S.FAILED:
                return row
            if row.status == S.RESOLVED:
                row = _move(row, S.COUNTING, kind="failing_again", note=message, extra={"failure_count": 0})
            row.failure_count += 1
            row.last_error = message
            row.last_failed_at = now
            row.save(update_fields=["failure_count", "last_error", "last_failed_at"])
            if row.failure_count >= settings.TASK_MAX_FAILURES:
                row = _move(row, S.FAILED, kind="failed", note=message, extra={"failed_at": now})
                log.error(
                    "%s(%s) failed %s times, marked failed: %s", task, object_id, row.failure_count, message
                )
        return row
    except DatabaseError:
        log.warning("could not record the failure of %s(%s)", task, object_id, exc_info=True)
        return None


def clear_failures(*, task: str, object_id: int) -> None:
    """A success wipes the count of earlier (transient) failures of that row; a row an operator
    retried is marked resolved (its history stays)."""
    try:
        TaskFailure.objects.filter(task=task, object_id=object_id, status=S.COUNTING).delete()
        retried = TaskFailure.objects.filter(task=task, object_id=object_id, status=S.RETRIED).first()
        if retried is not None:
            _move(retried, S.RESOLVED, kind="resolved", note="重新处理成功。")
    except DatabaseError:
        pass


def task_failure_retry(*, failure_id: int, actor) -> TaskFailure:
    """An operator sends a failed row to its task again (the count starts over)."""
    from shop.celery import app

    from .enqueue import enqueue_on_commit

    if not is_operator(actor):
        raise PermissionDenied("只有平台运营人员可以重新处理失败的任务。")
    row = TaskFailure.objects.filter(pk=failure_id).first()
    if row is None:
        raise DomainError("该失败记录不存在。")
    app.loader.import_default_modules()  # every app's tasks.py, in a web process too
    task = app.tasks.get(row.task)
    if task is None:
        raise DomainError(f"任务“{row.task}”已不存在，无法重新处理。")
    with transaction.atomic():
        row = _move(
            row, S.RETRIED, kind="retried", actor=actor, note="运营人员重新处理。", extra={"failure_count": 0}
        )
        enqueue_on_commit(task, row.object_id)
    return row
