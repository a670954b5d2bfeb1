from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """The buyer-facing store: fast browse and search paths, page caching, template tags."""

    name = "shop.storefront"
    label = "storefront"
    verbose_name = _("商城前台")

    def ready(self):
        from django.conf import settings

        from . import lookups, receivers  # noqa: F401
        from .personal import connect_receivers

        connect_receivers()

        if getattr(settings, "STOREFRONT_WARM_SEARCH", False):
            # Loading jieba's dictionary takes a second or two: do it before the first search.
            import threading

            from .search import warm_up

            threading.Thread(target=warm_up, name="jieba-warm-up", daemon=True).start()
