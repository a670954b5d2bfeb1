from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("shop.api.urls")),
    path("quotes/", include("shop.quotes.urls")),
    path("oem/", include("shop.oem.urls")),
    path("vendors/", include("shop.vendors.urls")),
    path("payments/", include("shop.payments.urls")),
    path("", include("shop.storefront.urls")),  # the home page
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
