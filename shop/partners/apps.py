from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "shop.partners"
    label = "partners"
    verbose_name = _("合作伙伴")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_operator_only

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:partner-application-list" for item in nav):
            nav.append(
                {
                    "label": _("合作伙伴申请"),
                    "icon": "fas fa-handshake",
                    "url_name": "dashboard:partner-application-list",
                    "access_fn": nav_operator_only,
                }
            )
