from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "shop.contracts"
    label = "contracts"
    verbose_name = _("采购合同")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        from . import receivers  # noqa: F401  (an award's order gets its contract draft)

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:contracts-list" for item in nav):
            nav.append(
                {
                    "label": _("采购合同"),
                    "icon": "fas fa-file-signature",
                    "url_name": "dashboard:contracts-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
