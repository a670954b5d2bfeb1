from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitePagesConfig(AppConfig):
    name = "shop.sitepages"
    label = "sitepages"
    verbose_name = _("站点页面")

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_operator_only

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "sitepages:dashboard-list" for item in nav):
            nav.append(
                {
                    "label": _("站点页面"),
                    "icon": "fas fa-file-alt",
                    "url_name": "sitepages:dashboard-list",
                    "access_fn": nav_operator_only,
                }
            )
