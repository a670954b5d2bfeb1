from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "shop.fulfilment"
    label = "fulfilment"
    verbose_name = _("交付与履约验收")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save

        from shop.core.access import nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:fulfilment-list" for item in nav):
            nav.append(
                {
                    "label": _("交付与验收"),
                    "icon": "fas fa-truck",
                    "url_name": "dashboard:fulfilment-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )

        # an OEM order's last milestone (已发货) is a delivery of its shop order, accepted here
        from shop.oem.models import OemOrderEvent

        from .receivers import on_oem_event_saved

        post_save.connect(on_oem_event_saved, sender=OemOrderEvent, dispatch_uid="fulfilment-oem-shipped")
