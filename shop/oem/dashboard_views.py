"""Vendor (and operator) side of OEM orders in the dashboard: list, detail, offer, moves.

Querysets come from ``selectors.oem_orders_for_vendor``: a vendor only ever loads orders
routed to its own partners; any other number is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import ListView

from shop.core.access import VendorOrOperatorMixin
from shop.core.exceptions import DomainError

from . import selectors, services
from .forms import NoteForm, OfferForm
from .models import STATUS_LABELS, OemStatus
from .views import serve_logo

# Button labels of the vendor's moves (the target state's own label reads as a result).
MOVE_LABELS = {
    OemStatus.SAMPLING: _lazy("开始打样"),
    OemStatus.IN_PRODUCTION: _lazy("开始生产"),
    OemStatus.SHIPPED: _lazy("标记已发货"),
    OemStatus.COMPLETED: _lazy("标记已完成"),
    OemStatus.REJECTED: _lazy("拒绝订单"),
}


class DashboardOemListView(VendorOrOperatorMixin, ListView):
    template_name = "oem/dashboard/order_list.html"
    context_object_name = "orders"
    paginate_by = 20

    def get_queryset(self):
        qs = selectors.oem_orders_for_vendor(user=self.request.user)
        status = self.request.GET.get("status", "")
        if status in STATUS_LABELS:
            qs = qs.filter(status=status)
        number = (self.request.GET.get("q") or "").strip()
        if number:
            qs = qs.filter(number__icontains=number)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["statuses"] = OemStatus.choices
        ctx["current_status"] = self.request.GET.get("status", "")
        return ctx


def _vendor_order(request, number):
    return get_object_or_404(selectors.oem_orders_for_vendor(user=request.user), number=number)


def _render_detail(request, order, *, offer_form=None, status=200):
    can_offer = order.status in (OemStatus.REVIEWING, OemStatus.OFFERED, OemStatus.AWAITING_APPROVAL)
    return render(
        request,
        "oem/dashboard/order_detail.html",
        {
            "order": order,
            "events": selectors.oem_order_timeline(order=order),
            "stages": selectors.oem_payment_stages(order=order),
            "offer_form": (offer_form or OfferForm(order=order)) if can_offer else None,
            "next_states": [
                # already sampling: the same move means a new sample after the buyer's rejection
                (s, _lazy("重新打样") if s == order.status == OemStatus.SAMPLING else MOVE_LABELS[s])
                for s in services.vendor_next_states(order)
            ],
            "note_form": NoteForm(),
        },
        status=status,
    )


class DashboardOemDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        return _render_detail(request, _vendor_order(request, number))


class DashboardOemOfferView(VendorOrOperatorMixin, View):
    http_method_names = ["post"]

    def post(self, request, number):
        order = _vendor_order(request, number)
        form = OfferForm(request.POST, order=order)
        if not form.is_valid():
            return _render_detail(request, order, offer_form=form, status=400)
        data = form.cleaned_data
        try:
            services.oem_order_make_offer(
                order=order,
                actor=request.user,
                unit_price=data["unit_price"],
                tooling_fee=data["tooling_fee"],
                deposit=data["deposit"],
                lead_days=data["lead_days"],
                note=data.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("报价已发送给采购方。"))
        return redirect("dashboard:oem-detail", number=order.number)


class DashboardOemTransitionView(VendorOrOperatorMixin, View):
    http_method_names = ["post"]

    def post(self, request, number):
        order = _vendor_order(request, number)
        to = request.POST.get("to", "")
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.oem_order_vendor_move(order=order, actor=request.user, to=to, note=note)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("订单状态已更新为“%(label)s”。") % {"label": STATUS_LABELS[to]})
        return redirect("dashboard:oem-detail", number=order.number)


class DashboardOemLogoView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        return serve_logo(_vendor_order(request, number))
