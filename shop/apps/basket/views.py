"""Oscar's basket views; a product is added only when a buyer may see it."""

from django.http import Http404
from django.utils.translation import gettext as _
from oscar.apps.basket import views as oscar_views
from oscar.apps.basket.views import *  # noqa: F401,F403

from shop.storefront.selectors import visible_product


class BasketAddView(oscar_views.BasketAddView):
    """Oscar loads the product unfiltered: a product waiting for review, rejected, not public,
    or a variant of such a parent could be bought. It is now the same 404 as a product that
    does not exist."""

    def post(self, request, *args, **kwargs):
        self.product = visible_product(pk=kwargs["pk"])
        if self.product is None:
            raise Http404(_("商品不存在或已下架。"))
        return super(oscar_views.BasketAddView, self).post(request, *args, **kwargs)
