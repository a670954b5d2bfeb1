"""One log line when the database goes away, one when it is back — per process.

During a database outage every request and every task meets the same ``OperationalError``;
logging each with its traceback buried a 20-second stop under ~600 tracebacks. Here the
first database error of a process starts an outage and logs one ERROR line; further errors
only count; the first new connection that succeeds afterwards (Django's
``connection_created`` signal) logs one WARNING line with the outage's length and how many
requests or tasks met it. ``QuietDatabaseErrors`` is a logging filter that drops the
per-request / per-retry records of database errors from ``django.request`` and Celery's
tracer, which this summary replaces."""

from __future__ import annotations

import logging
import threading
import time

from django.db.backends.signals import connection_created

logger = logging.getLogger("shop.outage")

_lock = threading.Lock()
_state = {"since": None, "count": 0}


def database_error(*, where: str, exc: BaseException) -> None:
    """Count a database error; the first of an outage is logged as one line."""
    with _lock:
        _state["count"] += 1
        first = _state["since"] is None
        if first:
            _state["since"] = time.monotonic()
    if first:
        logger.error(
            "数据库不可用，开始于 %s：%s", where, str(exc).strip().splitlines()[0] if str(exc) else exc
        )


def database_back() -> None:
    with _lock:
        since, count = _state["since"], _state["count"]
        _state["since"], _state["count"] = None, 0
    if since is not None:
        logger.warning(
            "数据库已恢复：中断约 %.0f 秒，期间 %d 次请求或任务遇到数据库错误",
            time.monotonic() - since,
            count,
        )


def in_outage() -> bool:
    return _state["since"] is not None


def _connected(sender, connection, **kwargs):
    if _state["since"] is not None:
        database_back()


def _task_retry(sender=None, reason=None, **kwargs):
    from .middleware import is_database_error

    if reason is not None and is_database_error(reason):
        database_error(where=f"task {getattr(sender, 'name', sender)}", exc=reason)


def install() -> None:
    """Called once from ``CoreConfig.ready``: watch connections and task retries, and quiet
    the per-request and per-retry records that the outage lines replace."""
    from celery.signals import task_retry

    connection_created.connect(_connected, dispatch_uid="xh_outage_connection_created")
    task_retry.connect(_task_retry, dispatch_uid="xh_outage_task_retry", weak=False)
    for name in ("django.request", "celery.app.trace"):
        log = logging.getLogger(name)
        if not any(isinstance(f, QuietDatabaseErrors) for f in log.filters):
            log.addFilter(QuietDatabaseErrors())


class QuietDatabaseErrors(logging.Filter):
    """Drop log records about a database error (their exception, or a Celery retry naming
    one): ``shop.outage`` logs the outage once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .middleware import is_database_error

        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_database_error(exc):
            return False
        if getattr(record, "status_code", None) == 503:
            return False
        message = record.getMessage() if record.args else str(record.msg)
        return not ("Retry in" in message and ("OperationalError" in message or "InterfaceError" in message))
