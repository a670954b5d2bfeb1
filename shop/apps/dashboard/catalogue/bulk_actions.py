"""Oscar's product bulk actions: a vendor takes only products it owns on or off the storefront,
and a vendor's price change sends its own products back to review (a mall product it only
stocks keeps its listing: the vendor changed nothing but its own stock record)."""

from oscar.apps.dashboard.catalogue import bulk_actions as oscar_bulk_actions
from oscar.apps.dashboard.catalogue.bulk_actions import *  # noqa: F401,F403

from shop.core.access import is_operator

from .utils import partner_product_ownership_q


def _owned(request, objects):
    if is_operator(request.user):
        return objects
    return objects.filter(pk__in=objects.filter(partner_product_ownership_q(request.user)).values("pk"))


class MakeProductsPublicAction(oscar_bulk_actions.MakeProductsPublicAction):
    def execute(self, request, objects, form):
        return super().execute(request, _owned(request, objects), form)


class MakeProductsNonPublicAction(oscar_bulk_actions.MakeProductsNonPublicAction):
    def execute(self, request, objects, form):
        return super().execute(request, _owned(request, objects), form)


class SetProductPriceAction(oscar_bulk_actions.SetProductPriceAction):
    def execute(self, request, objects, form):
        from shop.vendors.services import product_review_submit

        tops = {}
        if not is_operator(request.user):
            for product in _owned(request, objects).select_related("parent"):
                top = product.parent or product
                tops[top.pk] = top
        super().execute(request, objects, form)
        for top in tops.values():
            product_review_submit(product=top, actor=request.user, note="批量改价")
