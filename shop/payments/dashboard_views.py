"""Payments dashboard (/dashboard/payments/): receipts to confirm, order payment details,
invoices issued, Stripe webhook events. Operators see everything; a vendor sees orders with
its own lines, only its own lines, and confirms receipt only for orders that are wholly its own."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from shop.core.access import OperatorRequiredMixin, VendorOrOperatorMixin, is_operator, user_partner_ids
from shop.core.exceptions import DomainError
from shop.core.money import rmb

from . import selectors, services, wording
from .forms import BankAccountForm, ConfirmReceiptForm, IssueInvoiceForm, PrepayForm, ReviewForm
from .models import BankTransfer, InvoiceRequest, SellerPaymentProfile, StripeEvent, VendorBankAccount
from .views import slip_response


class PaymentOrderListView(VendorOrOperatorMixin, ListView):
    template_name = "payments/dashboard/order_list.html"
    context_object_name = "orders"
    paginate_by = 30

    def get_queryset(self):
        qs = (
            selectors.dashboard_orders(user=self.request.user)
            .select_related("origin__unit", "user")
            .prefetch_related("payment_stages")
        )
        qs = qs.annotate(
            awaiting=Exists(
                BankTransfer.objects.filter(order=OuterRef("pk"), status=BankTransfer.Status.SUBMITTED)
            )
        )
        show = self.request.GET.get("show", "")
        if show == "awaiting":
            qs = qs.filter(awaiting=True)
        elif show == "overdue":
            qs = selectors.with_overdue(qs, today=timezone.localdate()).order_by("overdue_since", "pk")
        elif show:
            qs = qs.filter(status=show)
        number = self.request.GET.get("number", "").strip()
        if number:
            qs = qs.filter(number__icontains=number)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["show"] = self.request.GET.get("show", "")
        ctx["number"] = self.request.GET.get("number", "")
        ctx["statuses"] = list(settings.OSCAR_ORDER_STATUS_PIPELINE)
        for order in ctx["orders"]:
            order.due = wording.amount_due(order)
        ctx["awaiting_count"] = selectors.awaiting_confirmation(user=self.request.user).count()
        ctx["overdue_count"] = selectors.with_overdue(
            selectors.dashboard_orders(user=self.request.user), today=timezone.localdate()
        ).count()
        return ctx


def _confirm_note(user, order) -> str:
    """Why this dashboard user does not confirm receipts of ``order`` (who does)."""
    if selectors.order_is_mall_sale(order):
        return _("商城自营订单的到账由平台运营确认。")
    if is_operator(user):
        return _(
            "该订单的货款由采购方直接汇入供应商自己的对公账户（或供应商自有的 Stripe 账户），"
            "到账由供应商确认；平台不代收、不确认供应商的货款。"
        )
    return _(
        "该订单包含其他销售方的商品，货款按各销售方份额分别支付，本供应商不能确认整笔到账；"
        "您可在下方为本供应商的商品登记发票。"
    )


def dashboard_order_context(request, order, **overrides) -> dict:
    user = request.user
    can_confirm = selectors.can_confirm_receipt(user, order)
    can_view = can_confirm or is_operator(user)
    partners = selectors.invoice_partners_for(user, order)
    shares = [
        (p, selectors.partner_share(order, p.pk), selectors.invoiced_by_rate(order, p.pk)) for p in partners
    ]
    rates = sorted({row.rate for _p, rows, _i in shares for row in rows}, reverse=True)
    visible_partner_ids = None if is_operator(user) else set(user_partner_ids(user))
    issued = order.issued_invoices.select_related("partner")
    if visible_partner_ids is not None:
        issued = issued.filter(partner_id__in=visible_partner_ids)
    lines = list(selectors.visible_lines(user, order))
    ctx = {
        "order": order,
        # the whole order's total where this user sees its payments, else its own lines' share
        "due": wording.amount_due(
            order, amount=None if can_view else sum((line.line_price_incl_tax for line in lines), Decimal(0))
        ),
        "share_only": not can_view,
        "lines": lines,
        "can_confirm": can_confirm,
        # operators see every order's payments (oversight of overdue payables), confirm only their own
        "can_view": can_view,
        "stages": selectors.with_outstanding(order.payment_stages.all()) if can_view else [],
        "transfers": list(order.bank_transfers.select_related("stage", "uploaded_by", "reviewed_by"))
        if can_view
        else [],
        "stripe_payments": list(order.stripe_payments.select_related("stage")) if can_view else [],
        "invoice_request": InvoiceRequest.objects.filter(order=order).first(),
        "shares": shares,
        "issued_invoices": list(issued),
        "invoice_form": IssueInvoiceForm(partners=partners, rates=rates),
        "review_form": ReviewForm(),
        "events": selectors.order_audit_events(order) if can_view else [],
        "confirm_note": "" if can_confirm else _confirm_note(user, order),
        "error": "",
    }
    ctx.update(overrides)
    return ctx


def render_dashboard_order(request, order, status=200, **overrides):
    return render(
        request,
        "payments/dashboard/order_detail.html",
        dashboard_order_context(request, order, **overrides),
        status=status,
    )


class PaymentOrderDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        order = selectors.dashboard_order_get(user=request.user, number=number)
        return render_dashboard_order(request, order)


def _transfer_for(request, pk) -> BankTransfer:
    try:
        return BankTransfer.objects.select_related("order", "stage").get(
            pk=pk, order__in=selectors.dashboard_orders(user=request.user)
        )
    except BankTransfer.DoesNotExist:
        raise Http404


class TransferReviewView(VendorOrOperatorMixin, View):
    """Confirm receipt of a remittance (the stage is paid) or reject the slip."""

    confirm = True

    def post(self, request, pk):
        transfer = _transfer_for(request, pk)
        back = redirect("dashboard:payments-order", number=transfer.order.number)
        form = (ConfirmReceiptForm if self.confirm else ReviewForm)(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return back
        note = form.cleaned_data["note"]
        try:
            if self.confirm:
                result = services.bank_transfer_confirm(
                    transfer=transfer,
                    actor=request.user,
                    received_amount=form.cleaned_data["received_amount"],
                    note=note,
                )
            else:
                services.bank_transfer_reject(transfer=transfer, actor=request.user, note=note)
        except DomainError as exc:
            messages.error(request, exc.message)
            return back
        if not self.confirm:
            messages.success(request, _("已驳回该汇款凭证，采购方可重新上传。"))
        elif not result.changed:
            messages.info(request, _("该凭证此前已确认到账，无需重复操作。"))
        elif result.shortfall:
            messages.warning(
                request,
                _("已登记实收 %(got)s；%(label)s还差 %(left)s，款项保持待支付，待采购方补足后再确认。")
                % {
                    "got": rmb(result.transfer.received_amount),
                    "label": transfer.stage.label,
                    "left": rmb(result.shortfall),
                },
            )
        else:
            messages.success(
                request,
                _("已确认到账：%(label)s %(amount)s，订单状态已更新。")
                % {"label": transfer.stage.label, "amount": rmb(result.transfer.received_amount)},
            )
        return back


class DashboardSlipView(VendorOrOperatorMixin, View):
    def get(self, request, pk):
        transfer = _transfer_for(request, pk)
        # the seller that confirms it reads it; operators may read any (oversight, disputes)
        if not (is_operator(request.user) or selectors.can_confirm_receipt(request.user, transfer.order)):
            raise Http404
        return slip_response(transfer)


class InvoiceIssueView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        order = selectors.dashboard_order_get(user=request.user, number=number)
        partners = selectors.invoice_partners_for(request.user, order)
        rates = sorted(
            {row.rate for p in partners for row in selectors.partner_share(order, p.pk)}, reverse=True
        )
        form = IssueInvoiceForm(request.POST, request.FILES, partners=partners, rates=rates)
        if not form.is_valid():
            return render_dashboard_order(request, order, status=400, invoice_form=form)
        data = form.cleaned_data
        partner = next((p for p in partners if p.pk == data["partner"]), None)
        try:
            services.invoice_issue(
                order=order,
                actor=request.user,
                partner=partner,
                number=data["number"],
                issued_on=data["issued_on"],
                tax_rate=data["tax_rate"],
                amount=data["amount"],
                tax=data["tax"],
                document=data.get("document"),
            )
        except DomainError as exc:
            return render_dashboard_order(request, order, status=400, invoice_form=form, error=exc.message)
        messages.success(request, _("发票 %(n)s 已登记，采购方可在订单页查看。") % {"n": data["number"]})
        return redirect("dashboard:payments-order", number=order.number)


class StripeEventListView(OperatorRequiredMixin, ListView):
    template_name = "payments/dashboard/stripe_events.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        qs = StripeEvent.objects.all()
        status = self.request.GET.get("status", "")
        if status:
            qs = qs.filter(status=status)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["status"] = self.request.GET.get("status", "")
        ctx["statuses"] = StripeEvent.Status.choices
        for event in ctx["events"]:
            event.label = wording.stripe_event_label(event.type)
            event.plain_note = wording.plain_note(event.note)
        return ctx


# --- the seller's payment settings: its own 对公账户, prepayment, Stripe ------------------------


def _own_partner(request):
    """The vendor's partner (a vendor user has one; operators have none here)."""
    from oscar.core.loading import get_model

    ids = user_partner_ids(request.user)
    if not ids:
        raise Http404
    return get_model("partner", "Partner").objects.get(pk=ids[0])


