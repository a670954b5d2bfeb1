"""Oscar's basket views; a product is added only when a buyer may see it."""

from django.http import Http404
from django.utils.translation import gettext as _
from oscar.apps.basket import views as oscar_views
from oscar.apps.basket.views import *  # noqa: F401,F403

from shop.storefront.selectors import Product, visible_product


def _suspension_refusal(pk) -> str | None:
    """The Chinese refusal when the product's vendor is suspended (暂停交易) now, else None."""
    from shop.credit.selectors import product_suspension_refusal
    from shop.storefront.selectors import product_is_visible

    product = Product.objects.filter(pk=pk).first() if str(pk).isdigit() and int(pk) < 2**63 else None
    if product is None or not product_is_visible(product):
        return None  # a product a buyer may not see stays a 404, whatever its vendor's state
    return product_suspension_refusal(product)


class BasketAddView(oscar_views.BasketAddView):
    """Oscar loads the product unfiltered: a product waiting for review, rejected, not public,
    or a variant of such a parent could be bought. It is now the same 404 as a product that
    does not exist."""

    def post(self, request, *args, **kwargs):
        refusal = _suspension_refusal(kwargs["pk"])
        if refusal:  # 暂停交易: refused with the reason, the basket unchanged
            from django.contrib import messages
            from django.shortcuts import redirect

            messages.error(request, refusal)
            return redirect("basket:summary")
        self.product = visible_product(pk=kwargs["pk"])
        if self.product is None:
            raise Http404(_("商品不存在或已下架。"))
        return super(oscar_views.BasketAddView, self).post(request, *args, **kwargs)


class BasketView(oscar_views.BasketView):
    """Oscar's basket page; for a government unit whose basket is above the 直购 limit it says
    which mode applies (网上询价 or 反向竞价) and links to start it with the basket's items."""

    def get_context_data(self, **kwargs):
        from shop.buyers.access import membership
        from shop.sourcing.selectors import direct_limit_problem

        ctx = super().get_context_data(**kwargs)
        member = membership(self.request.user)
        basket = self.request.basket
        ctx["sourcing_required"] = (
            direct_limit_problem(unit=member.unit, total=basket.total_incl_tax)
            if member is not None and not basket.is_empty
            else None
        )
        return ctx
