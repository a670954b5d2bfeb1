"""Oscar's product bulk actions; a vendor's price change sends its products back to review."""

from oscar.apps.dashboard.catalogue import bulk_actions as oscar_bulk_actions
from oscar.apps.dashboard.catalogue.bulk_actions import *  # noqa: F401,F403

from shop.core.access import is_operator


class SetProductPriceAction(oscar_bulk_actions.SetProductPriceAction):
    def execute(self, request, objects, form):
        from shop.vendors.services import product_review_submit

        tops = {}
        if not is_operator(request.user):
            for product in objects.select_related("parent"):
                top = product.parent or product
                tops[top.pk] = top
        super().execute(request, objects, form)
        for top in tops.values():
            product_review_submit(product=top, actor=request.user, note="批量改价")
