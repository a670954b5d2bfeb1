from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcingConfig(AppConfig):
    name = "shop.sourcing"
    label = "sourcing"
    verbose_name = _("网上询价与反向竞价")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:sourcing-list" for item in nav):
            nav.append(
                {
                    "label": _("询价竞价项目"),
                    "icon": "fas fa-gavel",
                    "url_name": "dashboard:sourcing-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )

        # an award over the unit's approval threshold waits for the unit's approval
        from shop.buyers.models import DocumentKind
        from shop.buyers.services import ApprovalSubject, register_subject

        from . import services

        register_subject(
            ApprovalSubject(
                kind=DocumentKind.SOURCING.value,
                snapshot=lambda subject_id: services.award_snapshot(event_id=subject_id),
                on_approved=services.approval_approved,
                on_ended=services.approval_ended,
                path=services.approval_path,
            )
        )
