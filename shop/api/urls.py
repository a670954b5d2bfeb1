from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/browse/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="schema-browse"),
    path("", include("shop.quotes.api_urls")),
    path("", include("shop.oem.api_urls")),
    path("", include("shop.vendors.api_urls")),
    path("", include("shop.payments.api_urls")),
]
