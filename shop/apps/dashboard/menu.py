"""The dashboard menu: Oscar's, with one menu per thing — the vendor records (Oscar's "Partners",
filed under fulfilment) join the 供应商 menu of the vendors app as 供应商账号."""

from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.menu import create_menu  # noqa: F401  (Oscar's loader looks it up here)
from oscar.apps.dashboard.menu import get_nodes as oscar_get_nodes

# url name -> the label it gets in the 供应商 menu
INTO_VENDORS_MENU = {"dashboard:partner-list": _("供应商账号")}


def _is_vendors_menu(node) -> bool:
    return any((child.url_name or "").startswith("dashboard:vendors-") for child in node.children)


def get_nodes(user):
    nodes = oscar_get_nodes(user)
    vendors = next((node for node in nodes if _is_vendors_menu(node)), None)
    if vendors is None:
        return nodes
    moved = []
    for node in nodes:
        for child in list(node.children):
            if child.url_name in INTO_VENDORS_MENU:
                node.children.remove(child)
                child.label = INTO_VENDORS_MENU[child.url_name]
                moved.append(child)
    vendors.children[:0] = moved
    return [node for node in nodes if node.has_children() or not node.is_heading]
