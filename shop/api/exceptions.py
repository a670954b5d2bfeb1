"""The API's one error contract (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).

Every error answers with the same JSON shape, documented in the OpenAPI schema as the
``Error`` component (``shop.api.schema``)::

    {"code": "conflict", "detail": "中文说明", "fields": {"field": ["中文说明"]}}

=======  ======================  ================================================================
status   code                    raised by
=======  ======================  ================================================================
400      ``invalid``             ``DomainError`` / ``Invalid``, DRF or Django ``ValidationError``
401/403  ``not_authenticated``   not signed in (DRF)
403      ``forbidden``           ``PermissionDenied`` (ours, Django's or DRF's)
404      ``not_found``           ``NotFound``, ``Http404``: no such object or not the caller's
405      ``method_not_allowed``  DRF
409      ``conflict``            ``Conflict`` / ``IllegalTransition``: not in the current state
429      ``throttled``           DRF throttles and ``shop.core.ratelimit``
=======  ======================  ================================================================

Views call services and let ``DomainError`` through; nothing maps errors per view.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from shop.core.exceptions import DomainError

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def error_body(*, code: str, detail, fields: dict | None = None) -> dict:
    """The one JSON shape of every API error."""
    return {"code": code, "detail": str(detail), "fields": fields or {}}


def _plain(value):
    """ErrorDetail trees -> plain strings, lists and dicts."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _first_message(value) -> str | None:
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    while isinstance(value, list | tuple) and value:
        value = value[0]
    return None if value is None or isinstance(value, list | tuple | dict) else str(value)


def _validation_body(detail) -> dict:
    """400: field errors under ``fields``; the first form-wide message (or a general one) is
    the ``detail``."""
    if not isinstance(detail, dict):
        detail = {NON_FIELD: detail if isinstance(detail, list) else [detail]}
    fields = _plain(detail)
    general = fields.pop(NON_FIELD, None)
    message = _first_message(general) or _first_message(fields) or _("提交的数据有误，请检查后重试。")
    if general and fields:
        message = _first_message(general)
    return error_body(code="invalid", detail=message, fields=fields)


def api_exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DomainError):
        status, body = exc.status, error_body(code=exc.code, detail=exc.message, fields=exc.fields)
    elif isinstance(exc, DjangoValidationError):
        status, body = 400, _validation_body(as_serializer_error(exc))
    elif isinstance(exc, drf.ValidationError):
        status, body = 400, _validation_body(exc.detail)
    elif isinstance(exc, Http404 | drf.NotFound):
        status, body = 404, error_body(code="not_found", detail=_("未找到该对象，或您无权查看。"))
    elif isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        # 401 with WWW-Authenticate for token clients, 403 for session ones (DRF decides)
        status = exc.status_code
        body = error_body(code="not_authenticated", detail=_("请先登录，或提供有效的访问令牌。"))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
    elif isinstance(exc, DjangoPermissionDenied | drf.PermissionDenied):
        status, body = 403, error_body(code="forbidden", detail=_("您无权执行此操作。"))
    elif isinstance(exc, drf.Throttled):
        status, body = 429, error_body(code="throttled", detail=_("请求过于频繁，请稍后再试。"))
        if exc.wait is not None:
            headers["Retry-After"] = str(max(int(exc.wait), 1))
    elif isinstance(exc, drf.ParseError):
        status, body = 400, error_body(code="invalid", detail=_("请求内容无法解析，请检查格式。"))
    elif isinstance(exc, drf.APIException):
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        code = "method_not_allowed" if isinstance(exc, drf.MethodNotAllowed) else str(exc.default_code)
        body = error_body(code=code, detail=detail)
    else:
        return None  # a bug: Django's 500 handling and logging
    # the request's transaction (ATOMIC_REQUESTS) keeps nothing of a refused change
    set_rollback()
    return Response(body, status=status, headers=headers)
