from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's set-up as a script file of its own (CSP: no inline script)
    path("schema/browse/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="schema-browse"),
    path("", include("shop.quotes.api_urls")),
    path("", include("shop.oem.api_urls")),
    path("", include("shop.vendors.api_urls")),
    path("", include("shop.payments.api_urls")),
    path("", include("shop.buyers.api_urls")),
    path("", include("shop.sourcing.api_urls")),
]
