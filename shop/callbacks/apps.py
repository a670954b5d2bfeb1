from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "shop.callbacks"
    label = "callbacks"
    verbose_name = _("预约咨询")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:callback-list" for item in nav):
            nav.append(
                {
                    "label": _("预约咨询"),
                    "icon": "fas fa-phone",
                    "url_name": "dashboard:callback-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
