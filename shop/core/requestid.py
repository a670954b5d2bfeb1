"""One id per request, in every log line the request causes, also in the worker.

- ``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes ``X-Request-ID`` from a trusted proxy
  (``settings.TRUSTED_PROXIES``, as shop.core.ratelimit reads them) when it is a sane token,
  or makes a new one (32 hex digits); the id goes on the response's ``X-Request-ID`` header
  and into a context variable for the time of the request. A client that is not a trusted
  proxy cannot choose its id.
- ``RequestIdFilter`` (on the log handlers, ``LOGGING``) gives every record ``request_id``
  (``-`` outside a request or task).
- ``JsonFormatter``: one JSON object per line, chosen by ``LOG_FORMAT=json``; plain text
  otherwise.
- Celery (connected in shop/celery.py): a task sent while the variable is set carries the id
  in its message headers (``before_task_publish``); the worker sets the variable while the
  task runs (``task_prerun``) and clears it after (``task_postrun``), so the worker's lines of
  a task started by a web request show that request's id, and so do the tasks it sends.
"""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings

HEADER = "X-Request-ID"
TASK_HEADER = "xh_request_id"  # the task message header carrying the id
_TOKEN_ATTR = "_xh_request_id_token"
_VALID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request or task being handled, None outside one."""
    return _current.get()


def new_request_id() -> str:
    return os.urandom(16).hex()  # 32 hex digits, 128 random bits


def _from_trusted_proxy(request) -> str | None:
    given = request.META.get("HTTP_X_REQUEST_ID")
    if not given:
        return None
    from .ratelimit import is_trusted_proxy

    given = given.strip()
    if not given or not _VALID.fullmatch(given):
        return None
    if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
        return None
    return given


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _from_trusted_proxy(request) or new_request_id()
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


# --- logging ----------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record (``-`` when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or "-"
        return True


def _record_id(record: logging.LogRecord) -> str | None:
    request_id = getattr(record, "request_id", None)
    if not request_id or request_id == "-":
        return _current.get()
    return request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the task's
    name and id in a worker, the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _record_id(record),
        }
        for field in ("task_name", "task_id"):
            value = getattr(record, field, None)
            if value and value != "???":
                data[field] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def json_logs() -> bool:
    return getattr(settings, "LOG_FORMAT", "plain") == "json"


# --- Celery -------------------------------------------------------------------------------------


def put_into_task_headers(sender=None, headers=None, **kwargs) -> None:
    """``before_task_publish``: the current id rides along in the task's message headers."""
    request_id = _current.get()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


def task_started(sender=None, task=None, **kwargs) -> None:
    """``task_prerun``: the id the task was sent with is the current one while it runs (an eager
    task, run inside the request, keeps the request's)."""
    if task is None:
        return
    request_id = getattr(task.request, TASK_HEADER, None)
    if request_id is None and getattr(task.request, "is_eager", False):
        request_id = _current.get()
    setattr(task.request, _TOKEN_ATTR, _current.set(request_id))


def task_finished(sender=None, task=None, **kwargs) -> None:
    """``task_postrun``: back to the id before the task (none in a worker)."""
    token = getattr(task.request, _TOKEN_ATTR, None) if task is not None else None
    try:
        if token is None:
            raise ValueError("no token")
        _current.reset(token)
    except ValueError:  # another context, or prerun did not run: just clear it
        _current.set(None)


def worker_logging(logger=None, **kwargs) -> None:
    """``after_setup_logger`` / ``after_setup_task_logger``: the worker's handlers get
    ``request_id`` (its formats, ``CELERY_WORKER_LOG_FORMAT`` / ``…_TASK_LOG_FORMAT``, show it)
    and, with ``LOG_FORMAT=json``, write JSON lines."""
    if logger is None:
        return
    for handler in logger.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        if json_logs():
            handler.setFormatter(JsonFormatter())
