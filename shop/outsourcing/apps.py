from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutsourcingConfig(AppConfig):
    name = "shop.outsourcing"
    label = "outsourcing"
    verbose_name = _("人才开发外包")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        from . import receivers  # noqa: F401  (the order's cancellation ends a waiting engagement)

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:outsourcing-list" for item in nav):
            nav.append(
                {
                    "label": _("人才外包"),
                    "icon": "fas fa-user-tie",
                    "url_name": "dashboard:outsourcing-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
