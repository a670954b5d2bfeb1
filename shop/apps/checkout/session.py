"""Checkout session checks: quote-only products (仅询价) cannot be bought from the basket."""

from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.checkout import exceptions
from oscar.apps.checkout.session import CheckoutSessionMixin as CoreCheckoutSessionMixin


class CheckoutSessionMixin(CoreCheckoutSessionMixin):
    def check_basket_is_valid(self, request):
        quote_only = [
            line.product.get_title()
            for line in request.basket.all_lines()
            if getattr(line.product, "quote_only", False)
            or getattr(getattr(line.product, "parent", None), "quote_only", False)
        ]
        if quote_only:
            raise exceptions.FailedPreCondition(
                url=reverse("basket:summary"),
                messages=[
                    _("“%(title)s”仅支持询价采购，不能直接下单，请从购物车移除后发起询价。") % {"title": t}
                    for t in quote_only
                ],
            )
        super().check_basket_is_valid(request)
