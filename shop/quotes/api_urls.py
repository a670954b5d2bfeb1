"""API URLs, included under /api/ by shop.api.urls."""

from rest_framework.routers import SimpleRouter

from .api import ProductViewSet, QuoteRequestViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("quote-requests", QuoteRequestViewSet, basename="quote-request")

urlpatterns = router.urls
