"""Checkout session checks: 仅询价 and 起价 items cannot be bought from the basket (a line added
before the item was marked so is caught here), and one order buys from one seller."""

from django.urls import reverse
from oscar.apps.checkout import exceptions
from oscar.apps.checkout.session import CheckoutSessionMixin as CoreCheckoutSessionMixin


class CheckoutSessionMixin(CoreCheckoutSessionMixin):
    def check_basket_is_valid(self, request):
        from shop.apps.basket.forms import direct_purchase_problem

        problems = [
            p for p in (direct_purchase_problem(line.product) for line in request.basket.all_lines()) if p
        ]
        from shop.credit.selectors import product_suspension_refusal  # 暂停交易

        problems += [
            p for p in (product_suspension_refusal(line.product) for line in request.basket.all_lines()) if p
        ]
        if not problems:
            from shop.buyers.access import membership
            from shop.sourcing.selectors import direct_limit_problem

            member = membership(request.user)
            limit = direct_limit_problem(
                unit=member.unit if member else None, total=request.basket.total_incl_tax
            )
            problems = [limit] if limit else []
        if not problems:
            from shop.core.exceptions import DomainError
            from shop.payments.services import one_seller_check

            try:  # one order, one seller (its contract, its account, its invoice)
                one_seller_check(
                    partners={
                        line.stockrecord.partner for line in request.basket.all_lines() if line.stockrecord
                    }
                )
            except DomainError as exc:
                problems = [exc.message]
        if problems:
            raise exceptions.FailedPreCondition(url=reverse("basket:summary"), messages=problems)
        super().check_basket_is_valid(request)
