"""Buyer pages: the OEM order form, 我的OEM订单, the order detail with its actions, the logo."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView
from oscar.core.loading import get_model

from shop.core.exceptions import DomainError
from shop.core.versions import parse_version
from shop.storefront.selectors import visible_product

from . import selectors, services
from .forms import NoteForm, OemOrderForm
from .models import OemOrder, OemStatus

Product = get_model("catalogue", "Product")

LOGO_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def oem_product_or_404(pk: int):
    product = visible_product(pk=pk)  # the storefront's one visibility rule
    if product is None:
        raise Http404(_("该产品不支持 OEM 定制。"))
    return product


class OemOrderCreateView(LoginRequiredMixin, View):
    template_name = "oem/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        product = oem_product_or_404(kwargs["product_pk"])
        if product.is_child:  # a variant's page links here: order it as the parent's variant
            url = reverse("oem:create", args=[product.parent_id])
            return redirect(f"{url}?variant={product.pk}")
        try:
            from .validators import validate_oem_product

            validate_oem_product(product)
        except ValidationError:
            raise Http404(_("该产品不支持 OEM 定制。"))
        self.product = product
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form, "product": self.product})

    def get(self, request, *args, **kwargs):
        initial = {}
        if request.GET.get("variant", "").isdigit():
            initial["variant"] = int(request.GET["variant"])
        form = OemOrderForm(product=self.product, user=request.user, initial=initial)
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        form = OemOrderForm(request.POST, request.FILES, product=self.product, user=request.user)
        if not form.is_valid():
            return self.render_form(form)
        data = form.cleaned_data
        try:
            order = services.oem_order_submit(
                buyer=request.user,
                product=self.product,
                variant=data.get("variant"),
                quantity=data["quantity"],
                brand_name=data["brand_name"],
                logo=data["logo"],
                customisations=data.get("customisations", []),
                sample_required=data.get("sample_required", False),
                target_date=data["target_date"],
                delivery_contact=data["delivery_contact"],
                delivery_phone=data["delivery_phone"],
                delivery_address=data["delivery_address"],
                organisation=form.organisation_data(),
                remarks=data.get("remarks", ""),
                budget_line_id=data.get("budget_line"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_form(form)
        except DomainError as exc:
            field = next((name for name in exc.fields if name in form.fields), None)
            form.add_error(field, exc.fields[field] if field else exc.message)
            return self.render_form(form)
        messages.success(
            request, _("OEM 订单 %(number)s 已提交，平台正在进行可行性审核。") % {"number": order.number}
        )
        return redirect("oem:detail", number=order.number)


class OemOrderListView(LoginRequiredMixin, ListView):
    template_name = "oem/order_list.html"
    context_object_name = "orders"
    paginate_by = 20

    def get_queryset(self):
        return selectors.oem_orders_for_buyer(user=self.request.user)


class OemOrderDetailView(LoginRequiredMixin, View):
    template_name = "oem/order_detail.html"

    def get(self, request, number):
        order = get_object_or_404(selectors.oem_orders_for_buyer(user=request.user), number=number)
        stages = selectors.oem_payment_stages(order=order)
        payable = order.status not in (OemStatus.CANCELLED, OemStatus.REJECTED)
        return render(
            request,
            self.template_name,
            {
                "order": order,
                "events": selectors.oem_order_timeline(order=order),
                "stages": stages,
                # the stage the buyer pays next (定金, then 尾款): the pay button names it
                "next_stage": next((s for s in stages if s.status == "due"), None) if payable else None,
                "note_form": NoteForm(),
                "S": OemStatus,
                "approval": selectors.oem_order_approval(order=order),
                "can_act": selectors.buyer_may_act(user=request.user, order=order),
            },
        )


class OemOrderActionView(LoginRequiredMixin, View):
    """POST-only buyer actions: accept the offer, approve/reject the sample, cancel, confirm receipt."""

    http_method_names = ["post"]
    ACTIONS = {
        # the offer version the page showed travels in a hidden field
        "accept": lambda order, user, note, data: services.oem_order_accept_offer(
            order=order, actor=user, offer_revision=parse_version(data.get("offer_revision"))
        ),
        "approve-sample": lambda order, user, note, data: services.oem_order_approve_sample(
            order=order, actor=user, note=note
        ),
        "reject-sample": lambda order, user, note, data: services.oem_order_reject_sample(
            order=order, actor=user, reason=note
        ),
        "cancel": lambda order, user, note, data: services.oem_order_cancel(
            order=order, actor=user, reason=note
        ),
        "confirm-receipt": lambda order, user, note, data: services.oem_order_confirm_receipt(
            order=order, actor=user
        ),
    }
    DONE = {
        "accept": gettext_lazy("已接受报价，商城订单已生成，请按付款计划支付定金。"),
        "approve-sample": gettext_lazy("已确认样品，供应商将安排生产。"),
        "reject-sample": gettext_lazy("已反馈样品问题，供应商将重新打样。"),
        "cancel": gettext_lazy("OEM 订单已取消。"),
        "confirm-receipt": gettext_lazy("已确认收货，订单完成。"),
    }

    def post(self, request, number, action):
        order = get_object_or_404(selectors.oem_orders_for_buyer(user=request.user), number=number)
        handler = self.ACTIONS.get(action)
        if handler is None:
            raise Http404
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            done = handler(order, request.user, note, request.POST)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if action == "accept" and done.status == OemStatus.AWAITING_APPROVAL:
                messages.success(request, _("接受报价需本单位审批，已提交审批，审批通过后生成商城订单。"))
            else:
                messages.success(request, self.DONE[action])
        return redirect("oem:detail", number=order.number)


def serve_logo(order: OemOrder) -> FileResponse:
    """Stream a private logo. SVG and PDF are downloads (never rendered on our origin)."""
    if not order.logo:
        raise Http404
    try:
        handle = order.logo.open("rb")
    except FileNotFoundError:
        raise Http404
    kind = order.logo_kind or "png"
    response = FileResponse(
        handle,
        content_type=LOGO_CONTENT_TYPES.get(kind, "application/octet-stream"),
        as_attachment=kind != "png",
        filename=order.logo_name or f"logo.{kind}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class OemLogoView(LoginRequiredMixin, View):
    """The logo, for the buyer who uploaded it, the vendor of the order and operators only."""

    def get(self, request, number):
        order = get_object_or_404(selectors.oem_orders_visible(user=request.user), number=number)
        return serve_logo(order)
