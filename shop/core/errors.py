"""The site's error pages (``handler400`` … ``handler500`` in shop/urls.py), in Chinese.

400, 403 and 404 are rendered with the request inside the storefront's layout (header,
search, categories, the visitor's account links). If the layout cannot be rendered (the
error came before the middleware set ``request.user``, or the cache or database fails), the
same text is shown in the plain page of ``errors/base.html``. 500 is always that plain page,
rendered with no request and no context: the error may be the database or the cache itself.
The database being down never gets here: ``DatabaseUnavailableMiddleware`` answers 503.
"""

import logging

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("shop.errors")


def _response(html: str, status: int) -> HttpResponse:
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _page(request, template: str, status: int, heading: str, text: str) -> HttpResponse:
    if not hasattr(request, "user"):  # refused before the authentication middleware ran
        request.user = AnonymousUser()
    try:
        return _response(render_to_string(template, {"request_path": request.path}, request=request), status)
    except Exception:
        logger.exception("error page %s rendered without the layout", status)
        return _response(
            render_to_string("errors/plain.html", {"code": status, "heading": heading, "text": text}), status
        )


def bad_request(request, exception=None):
    return _page(request, "400.html", 400, _("请求有误"), _("您提交的请求无法处理（格式不正确或不完整）。"))


def permission_denied(request, exception=None):
    return _page(request, "403.html", 403, _("无权访问"), _("您没有访问此页面的权限。"))


def page_not_found(request, exception=None):
    return _page(request, "404.html", 404, _("页面不存在"), _("您访问的页面不存在或已被删除。"))


def server_error(request=None):
    return _response(render_to_string("500.html"), 500)  # no request, no context processor