def seller_settings_context(request, partner, **overrides) -> dict:
    account = VendorBankAccount.objects.filter(partner=partner).first()
    profile = SellerPaymentProfile.objects.filter(partner=partner).first()
    ctx = {
        "partner": partner,
        "account": account,
        "profile": profile,
        "allows_prepay": selectors.seller_allows_prepay(partner),
        "connect_offered": services.stripe_connect_offered(),
        "registered_name": services.registered_company_name(partner),
        "events": list(account.events.select_related("actor").order_by("created_at", "pk"))
        if account
        else [],
        "account_form": BankAccountForm(initial={"account_name": services.registered_company_name(partner)}),
        "error": "",
    }
    ctx.update(overrides)
    return ctx


class SellerSettingsView(VendorOrOperatorMixin, View):
    """收款设置 (vendor): its own 对公账户 (submitted for verification) and prepayment."""

    template = "payments/dashboard/seller_settings.html"

    def get(self, request):
        if not user_partner_ids(request.user):  # an operator: the vendors' accounts to verify
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        return render(request, self.template, seller_settings_context(request, partner))

    def post(self, request):
        if not user_partner_ids(request.user):
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        form = BankAccountForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(
                request,
                self.template,
                seller_settings_context(request, partner, account_form=form),
                status=400,
            )
        try:
            services.bank_account_submit(partner=partner, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            return render(
                request,
                self.template,
                seller_settings_context(request, partner, account_form=form, error=exc.message),
                status=400,
            )
        messages.success(request, _("对公账户已提交，平台核验通过后将显示给采购方。"))
        return redirect("dashboard:payments-seller-settings")


class SellerPrepayView(VendorOrOperatorMixin, View):
    def post(self, request):
        if not user_partner_ids(request.user):
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        form = PrepayForm(request.POST)
        form.is_valid()
        allows = bool(form.cleaned_data.get("allows_prepay"))
        services.seller_profile_update(partner=partner, actor=request.user, allows_prepay=allows)
        messages.success(
            request,
            _("已开启：企业客户可先付款后发货（党政机关、事业单位仍验收后付款）。")
            if allows
            else _("已关闭：新订单均为验收后付款。"),
        )
        return redirect("dashboard:payments-seller-settings")


class StripeConnectStartView(VendorOrOperatorMixin, View):
    """连接 Stripe 账户: off to Stripe's authorisation page (POST, so no link can start it)."""

    def post(self, request):
        if not user_partner_ids(request.user):  # an operator has no Stripe account of its own here
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        redirect_uri = request.build_absolute_uri(reverse("dashboard:payments-stripe-connect-return"))
        try:
            url = services.stripe_connect_start(
                partner=partner, actor=request.user, redirect_uri=redirect_uri
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("dashboard:payments-seller-settings")
        return HttpResponseRedirect(url)


class StripeConnectReturnView(VendorOrOperatorMixin, View):
    """Where Stripe sends the vendor back: ``code`` and ``state``, or ``error`` when it cancelled."""

    def get(self, request):
        if not user_partner_ids(request.user):  # an operator has no Stripe account of its own here
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        if request.GET.get("error"):
            messages.warning(request, _("未连接 Stripe 账户（已在 Stripe 页面取消或被拒绝）。"))
            return redirect("dashboard:payments-seller-settings")
        try:
            profile = services.stripe_connect_complete(
                partner=partner,
                actor=request.user,
                code=request.GET.get("code", ""),
                state=request.GET.get("state", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已连接贵司自己的 Stripe 账户 %(acct)s：采购方刷卡付款将直接进入该账户。")
                % {"acct": profile.stripe_account_id},
            )
        return redirect("dashboard:payments-seller-settings")


class StripeConnectRemoveView(VendorOrOperatorMixin, View):
    def post(self, request):
        if not user_partner_ids(request.user):  # an operator has no Stripe account of its own here
            return redirect("dashboard:payments-bank-accounts")
        partner = _own_partner(request)
        try:
            services.stripe_connect_remove(partner=partner, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已断开 Stripe 账户：采购方此后只能通过对公转账向贵司付款。"))
        return redirect("dashboard:payments-seller-settings")


class BankAccountListView(OperatorRequiredMixin, ListView):
    """Operators: the vendors' accounts to verify (待审核 first)."""

    template_name = "payments/dashboard/bank_account_list.html"
    context_object_name = "accounts"
    paginate_by = 50

    def get_queryset(self):
        qs = VendorBankAccount.objects.select_related("partner")
        status = self.request.GET.get("status", "submitted")
        if status in VendorBankAccount.Status.values:
            qs = qs.filter(status=status)
        return qs.order_by("updated_at", "pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["status"] = self.request.GET.get("status", "submitted")
        ctx["statuses"] = VendorBankAccount.Status.choices
        return ctx


def _account_for_operator(pk) -> VendorBankAccount:
    try:
        return VendorBankAccount.objects.select_related("partner").get(pk=pk)
    except VendorBankAccount.DoesNotExist:
        raise Http404


class BankAccountReviewView(OperatorRequiredMixin, View):
    template = "payments/dashboard/bank_account_detail.html"

    def _context(self, account, **overrides):
        ctx = {
            "account": account,
            "registered_name": services.registered_company_name(account.partner),
            "events": list(account.events.select_related("actor").order_by("created_at", "pk")),
            "review_form": ReviewForm(),
            "error": "",
        }
        ctx.update(overrides)
        return ctx

    def get(self, request, pk):
        account = _account_for_operator(pk)
        return render(request, self.template, self._context(account))

    def post(self, request, pk):
        account = _account_for_operator(pk)
        form = ReviewForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        verify = request.POST.get("decision") == "verify"
        try:
            services.bank_account_review(account=account, actor=request.user, verify=verify, note=note)
        except DomainError as exc:
            return render(request, self.template, self._context(account, error=exc.message), status=400)
        messages.success(request, _("已核验通过。") if verify else _("已驳回，供应商可更正后重新提交。"))
        return redirect("dashboard:payments-bank-account", pk=account.pk)


class BankAccountProofView(VendorOrOperatorMixin, View):
    """The proof document: operators, and the vendor that uploaded it."""

    def get(self, request, pk):
        from django.http import FileResponse

        account = _account_for_operator(pk)
        if not (is_operator(request.user) or account.partner_id in user_partner_ids(request.user)):
            raise Http404
        try:
            fh = account.proof.open("rb")
        except FileNotFoundError:
            raise Http404
        content_type = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
        response = FileResponse(
            fh,
            content_type=content_type.get(account.proof_kind, "application/octet-stream"),
            as_attachment=account.proof_kind == "pdf",
            filename=account.proof_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
