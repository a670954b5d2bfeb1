from django import template

from shop.vendors import selectors

register = template.Library()


@register.simple_tag
def vendor_nav_state(user) -> str:
    """'vendor', 'applicant' (has an application), 'operator' or '' for the header link; from
    the user's cached header counts (invalidated on every change, shop.storefront.personal)."""
    if not (user and user.is_authenticated):
        return ""
    from shop.storefront.personal import counts_for_user

    return counts_for_user(user).vendor_nav


@register.simple_tag
def vendor_summary(user) -> dict:
    return selectors.vendor_summary(user)
