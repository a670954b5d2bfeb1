"""Vendors' pages of sourcing events (in the dashboard): the 询价 and 竞价 they are invited to
or qualified for, the sealed response form, bidding with the bidder's own rank, the result.
No page shows a vendor another vendor's price or name before the result is published."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views import View

from shop.core.access import VendorOrOperatorMixin, is_operator, user_partner_ids
from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import BidForm


def _event_or_404(request, number):
    event = selectors.events_for_vendor(user=request.user).filter(number=number).first()
    if event is None:
        raise Http404
    return event


class VendorEventListView(VendorOrOperatorMixin, View):
    def get(self, request):
        events = list(
            selectors.events_for_vendor(user=request.user)
            .select_related("unit")
            .order_by("-published_at")[:100]
        )
        ids = user_partner_ids(request.user)
        answered = selectors.answered_event_ids(events=events, partner_ids=ids)
        return render(
            request,
            "sourcing/dashboard/list.html",
            {"rows": [(e, e.pk in answered) for e in events], "is_operator": is_operator(request.user)},
        )


def _vendor_context(request, event):
    standing = selectors.vendor_standing(event=event, partner_ids=user_partner_ids(request.user))
    own = standing.own
    return {
        "event": event,
        "lines": list(event.lines.all()),
        "own": own,
        "own_lines": {rl.line_id: rl.unit_price for rl in own.lines.all()} if own else {},
        "my_best": standing.best_bid,
        "my_rank": standing.rank,
        "won": standing.is_winner,
        "is_operator": is_operator(request.user),
        "bid_form": BidForm(),
    }


class VendorEventDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        event = _event_or_404(request, number)
        return render(request, "sourcing/dashboard/detail.html", _vendor_context(request, event))


class RespondView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        event = _event_or_404(request, number)
        prices = {
            key.removeprefix("price_"): value
            for key, value in request.POST.items()
            if key.startswith("price_")
        }
        try:
            services.response_submit(
                event=event,
                actor=request.user,
                prices=prices,
                delivery_days=request.POST.get("delivery_days", ""),
                notes=request.POST.get("notes", ""),
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            ctx = _vendor_context(request, event)
            ctx["posted"] = request.POST
            return render(request, "sourcing/dashboard/detail.html", ctx, status=400)
        messages.success(request, "报价已密封提交，截止时间后统一开启。")
        return redirect("dashboard:sourcing-detail", number=event.number)


class BidView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        event = _event_or_404(request, number)
        try:
            services.bid_place(event=event, actor=request.user, amount=request.POST.get("amount", ""))
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse({"detail": exc.message}, status=exc.status)
            messages.error(request, exc.message)
            return redirect("dashboard:sourcing-detail", number=event.number)
        messages.success(request, "出价成功。")
        return redirect("dashboard:sourcing-detail", number=event.number)


class BidStatusView(VendorOrOperatorMixin, View):
    """The bid page polls this: the end time (it may be extended), the bidder's own best bid and
    rank, the status. Never another bidder's price or name."""

    def get(self, request, number):
        event = _event_or_404(request, number)
        ctx = _vendor_context(request, event)
        return JsonResponse(
            {
                "status": event.status,
                "status_label": event.get_status_display(),
                "deadline": event.deadline.isoformat(),
                "my_best": f"{ctx['my_best'].amount:.2f}" if ctx["my_best"] else None,
                "my_rank": ctx["my_rank"],
            }
        )
