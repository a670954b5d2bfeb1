import re

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", include("shop.core.urls")),  # load balancer: liveness and readiness
    path("admin/", admin.site.urls),
    path("api/", include("shop.api.urls")),
    path("quotes/", include("shop.quotes.urls")),
    path("oem/", include("shop.oem.urls")),
    path("vendors/", include("shop.vendors.urls")),
    path("payments/", include("shop.payments.urls")),
    path("buyers/", include("shop.buyers.urls")),
    path("", include("shop.sitepages.urls")),  # /pages/<slug>/ and /dashboard/site-pages/
    path("", include("shop.storefront.urls")),  # the home page
    path("", include(apps.get_app_config("oscar").urls[0])),
]

# Uploaded public media (product images …): served by Django under DEBUG and in make run
# (settings.SERVE_MEDIA in shop.settings.dev, DEBUG off); production serves them from object
# storage or the web server. Private uploads are outside MEDIA_ROOT and never served here.
if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Chinese error pages (DEBUG off): 400/403/404 inside the storefront's layout, 500 static.
handler400 = "shop.core.errors.bad_request"
handler403 = "shop.core.errors.permission_denied"
handler404 = "shop.core.errors.page_not_found"
handler500 = "shop.core.errors.server_error"
