"""Vendors' pages of delivery (in the dashboard): the orders with their lines to deliver, the
delivery form (shipment or service), what the buyer accepted or rejected and why, their copy
of the 验收单. A vendor sees and delivers its own lines only; operators see every order."""

from django.contrib import messages
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from shop.core.access import VendorOrOperatorMixin, is_operator, user_partner_ids
from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .files import attachment_response
from .models import DeliveryKind, Fulfilment, LineFulfilment
from .pdf import acceptance_pdf
from .views import pdf_response


def _partner_ids(user) -> list[int] | None:
    return None if is_operator(user) else user_partner_ids(user)


def _context(request, order, **extra):
    lines = selectors.vendor_lines(user=request.user, order=order)
    ctx = {
        "order": order,
        "fulfilment": Fulfilment.objects.filter(order_id=order.pk).first(),
        "rows": selectors.line_views(order=order, lines=lines),
        "blocker": selectors.delivery_blocker(order),
        "kinds": DeliveryKind.choices,
        "is_operator": is_operator(request.user),
        "has_acceptances": selectors.has_acceptances(order),
        "posted": {},
    }
    ctx.update(extra)
    return ctx


class VendorOrderListView(VendorOrOperatorMixin, View):
    def get(self, request):
        orders = list(selectors.vendor_orders(user=request.user)[:100])
        accepted = selectors.accepted_order_ids(o.pk for o in orders)
        own = LineFulfilment.objects.filter(line__order_id__in=[o.pk for o in orders])
        if not is_operator(request.user):
            own = own.filter(partner_id__in=user_partner_ids(request.user))
        rejected = set(
            own.filter(status=LineFulfilment.Status.REJECTED).values_list("line__order_id", flat=True)
        )
        waiting = set(
            own.filter(delivered__gt=F("accepted") + F("rejected")).values_list("line__order_id", flat=True)
        )
        lines = selectors.Line.objects.filter(order_id__in=[o.pk for o in orders])
        if not is_operator(request.user):
            lines = lines.filter(partner_id__in=user_partner_ids(request.user))
        counts: dict[int, int] = {}
        for order_id in lines.values_list("order_id", flat=True):
            counts[order_id] = counts.get(order_id, 0) + 1
        for o in orders:
            o.own_lines = counts.get(o.pk, 0)
        rows = [(o, o.pk in accepted, o.pk in rejected, o.pk in waiting) for o in orders]
        return render(request, "fulfilment/dashboard/list.html", {"rows": rows})


class VendorOrderDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        order = selectors.vendor_order_get(user=request.user, number=number)
        return render(request, "fulfilment/dashboard/detail.html", _context(request, order))


class DeliverView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        order = selectors.vendor_order_get(user=request.user, number=number)
        try:
            services.delivery_record(
                order=order,
                line_id=request.POST.get("line", ""),
                actor=request.user,
                kind=request.POST.get("kind", ""),
                quantity=request.POST.get("quantity", ""),
                carrier=request.POST.get("carrier", ""),
                tracking_number=request.POST.get("tracking_number", ""),
                description=request.POST.get("description", ""),
                attachments=request.FILES.getlist("attachments"),
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            ctx = _context(request, order, error=exc.message, posted=request.POST)
            return render(request, "fulfilment/dashboard/detail.html", ctx, status=400)
        messages.success(request, "交付已登记，已通知采购方验收。")
        return redirect("dashboard:fulfilment-detail", number=order.number)


class VendorPdfView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        order = selectors.vendor_order_get(user=request.user, number=number)
        return pdf_response(order, acceptance_pdf(order=order, partner_ids=_partner_ids(request.user)))


class VendorAttachmentView(VendorOrOperatorMixin, View):
    def get(self, request, number, pk):
        order = selectors.vendor_order_get(user=request.user, number=number)
        att = selectors.attachment_for(order=order, pk=pk)
        if att is None:
            raise Http404
        owner_line = (att.delivery or att.acceptance).line
        if not is_operator(request.user) and owner_line.partner_id not in user_partner_ids(request.user):
            raise Http404
        return attachment_response(att)
