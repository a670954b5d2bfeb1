from django import template

from shop.core.access import is_operator, is_vendor
from shop.vendors import selectors

register = template.Library()


@register.simple_tag
def vendor_nav_state(user) -> str:
    """'vendor', 'applicant' (has an application), 'operator' or '' for the header link."""
    if not (user and user.is_authenticated):
        return ""
    if is_operator(user):
        return "operator"
    if is_vendor(user):
        return "vendor"
    return "applicant" if selectors.latest_application_for_user(user) is not None else ""


@register.simple_tag
def vendor_summary(user) -> dict:
    return selectors.vendor_summary(user)
