from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _merge_quote_list_on_login(sender, request, user, **kwargs):
    """The anonymous visitor's 询价单 joins the account's list at login; the header count is
    recomputed for the account."""
    if request is None or not hasattr(request, "session"):
        return
    from .services import quote_list_count_remember, quote_list_for_request

    quote_list_count_remember(request=request, quote_list=quote_list_for_request(request=request, user=user))


def _register_approval_subject() -> None:
    """A buying unit's acceptance of a vendor quote waits for the unit's approval: the buyers
    app asks this app for the quote's snapshot and hands back the outcome."""
    from shop.buyers.models import DocumentKind
    from shop.buyers.services import ApprovalSubject, register_subject

    from . import services

    register_subject(
        ApprovalSubject(
            kind=DocumentKind.QUOTE.value,
            snapshot=lambda subject_id: services.approval_snapshot(vendor_quote_id=subject_id),
            on_approved=services.approval_accepted,
            on_ended=services.approval_ended,
            path=services.approval_path,
        )
    )


class QuotesConfig(AppConfig):
    name = "shop.quotes"
    label = "quotes"
    verbose_name = _("询价")

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in

        from shop.core.access import nav_vendor_or_operator

        user_logged_in.connect(_merge_quote_list_on_login, dispatch_uid="quotes_merge_list_on_login")
        _register_approval_subject()
        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:quotes-list" for item in nav):
            nav.append(
                {
                    "label": _("询价报价"),
                    "icon": "fas fa-file-invoice-dollar",
                    "url_name": "dashboard:quotes-list",
                    "access_fn": nav_vendor_or_operator,
                }
            )
