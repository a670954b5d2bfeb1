from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultingConfig(AppConfig):
    name = "shop.consulting"
    label = "consulting"
    verbose_name = _("政企咨询服务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:consulting-list" for item in nav):
            nav.append(
                {
                    "label": _("咨询服务"),
                    "icon": "fas fa-comments",
                    "url_name": "dashboard:consulting-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
