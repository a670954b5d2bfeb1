from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """The buyer-facing store: fast browse and search paths, page caching, template tags."""

    name = "shop.storefront"
    label = "storefront"
    verbose_name = _("商城前台")

    def ready(self):
        from . import receivers  # noqa: F401
