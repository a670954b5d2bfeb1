"""Which products a non-staff dashboard user may see: the vendors app decides (ownership)."""

from shop.core.access import user_partner_ids
from shop.vendors.selectors import vendor_product_q


def partner_product_visibility_q(user):
    """Used by Oscar's catalogue dashboard (list, edit, delete, bulk actions) for non-staff users."""
    return vendor_product_q(user_partner_ids(user))
