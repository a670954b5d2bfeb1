"""The payments section of the dashboard menu (added once, when the app is ready)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shop.core.access import is_vendor, nav_operator_only, nav_vendor_or_operator


def nav_vendor_only(user, url_name, url_args=None, url_kwargs=None) -> bool:
    return is_vendor(user)


MENU = {
    "label": _("收款与发票"),
    "icon": "fas fa-money-check-alt",
    "access_fn": nav_vendor_or_operator,
    "children": [
        {
            "label": _("订单收款"),
            "url_name": "dashboard:payments-list",
            "access_fn": nav_vendor_or_operator,
        },
        {
            "label": _("收款设置"),
            "url_name": "dashboard:payments-seller-settings",
            "access_fn": nav_vendor_only,
        },
        {
            "label": _("供应商对公账户审核"),
            "url_name": "dashboard:payments-bank-accounts",
            "access_fn": nav_operator_only,
        },
        {
            "label": _("银行卡支付通知"),
            "url_name": "dashboard:payments-stripe-events",
            "access_fn": nav_operator_only,
        },
    ],
}


def register() -> None:
    nav = settings.OSCAR_DASHBOARD_NAVIGATION
    if not any(
        item.get("url_name") == "dashboard:payments-list"
        for entry in nav
        for item in entry.get("children", [])
    ):
        nav.append(MENU)
