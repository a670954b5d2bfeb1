"""Oscar's catalogue dashboard mixins: vendors get only the bulk actions that cannot bypass
review (taking products offline, changing their own prices)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import mixins as oscar_mixins
from oscar.apps.dashboard.catalogue.mixins import *  # noqa: F401,F403

from shop.core.access import is_operator

VENDOR_BULK_ACTIONS = {"make_products_non_public", "set_product_price"}


def allowed_bulk_actions(user, actions: dict) -> dict:
    if is_operator(user):
        return actions
    return {name: action for name, action in actions.items() if name in VENDOR_BULK_ACTIONS}


class ProductBulkActionMixin(oscar_mixins.ProductBulkActionMixin):
    def get_actions(self):
        return allowed_bulk_actions(self.request.user, super().get_actions())

    def post(self, request, *args, **kwargs):
        action = request.POST.get(self.action_param, "").lower()
        if action not in self.get_actions():
            messages.error(request, _("无效的批量操作。"))
            return redirect(self.get_error_url(request))
        return super().post(request, *args, **kwargs)
