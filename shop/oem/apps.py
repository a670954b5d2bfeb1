from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OemConfig(AppConfig):
    name = "shop.oem"
    label = "oem"
    verbose_name = _("OEM定制")

    def ready(self):
        from oscar.apps.order.signals import order_status_changed

        from .receivers import on_order_status_changed

        add_dashboard_navigation()
        order_status_changed.connect(on_order_status_changed, dispatch_uid="oem_order_status_changed")


def add_dashboard_navigation() -> None:
    """The dashboard menu entry 'OEM定制' (vendors and operators; our URLs are not in Oscar's
    permission map, so the entry carries its own access_fn)."""
    from django.conf import settings

    from shop.core.access import nav_vendor_or_operator

    nav = settings.OSCAR_DASHBOARD_NAVIGATION
    if any(item.get("url_name") == "dashboard:oem-list" for item in nav):
        return
    nav.append(
        {
            "label": _("OEM定制"),
            "icon": "fas fa-industry",
            "url_name": "dashboard:oem-list",
            "access_fn": nav_vendor_or_operator,
        }
    )
