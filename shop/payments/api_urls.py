"""API URLs, included under /api/ by shop.api.urls: the buyer's orders (``/api/orders/``)."""

from rest_framework.routers import SimpleRouter

from .api_views import OrderViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
