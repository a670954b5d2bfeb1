"""Which products a non-staff dashboard user may see, and which it owns: the vendors app records
ownership (``VendorProduct``)."""

from django.db.models import Q

from shop.core.access import is_operator, user_partner_ids
from shop.vendors.selectors import vendor_product_q


def partner_product_visibility_q(user):
    """Used by Oscar's catalogue dashboard (list, edit, bulk actions) for non-staff users."""
    return vendor_product_q(user_partner_ids(user))


def partner_product_ownership_q(user) -> Q:
    """Products the user's vendor OWNS: its partner holds the product's ``VendorProduct`` row
    (for a variant, its parent's). The mall's own products (no row) belong to the operators even
    when several vendors stock them: there a vendor changes only its own stock record, and it
    never deletes, renames or takes offline a listing others sell too."""
    ids = list(user_partner_ids(user))
    if not ids:
        return Q(pk__in=[])
    return Q(vendor_ownership__partner_id__in=ids) | Q(parent__vendor_ownership__partner_id__in=ids)


def user_owns_product(user, product) -> bool:
    """Operators own every product; a vendor the ones of ``partner_product_ownership_q``."""
    if is_operator(user):
        return True
    return type(product).objects.filter(partner_product_ownership_q(user), pk=product.pk).exists()
