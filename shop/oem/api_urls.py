"""API URLs, included under /api/ by shop.api.urls."""

from rest_framework.routers import SimpleRouter

from .api_views import OemOrderViewSet

router = SimpleRouter()
router.register("oem-orders", OemOrderViewSet, basename="oem-order")

urlpatterns = router.urls
