"""Poison rows: a task failing on the same row again and again is stopped after
``TASK_MAX_FAILURES`` tries, the row marked failed with the reason, shown to operators, who
retry it. Used by ``ShopTask`` for every task whose first argument is a row id."""

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from .access import is_operator
from .exceptions import DomainError, PermissionDenied
from .models import TaskFailure

log = logging.getLogger("shop.core.failures")


def is_failed(*, task: str, object_id: int) -> bool:
    try:
        return TaskFailure.objects.filter(task=task, object_id=object_id, failed_at__isnull=False).exists()
    except DatabaseError:
        return False  # the task itself meets the outage and retries


def record_failure(*, task: str, object_id: int, error: BaseException) -> TaskFailure | None:
    """Count one failure of ``task`` on ``object_id``; past the cap, mark it failed."""
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    try:
        with transaction.atomic():
            row, _created = TaskFailure.objects.select_for_update().get_or_create(
                task=task, object_id=object_id, defaults={"first_failed_at": now}
            )
            row.failure_count = F("failure_count") + 1
            row.last_error = message
            row.last_failed_at = now
            row.save(update_fields=["failure_count", "last_error", "last_failed_at"])
            row.refresh_from_db()
            if row.failed_at is None and row.failure_count >= settings.TASK_MAX_FAILURES:
                row.failed_at = now
                row.save(update_fields=["failed_at"])
                log.error(
                    "%s(%s) failed %s times, marked failed: %s", task, object_id, row.failure_count, message
                )
        return row
    except DatabaseError:
        log.warning("could not record the failure of %s(%s)", task, object_id, exc_info=True)
        return None


def clear_failures(*, task: str, object_id: int) -> None:
    """A success wipes the count of earlier (transient) failures of that row."""
    try:
        TaskFailure.objects.filter(task=task, object_id=object_id, failed_at__isnull=True).delete()
    except DatabaseError:
        pass


def task_failure_retry(*, failure_id: int, actor) -> TaskFailure:
    """An operator sends a failed row to its task again (the count starts over)."""
    from celery import current_app

    from .enqueue import enqueue_on_commit

    if not is_operator(actor):
        raise PermissionDenied("只有平台运营人员可以重新处理失败的任务。")
    with transaction.atomic():
        row = TaskFailure.objects.select_for_update().filter(pk=failure_id).first()
        if row is None:
            raise DomainError("该失败记录不存在或已重新处理。")
        task = current_app.tasks.get(row.task)
        if task is None:
            raise DomainError(f"任务“{row.task}”已不存在，无法重新处理。")
        log.info("operator %s retries %s(%s)", actor.pk, row.task, row.object_id)
        row.delete()
        enqueue_on_commit(task, row.object_id)
    return row
