"""The buyer side's pages of delivery and 履约验收: orders with deliveries, one order's lines
with what was delivered and accepted, the acceptance form (管理员/经办人 of the unit, or the
buyer of an order without a unit), the 验收单 PDF and the attachments. Thin views: reads from
``selectors``, writes through ``services``; a refusal is its Chinese message and changes
nothing."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .files import attachment_response
from .models import AcceptanceResult, Fulfilment
from .pdf import acceptance_pdf


def may_accept(user, order) -> bool:
    from shop.payments.selectors import buyer_may

    return buyer_may(user, order, "acceptance.record")


def _context(request, order, **extra):
    fulfilment = Fulfilment.objects.filter(order_id=order.pk).select_related("accepted_by").first()
    ctx = {
        "order": order,
        "fulfilment": fulfilment,
        "rows": selectors.line_views(order=order),
        "events": list(selectors.order_events(order=order)),
        "may_accept": may_accept(request.user, order),
        "has_acceptances": selectors.has_acceptances(order),
        "results": AcceptanceResult.choices,
        "posted": {},
    }
    ctx.update(extra)
    return ctx


class OrderListView(LoginRequiredMixin, View):
    def get(self, request):
        waiting = list(selectors.awaiting_acceptance(user=request.user)[:100])
        orders = list(selectors.buyer_orders(user=request.user)[:100])
        accepted = selectors.accepted_order_ids(o.pk for o in orders)
        return render(
            request,
            "fulfilment/list.html",
            {"waiting": waiting, "rows": [(o, o.pk in accepted) for o in orders]},
        )


class OrderDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        order = selectors.buyer_order_get(user=request.user, number=number)
        return render(request, "fulfilment/detail.html", _context(request, order))


class AcceptView(LoginRequiredMixin, View):
    def post(self, request, number):
        order = selectors.buyer_order_get(user=request.user, number=number)
        try:
            services.acceptance_record(
                order=order,
                line_id=request.POST.get("line", ""),
                actor=request.user,
                quantity=request.POST.get("quantity", ""),
                result=request.POST.get("result", ""),
                comments=request.POST.get("comments", ""),
                attachments=request.FILES.getlist("attachments"),
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            ctx = _context(request, order, error=exc.message, posted=request.POST)
            return render(request, "fulfilment/detail.html", ctx, status=400)
        order.refresh_from_db()
        if selectors.order_accepted(order):
            messages.success(request, "验收已登记，订单全部验收合格。")
        elif request.POST.get("result") == AcceptanceResult.FAILED:
            messages.success(request, "已登记验收不合格，已通知供应商重新交付。")
        else:
            messages.success(request, "验收已登记。")
        return redirect("fulfilment:detail", number=order.number)


class AcceptancePdfView(LoginRequiredMixin, View):
    def get(self, request, number):
        order = selectors.buyer_order_get(user=request.user, number=number)
        return pdf_response(order, acceptance_pdf(order=order))


class AttachmentView(LoginRequiredMixin, View):
    def get(self, request, number, pk):
        order = selectors.buyer_order_get(user=request.user, number=number)
        att = selectors.attachment_for(order=order, pk=pk)
        if att is None:
            raise Http404
        return attachment_response(att)


def pdf_response(order, data: bytes) -> HttpResponse:
    if not selectors.has_acceptances(order):
        raise Http404("该订单还没有验收记录。")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''%E9%AA%8C%E6%94%B6%E5%8D%95-{order.number}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
