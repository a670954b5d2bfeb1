from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "shop.credit"
    label = "credit"
    verbose_name = _("供应商评价与信用")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_operator_only

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:credit-list" for item in nav):
            nav.append(
                {
                    "label": _("供应商信用"),
                    "icon": "fas fa-user-shield",
                    "url_name": "dashboard:credit-list",
                    "access_fn": nav_operator_only,
                }
            )
