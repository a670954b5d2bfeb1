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
        register_approval_subject()
        order_status_changed.connect(on_order_status_changed, dispatch_uid="oem_order_status_changed")


def register_approval_subject() -> None:
    """A buying unit's acceptance of an OEM offer waits for the unit's approval: the buyers app
    asks this app for the offer's snapshot and hands back the outcome."""
    from shop.buyers.models import DocumentKind
    from shop.buyers.services import ApprovalSubject, register_subject

    from . import services

    register_subject(
        ApprovalSubject(
            kind=DocumentKind.OEM.value,
            snapshot=lambda subject_id: services.approval_snapshot(order_id=subject_id),
            on_approved=services.approval_accepted,
            on_ended=services.approval_ended,
            path=services.approval_path,
        )
    )


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
