"""Public vendor pages (供应商主页) and the buyer's rating of an accepted order's supplier."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from shop.core.exceptions import DomainError

from . import selectors, services
from .forms import RatingForm


class VendorPageView(View):
    """Name, approved categories, rating averages with counts and published products; no
    contact details, no bank data (nothing but the partner's name is read from it)."""

    def get(self, request, partner_id):
        from shop.storefront.selectors import ProductPage, clean_page, with_listing_data

        partner = selectors.public_vendor(partner_id=partner_id)
        if partner is None:
            raise Http404("供应商不存在。")
        page = ProductPage(
            with_listing_data(selectors.vendor_products(partner_id=partner.pk)),
            clean_page(request.GET.get("page")),
        )
        if page.out_of_range:
            raise Http404
        return render(
            request,
            "credit/vendor.html",
            {
                "vendor": partner,
                "categories": selectors.approved_categories(partner_id=partner.pk),
                "summary": selectors.rating_summary(partner_id=partner.pk),
                "ratings": selectors.recent_ratings(partner_id=partner.pk),
                "suspension": selectors.current_suspension(partner.pk),
                "page": page,
                "base_url": request.path,
            },
        )


def _order_for_rating(request, number):
    from shop.payments.selectors import buyer_order_get

    return buyer_order_get(user=request.user, number=number)  # 404 outside the buyer's scope


class RateOrderView(LoginRequiredMixin, View):
    """The buyer unit rates each supplier of an accepted order once."""

    def _context(self, request, order, form=None, error=""):
        partners = selectors.order_partners(order)
        given = selectors.ratings_of_order(order)
        from shop.buyers.access import scope

        unit_id = getattr(getattr(order, "origin", None), "unit_id", None)
        return {
            "order": order,
            "may_rate": scope(request.user, "ratings.give").owns(unit_id=unit_id, user_id=order.user_id),
            "accepted": selectors.order_is_accepted(order),
            "rows": [(p, given.get(p.pk)) for p in partners],
            "form": form or RatingForm(),
            "error": error,
        }

    def get(self, request, number):
        order = _order_for_rating(request, number)
        return render(request, "credit/rate.html", self._context(request, order))

    def post(self, request, number):
        order = _order_for_rating(request, number)
        form = RatingForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            rating = services.rating_give(
                order=order,
                actor=request.user,
                partner_id=request.POST.get("partner") or None,
                quality=data.get("quality", ""),
                delivery=data.get("delivery", ""),
                service=data.get("service", ""),
                comment=data.get("comment", ""),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from None
            for field, errors in exc.fields.items():
                if field in form.fields:
                    for error in errors:
                        form.add_error(field, error)
            status = 403 if exc.status == 403 else 400
            return render(
                request, "credit/rate.html", self._context(request, order, form, exc.message), status=status
            )
        messages.success(request, f"已评价供应商“{rating.partner.name}”，感谢您的反馈。")
        return redirect("credit:rate", number=order.number)


class RatingsToGiveView(LoginRequiredMixin, View):
    """The unit's accepted orders, with a link to rate their suppliers (待评价) or 已评价."""

    def get(self, request):
        from shop.buyers.access import refusal, scope

        allowed = scope(request.user, "ratings.give").allowed
        return render(
            request,
            "credit/rate_list.html",
            {
                "orders": selectors.orders_to_rate(user=request.user) if allowed else [],
                "refusal": "" if allowed else refusal("ratings.give"),
            },
            status=200 if allowed else 403,
        )
