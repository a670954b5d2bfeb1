"""Buyer pages: my orders, the order payment page (对公转账 / card), invoice request, slip
download, and the Stripe webhook endpoint. Views are thin: forms validate, services write."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import ListView

from shop.buyers.access import member_can, membership, refusal
from shop.core.exceptions import DomainError, PermissionDenied
from shop.core.money import rmb

from . import gateway, selectors, services
from .forms import BankTransferForm, CardForm, InvoiceRequestForm
from .models import BankTransfer, InvoiceRequest, PaymentStage, StripePayment

logger = logging.getLogger(__name__)

SLIP_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


class OrderListView(LoginRequiredMixin, ListView):
    """我的订单 (a unit member: the unit's orders); ``?show=due``: 待付款, what is to pay now."""

    template_name = "payments/order_list.html"
    context_object_name = "orders"
    paginate_by = 20

    def _show(self) -> str:
        show = self.request.GET.get("show")
        return show if show in {"due", "overdue"} else ""

    def get_queryset(self):
        return selectors.buyer_orders(user=self.request.user, show=self._show())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        member = membership(self.request.user)
        ctx["show"] = self._show()
        ctx["member"] = member
        ctx["can_pay"] = member is None or member_can(member, "orders.pay")
        return ctx


def _require(request, order, action: str) -> None:
    """A member of the order's unit without the role gets the Chinese refusal (403)."""
    if not selectors.buyer_may(request.user, order, action):
        raise PermissionDenied(refusal(action))


def order_page_context(request, order, **overrides) -> dict:
    """Everything the payment page shows; forms may be passed in bound (with errors)."""
    stage = selectors.payable_stage(order)
    stages = selectors.with_outstanding(order.payment_stages.all())
    if stage:
        stage = next(s for s in stages if s.pk == stage.pk)
    due_now = stage.outstanding if stage else None
    invoice_request = InvoiceRequest.objects.filter(order=order).first()
    issued = list(order.issued_invoices.select_related("partner"))
    can_pay = selectors.buyer_may(request.user, order, "orders.pay")
    card_payee = selectors.card_payee(order)
    can_invoice = selectors.buyer_may(request.user, order, "invoices.handle")
    if not can_pay:
        stage = None  # the page shows who pays instead of the payment forms
    ctx = {
        "order": order,
        "stages": stages,
        "stage": stage,
        "lines": list(order.lines.select_related("product", "partner")),
        "tax_rows": selectors.tax_split(order.lines.select_related("product")),
        "payees": selectors.payee_account(order),
        "parties": selectors.order_parties(order),
        "term_days": services.order_term_days(order),
        "today": timezone.localdate(),
        "reference": selectors.payment_reference(stage) if stage else "",
        "pending_transfer": selectors.pending_transfer(stage) if stage else None,
        "transfers": list(order.bank_transfers.select_related("stage")),
        "card_mode": selectors.card_form_mode(),
        "card_limit": selectors.STRIPE_MAX_CHARGE,
        "card_payee": card_payee,
        "card_allowed": bool(stage)
        and card_payee.allowed
        and selectors.stage_within_card_limit(stage)
        and not stage.received,
        "wallets": selectors.wallet_methods(),
        "open_attempt": selectors.open_stripe_payment(stage) if stage else None,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "invoice_request": invoice_request,
        "issued_invoices": issued,
        "invoice_editable": not issued and order.status != services.ORDER_CANCELLED and can_invoice,
        "can_pay": can_pay,
        "can_invoice": can_invoice,
        "pay_refusal": "" if can_pay else refusal("orders.pay"),
        "invoice_refusal": "" if can_invoice else refusal("invoices.handle"),
        "awaiting_approval": order.status == services.ORDER_AWAITING_APPROVAL,
        "approval_message": services.MSG_AWAITING_APPROVAL,
        "approval": selectors.order_approval(order),
        "transfer_form": BankTransferForm(
            initial={"amount": due_now, "payer_name": invoice_request.invoice_title}
            if invoice_request
            else {"amount": due_now}
        ),
        "card_form": CardForm(initial={"token": services.new_form_token()}),
        "invoice_form": InvoiceRequestForm(instance=invoice_request),
        "error": "",
    }
    ctx.update(overrides)
    return ctx


def render_order_page(request, order, status=200, **overrides):
    return render(
        request, "payments/order_detail.html", order_page_context(request, order, **overrides), status=status
    )


class OrderDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        order = selectors.buyer_order_get(user=request.user, number=number)
        return render_order_page(request, order)


def _buyer_stage(request, number, sequence):
    order = selectors.buyer_order_get(user=request.user, number=number)
    _require(request, order, "orders.pay")
    try:
        return order, order.payment_stages.select_related("order").get(sequence=sequence)
    except PaymentStage.DoesNotExist:
        raise Http404


class BankTransferView(LoginRequiredMixin, View):
    def post(self, request, number, sequence):
        order, stage = _buyer_stage(request, number, sequence)
        form = BankTransferForm(request.POST, request.FILES)
        if not form.is_valid():
            return render_order_page(request, order, status=400, transfer_form=form)
        try:
            services.bank_transfer_submit(stage=stage, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            return render_order_page(request, order, status=400, transfer_form=form, error=exc.message)
        messages.success(request, _("汇款凭证已提交，供应商或平台确认到账后订单状态会自动更新。"))
        return redirect("payments:order-detail", number=order.number)


class CardPayView(LoginRequiredMixin, View):
    """Server-side card form (localstripe): card details -> PaymentMethod -> PaymentIntent."""

    def post(self, request, number, sequence):
        order, stage = _buyer_stage(request, number, sequence)
        if selectors.card_form_mode() != "server":
            raise Http404
        form = CardForm(request.POST)
        if not form.is_valid():
            return render_order_page(request, order, status=400, card_form=form)
        month, year = form.cleaned_data["expiry"]
        card = services.CardDetails(
            number=form.cleaned_data["number"], exp_month=month, exp_year=year, cvc=form.cleaned_data["cvc"]
        )
        try:
            attempt = services.stripe_card_pay(
                stage=stage, user=request.user, token=form.cleaned_data["token"], card=card
            )
        except DomainError as exc:
            # A declined attempt is over: the next try is a new attempt (new idempotency keys).
            # After a network error the same attempt is retried, with the same keys.
            token = form.cleaned_data["token"]
            if StripePayment.objects.filter(stage=stage, client_token=token, status="failed").exists():
                token = services.new_form_token()
            return render_order_page(
                request, order, status=400, card_form=CardForm(initial={"token": token}), error=exc.message
            )
        return _after_attempt(request, order, attempt)


def _after_attempt(request, order, attempt: StripePayment):
    if attempt.status == StripePayment.Status.SUCCEEDED:
        messages.success(
            request,
            _("支付成功：%(label)s %(amount)s。")
            % {"label": attempt.stage.label, "amount": rmb(attempt.amount)},
        )
    elif attempt.status == StripePayment.Status.REQUIRES_ACTION:
        if selectors.card_form_mode() == "server":
            return redirect("payments:stripe-authenticate", number=order.number, attempt=attempt.pk)
        messages.info(request, _("请按页面提示完成银行卡验证。"))
    elif attempt.status == StripePayment.Status.PROCESSING:
        messages.info(request, _("支付处理中，结果确认后订单状态会自动更新。"))
    elif attempt.status == StripePayment.Status.FAILED:
        messages.error(request, attempt.last_error or _("支付未成功。"))
    return redirect("payments:order-detail", number=order.number)


def _buyer_attempt(request, number, attempt):
    order = selectors.buyer_order_get(user=request.user, number=number)
    _require(request, order, "orders.pay")
    try:
        return order, order.stripe_payments.select_related("stage", "order").get(pk=attempt)
    except StripePayment.DoesNotExist:
        raise Http404


class StripeAuthenticateView(LoginRequiredMixin, View):
    """3-D Secure on the local test server: a stand-in for the bank's page."""

    def get(self, request, number, attempt):
        if not gateway.is_test_server():
            raise Http404
        order, attempt = _buyer_attempt(request, number, attempt)
        if attempt.status != StripePayment.Status.REQUIRES_ACTION:
            return redirect("payments:order-detail", number=order.number)
        return render(request, "payments/stripe_authenticate.html", {"order": order, "attempt": attempt})

    def post(self, request, number, attempt):
        if not gateway.is_test_server():
            raise Http404
        order, attempt = _buyer_attempt(request, number, attempt)
        try:
            attempt = services.stripe_authenticate(
                attempt=attempt, user=request.user, success=request.POST.get("result") == "success"
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("payments:order-detail", number=order.number)
        return _after_attempt(request, order, attempt)


class StripeIntentView(LoginRequiredMixin, View):
    """Stripe.js mode: create (or reuse) the PaymentIntent and hand its client secret over."""

    def post(self, request, number, sequence):
        order, stage = _buyer_stage(request, number, sequence)
        if selectors.card_form_mode() != "stripejs":
            raise Http404
        try:
            attempt, secret = services.stripe_intent_prepare(
                stage=stage, user=request.user, token=request.POST.get("token", "")
            )
        except DomainError as exc:
            return JsonResponse({"error": exc.message}, status=400)
        return_url = request.build_absolute_uri(
            reverse("payments:stripe-return", kwargs={"number": order.number, "attempt": attempt.pk})
        )
        return JsonResponse({"client_secret": secret, "return_url": return_url})


class StripeReturnView(LoginRequiredMixin, View):
    """Where Stripe.js sends the buyer back (after 3-D Secure, Alipay, WeChat Pay)."""

    def get(self, request, number, attempt):
        order, attempt = _buyer_attempt(request, number, attempt)
        try:
            attempt = services.stripe_payment_sync(attempt=attempt, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("payments:order-detail", number=order.number)
        return _after_attempt(request, order, attempt)


class InvoiceRequestView(LoginRequiredMixin, View):
    def post(self, request, number):
        order = selectors.buyer_order_get(user=request.user, number=number)
        _require(request, order, "invoices.handle")
        instance = InvoiceRequest.objects.filter(order=order).first()
        form = InvoiceRequestForm(request.POST, instance=instance)
        if not form.is_valid():
            return render_order_page(request, order, status=400, invoice_form=form)
        try:
            services.invoice_request_update(order=order, user=request.user, data=form.cleaned_data)
        except DomainError as exc:
            return render_order_page(request, order, status=400, invoice_form=form, error=exc.message)
        messages.success(request, _("开票信息已保存。"))
        return redirect("payments:order-detail", number=order.number)


def slip_response(transfer: BankTransfer) -> FileResponse:
    """Stream a private remittance slip (the caller has checked who may see it)."""
    try:
        fh = transfer.slip.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(
        fh,
        content_type=SLIP_CONTENT_TYPES.get(transfer.slip_kind, "application/octet-stream"),
        as_attachment=transfer.slip_kind == "pdf",
        filename=transfer.slip_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class SlipView(LoginRequiredMixin, View):
    def get(self, request, pk):
        try:
            transfer = BankTransfer.objects.select_related("order").get(
                pk=pk, order__in=selectors.buyer_orders(user=request.user).values("pk")
            )
        except BankTransfer.DoesNotExist:
            raise Http404
        return slip_response(transfer)


class InvoiceFileView(LoginRequiredMixin, View):
    """The invoice file the seller uploaded: for the order's 财务 (``invoices.handle``)."""

    def get(self, request, pk):
        from .models import IssuedInvoice

        try:
            invoice = IssuedInvoice.objects.select_related("order").get(
                pk=pk, order__in=selectors.buyer_orders(user=request.user).values("pk")
            )
        except IssuedInvoice.DoesNotExist:
            raise Http404
        _require(request, invoice.order, "invoices.handle")
        if not invoice.document:
            raise Http404
        try:
            fh = invoice.document.open("rb")
        except FileNotFoundError:
            raise Http404
        response = FileResponse(
            fh,
            content_type=SLIP_CONTENT_TYPES.get(invoice.document_kind, "application/octet-stream"),
            as_attachment=True,
            filename=invoice.document_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(View):
    """Stripe webhooks: verify the signature, store the event by id, process it in Celery."""

    def post(self, request):
        signature = request.headers.get("Stripe-Signature", "")
        try:
            event, created = services.stripe_event_receive(payload=request.body, signature=signature)
        except gateway.WebhookSignatureInvalid:
            return HttpResponseBadRequest("invalid signature")
        return HttpResponse("ok" if created else "duplicate")
