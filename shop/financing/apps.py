from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "shop.financing"
    label = "financing"
    verbose_name = _("规划融资与结算咨询")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:financing-list" for item in nav):
            nav.append(
                {
                    "label": _("融资申请"),
                    "icon": "fas fa-landmark",
                    "url_name": "dashboard:financing-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
