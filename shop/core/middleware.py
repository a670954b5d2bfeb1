"""Fail plainly when the database (or the object storage) is down.

``DatabaseUnavailableMiddleware`` turns ``django.db.OperationalError`` / ``InterfaceError``
(PostgreSQL stopped, connection dropped) into the static ``503.html`` page with a
``Retry-After`` header. The page is rendered without a request context, so no context
processor, session, user or basket touches the database while it is down.

Exceptions raised in a view reach ``process_exception``. Exceptions raised in another
middleware (a session save, the basket) are turned into a 500 response by Django before they
get here; ``got_request_exception`` marks such a request and ``__call__`` swaps the 500 for the
503 page. Object storage that cannot be reached (``STORAGE_BACKEND=s3``) gets the same page
from ``process_exception``. Place the middleware right after the header middleware (security,
CSP) so the 503 page still carries every security header.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from . import outage

DB_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_xh_database_unavailable"


def is_database_error(exc: BaseException | None) -> bool:
    """True for a database connection error, also when wrapped by another exception."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DB_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def is_storage_error(exc: BaseException | None) -> bool:
    """True when object storage (``STORAGE_BACKEND=s3``) cannot be reached: the same 503 page
    (the request's transaction is rolled back, so a submission is not saved)."""
    if getattr(settings, "STORAGE_BACKEND", "local") != "s3":
        return False
    from .s3 import is_unavailable

    return is_unavailable(exc)


def database_unavailable_response(request=None) -> HttpResponse:
    """The static 503 page. A POST is told plainly that *this* submission was not saved and
    can be sent again (nothing of it reached the database)."""
    submitted = request is not None and request.method == "POST"
    html = render_to_string("503.html", {"submitted": submitted})
    response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "DENY"  # set here: the clickjacking middleware sits further in
    return response


def _mark_request(sender, request=None, **kwargs):
    exc = sys.exc_info()[1]
    if request is not None and is_database_error(exc):
        setattr(request, _MARK, True)
        outage.database_error(where=f"{request.method} {request.path}", exc=exc)


got_request_exception.connect(_mark_request, dispatch_uid="xh_database_unavailable_mark")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if is_database_error(exception):
            outage.database_error(where=f"{request.method} {request.path}", exc=exception)
            return database_unavailable_response(request)
        if is_storage_error(exception):
            logging.getLogger("shop.storage").warning(
                "file storage unavailable: %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable_response(request)
        return None
