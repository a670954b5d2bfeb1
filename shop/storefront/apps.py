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

        from shop.core.usercache import prefetch_with_user

        from .cache import prefetch_keys

        prefetch_with_user(prefetch_keys)  # a buyer's page, version and header with the user's row

        import sys

        from .warmup import warm_search_wanted

        if warm_search_wanted(setting=getattr(settings, "STOREFRONT_WARM_SEARCH", "auto"), argv=sys.argv):
            # Loading jieba's dictionary takes a second or two: a web server does it while it
            # starts (each gunicorn worker imports the application), not on its first search.
            from .search import warm_up

            warm_up()
            from .warmup import freeze_what_is_loaded

            freeze_what_is_loaded()
