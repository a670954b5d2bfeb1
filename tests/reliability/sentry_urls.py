"""The site's routes plus ``/__raise__/``, a view that fails (the Sentry report test only)."""

from django.urls import path

from shop import urls as site

BOOM = "测试异常：报告给 Sentry"


def raising_view(request):
    raise RuntimeError(BOOM)


urlpatterns = [path("__raise__/", raising_view), *site.urlpatterns]
handler400, handler403, handler404, handler500 = (
    site.handler400,
    site.handler403,
    site.handler404,
    site.handler500,
)
