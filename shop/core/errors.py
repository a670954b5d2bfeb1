"""The site's error pages (``handler400`` … ``handler500`` in shop/urls.py), in Chinese.

400, 403 and 404 are rendered with the request inside the storefront's layout (header,
search, categories, the visitor's account links). If the layout cannot be rendered (the
error came before the middleware set ``request.user``, or the cache or database fails), the
same text is shown in the plain page of ``errors/base.html``. 500 is always that plain page,
rendered with no request and no context: the error may be the database or the cache itself.
The database being down never gets here: ``DatabaseUnavailableMiddleware`` answers 503.

Under ``/api/`` every one of them is the API's JSON error instead (``shop.api.exceptions``),
so a client sees one error shape also for an unknown route or a server error. A refused CSRF
check is the 403 page with its own explanation (``CSRF_FAILURE_VIEW``). A ``DomainError`` that
a page's view did not catch is its status and message in the layout (``DomainErrorMiddleware``).
"""

import logging

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .exceptions import DomainError

logger = logging.getLogger("shop.errors")


def _response(html: str, status: int) -> HttpResponse:
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


API_PREFIX = "/api/"


def _api_error(status: int, code: str, detail: str) -> JsonResponse:
    from shop.api.exceptions import error_body

    return JsonResponse(
        error_body(code=code, detail=detail), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _page(
    request, template: str, status: int, heading: str, text: str, extra: dict | None = None
) -> HttpResponse:
    if not hasattr(request, "user"):  # refused before the authentication middleware ran
        request.user = AnonymousUser()
    try:
        context = {"request_path": request.path, **(extra or {})}
        return _response(render_to_string(template, context, request=request), status)
    except Exception:
        logger.exception("error page %s rendered without the layout", status)
        return _response(
            render_to_string("errors/plain.html", {"code": status, "heading": heading, "text": text}), status
        )


def _is_api(request) -> bool:
    return request is not None and request.path.startswith(API_PREFIX)


def bad_request(request, exception=None):
    if _is_api(request):
        return _api_error(400, "invalid", _("请求无法处理（格式不正确或不完整）。"))
    return _page(request, "400.html", 400, _("请求有误"), _("您提交的请求无法处理（格式不正确或不完整）。"))


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_error(403, "forbidden", _("您无权执行此操作。"))
    return _page(request, "403.html", 403, _("无权访问"), _("您没有访问此页面的权限。"))


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(404, "not_found", _("未找到该对象，或您无权查看。"))
    return _page(request, "404.html", 404, _("页面不存在"), _("您访问的页面不存在或已被删除。"))


def csrf_failure(request, reason=""):
    """A refused CSRF check (settings.CSRF_FAILURE_VIEW): usually a page left open too long."""
    text = _("页面已过期或安全校验（CSRF）未通过，您的提交没有保存。请刷新页面后重新提交。")
    if _is_api(request):
        return _api_error(403, "forbidden", text)
    return _page(request, "403.html", 403, _("安全校验未通过"), text, {"csrf_failed": True})


def server_error(request=None):
    if _is_api(request):
        return _api_error(500, "server_error", _("服务器内部错误，请稍后再试。"))
    return _response(render_to_string("500.html"), 500)  # no request, no context processor


def domain_error(request, exc) -> HttpResponse:
    """A ``DomainError`` no view caught: its status and its Chinese message, never a 500."""
    if _is_api(request):
        from shop.api.exceptions import error_body

        return JsonResponse(
            error_body(code=exc.code, detail=exc.message, fields=exc.fields),
            status=exc.status,
            json_dumps_params={"ensure_ascii": False},
        )
    if exc.status == 404:
        return page_not_found(request, exc)
    heading = {403: _("无权操作"), 409: _("当前状态不允许此操作")}.get(exc.status, _("无法完成操作"))
    return _page(
        request,
        "errors/domain.html",
        exc.status,
        heading,
        str(exc.message),
        {"heading": heading, "message": exc.message, "status": exc.status},
    )


class DomainErrorMiddleware:
    """A ``DomainError`` that a page's view let through is answered by ``domain_error`` with its
    status (400, 403, 404, 409) and Chinese message, never a 500. The request's transaction
    (ATOMIC_REQUESTS) is already rolled back when this runs: nothing of it is kept. API views
    map their errors themselves (shop.api.exceptions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        logger.info(
            "domain error not handled by the view: %s %s: %s", request.method, request.path, exception
        )
        return domain_error(request, exception)
