"""Buyer pages: the quote list (询价单), submitting, 我的询价, detail with 比价 and actions."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from shop.buyers.forms import initial_from_organisation
from shop.buyers.models import ApprovalRequest
from shop.core.exceptions import DomainError
from shop.core.versions import parse_version
from shop.storefront.selectors import visible_product

from . import selectors, services
from .forms import NoteForm, QuoteListAddForm, QuoteSubmitForm, RevisionRequestForm
from .models import ProcurementMethod, QuoteAttachment, RequestStatus, VendorQuote


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return fallback


class QuoteListView(TemplateView):
    """询价单: lines across products and vendors; quantities and remarks editable."""

    template_name = "quotes/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qlist = services.quote_list_for_request(request=self.request)
        lines = list(qlist.lines.select_related("product", "product__parent")) if qlist else []
        ctx.update(
            quote_list=qlist,
            lines=lines,
            max_quantity=services.MAX_LINE_QUANTITY,
        )
        services.quote_list_count_remember(request=self.request, quote_list=qlist)
        return ctx

    def post(self, request, *args, **kwargs):
        qlist = services.quote_list_for_request(request=request)
        if qlist is None:
            return redirect("quotes:list")
        ok = True
        try:
            if "remove" in request.POST:
                services.quote_list_remove(quote_list=qlist, line_id=int(request.POST["remove"]))
                messages.success(request, _("已从询价单移除。"))
            else:
                changes = {}
                for line in qlist.lines.all():
                    key = f"quantity_{line.pk}"
                    if key in request.POST:
                        changes[line.pk] = (request.POST.get(key), request.POST.get(f"remark_{line.pk}", ""))
                services.quote_list_update(quote_list=qlist, changes=changes)
                if "submit" not in request.POST:
                    messages.success(request, _("询价单已更新。"))
        except (DomainError, ValueError) as exc:
            ok = False
            messages.error(request, getattr(exc, "message", _("输入有误，请检查后重试。")))
        services.quote_list_count_remember(request=request, quote_list=qlist)
        if ok and "submit" in request.POST:
            return redirect("quotes:submit")
        return redirect("quotes:list")


class QuoteListAddView(View):
    """POST from the 加入询价单 form on product pages."""

    def post(self, request, *args, **kwargs):
        form = QuoteListAddForm(request.POST)
        fallback = reverse("quotes:list")
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, errors[0])
            return HttpResponseRedirect(_safe_next(request, fallback))
        product = visible_product(pk=form.cleaned_data["product"])
        if product is None:
            messages.error(request, _("商品不存在或已下架。"))
            return HttpResponseRedirect(_safe_next(request, fallback))
        try:
            qlist = services.quote_list_for_request(request=request, create=True)
            services.quote_list_add(
                quote_list=qlist,
                product=product,
                quantity=form.cleaned_data["quantity"],
                remark=form.cleaned_data.get("remark", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_safe_next(request, fallback))
        count = services.quote_list_count_remember(request=request, quote_list=qlist)
        messages.success(
            request,
            _("“%(title)s”已加入询价单（共 %(n)s 项）。") % {"title": product.get_title(), "n": count},
        )
        return HttpResponseRedirect(_safe_next(request, fallback))


class QuoteSubmitView(LoginRequiredMixin, FormView):
    template_name = "quotes/submit.html"
    form_class = QuoteSubmitForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.quote_list = services.quote_list_for_request(request=request)
            if self.quote_list is None or not self.quote_list.lines.exists():
                messages.info(request, _("询价单是空的，请先在商品页点击“加入询价单”。"))
                return redirect("quotes:list")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        """直购 needs none of the request's fields: the items go to the basket at their list
        price and the buyer places the order in the checkout."""
        if request.POST.get("procurement_method") == ProcurementMethod.DIRECT:
            try:
                moved = services.quote_list_buy_direct(
                    user=request.user, quote_list=self.quote_list, basket=request.basket
                )
            except DomainError as exc:
                form = self.get_form()
                form.is_valid()
                form.add_error("procurement_method", exc.message)
                return self.form_invalid(form)
            services.quote_list_count_remember(request=request, quote_list=self.quote_list)
            messages.success(
                request,
                _("已将 %(n)s 项商品按标价转入采购车，请核对收货地址和付款方式后提交直购订单。")
                % {"n": moved},
            )
            return redirect("checkout:index")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = initial_from_organisation(self.request.user)
        user = self.request.user
        initial.setdefault("contact_name", user.get_full_name())
        initial.setdefault("contact_email", user.email)
        initial.setdefault("procurement_method", ProcurementMethod.NEGOTIATED)
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["lines"] = list(self.quote_list.lines.select_related("product"))
        return ctx

    def form_valid(self, form):
        lines = [
            services.LineInput(product=line.product, quantity=line.quantity, remark=line.remark)
            for line in self.quote_list.lines.select_related("product", "product__parent")
        ]
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("attachments", "budget_line")}
        try:
            qr = services.quote_request_submit(
                user=self.request.user,
                data=data,
                lines=lines,
                attachments=form.cleaned_data.get("attachments") or [],
                quote_list=self.quote_list,
                budget_line_id=form.cleaned_data.get("budget_line"),
            )
        except DomainError as exc:
            field = next((name for name in exc.fields if name in form.fields), None)
            form.add_error(field, exc.fields[field] if field else exc.message)
            return self.form_invalid(form)
        services.quote_list_count_remember(request=self.request, quote_list=self.quote_list)
        return redirect("quotes:submitted", number=qr.number)


class BuyerQuoteMixin(LoginRequiredMixin):
    def get_quote_request(self):
        """The request by number among those the user may read (their unit's, by role; or their
        own): any other number is a 404. Acting is checked by the services."""
        visible = selectors.quote_requests_for_buyer(user=self.request.user).values("pk")
        qs = selectors.quote_request_detail_queryset().filter(pk__in=visible)
        return get_object_or_404(qs, number=self.kwargs["number"])


class QuoteSubmittedView(BuyerQuoteMixin, TemplateView):
    template_name = "quotes/submitted.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["quote_request"] = self.get_quote_request()
        return ctx


class MyQuotesView(LoginRequiredMixin, ListView):
    template_name = "quotes/mine.html"
    context_object_name = "quote_requests"
    paginate_by = 20

    def get_queryset(self):
        return (
            selectors.quote_requests_for_buyer(user=self.request.user)
            .prefetch_related("lines", "vendor_quotes")
            .order_by("-created_at", "-pk")
        )


class QuoteDetailView(BuyerQuoteMixin, TemplateView):
    template_name = "quotes/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qr = self.get_quote_request()
        vendor_quotes = list(qr.vendor_quotes.all())
        approval = selectors.quote_request_approval(quote_request=qr)
        can_act = selectors.buyer_may_act(user=self.request.user, quote_request=qr)
        ctx.update(
            quote_request=qr,
            comparison=selectors.comparison(quote_request=qr, vendor_quotes=vendor_quotes),
            timeline=selectors.quote_request_timeline(quote_request=qr, viewer=self.request.user),
            revision_form=RevisionRequestForm(),
            can_act=can_act,
            is_quoted=can_act and qr.status == RequestStatus.QUOTED,
            approval=approval,
            approval_quote=next(
                (vq for vq in vendor_quotes if approval and vq.pk == approval.subject_id), None
            ),
        )
        return ctx


class QuoteActionView(BuyerQuoteMixin, View):
    """POST-only buyer actions; a refused action shows its Chinese message on the detail page."""

    action = ""

    def post(self, request, *args, **kwargs):
        qr = self.get_quote_request()
        detail = reverse("quotes:detail", kwargs={"number": qr.number})
        vq = None
        if "vq" in self.kwargs:
            vq = get_object_or_404(
                VendorQuote.objects.select_related("request", "partner"), pk=self.kwargs["vq"], request=qr
            )
        try:
            if self.action == "accept":
                outcome = services.vendor_quote_accept(
                    vendor_quote=vq, actor=request.user, revision=parse_version(request.POST.get("revision"))
                )
                if isinstance(outcome, ApprovalRequest):
                    messages.success(
                        request,
                        _(
                            "接受 %(vendor)s 的报价需本单位审批，已提交审批（审批单 %(number)s），审批通过后生成订单。"
                        )
                        % {"vendor": vq.partner.name, "number": outcome.number},
                    )
                else:
                    messages.success(
                        request,
                        _("已接受 %(vendor)s 的报价，订单 %(order)s 已生成，请按订单付款。")
                        % {"vendor": vq.partner.name, "order": outcome.number},
                    )
            elif self.action == "decline":
                form = NoteForm(request.POST)
                note = form.cleaned_data["note"] if form.is_valid() else ""
                services.vendor_quote_decline(vendor_quote=vq, actor=request.user, note=note)
                messages.success(request, _("已拒绝 %(vendor)s 的报价。") % {"vendor": vq.partner.name})
            elif self.action == "revise":
                form = RevisionRequestForm(request.POST)
                if not form.is_valid():
                    raise DomainError(form.errors["note"][0])
                services.vendor_quote_request_revision(
                    vendor_quote=vq, actor=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("已请 %(vendor)s 修改报价。") % {"vendor": vq.partner.name})
            elif self.action == "cancel":
                form = NoteForm(request.POST)
                note = form.cleaned_data["note"] if form.is_valid() else ""
                services.quote_request_cancel(quote_request=qr, actor=request.user, note=note)
                messages.success(request, _("询价 %(number)s 已取消。") % {"number": qr.number})
            else:  # pragma: no cover - urls only route known actions
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(detail)


class VendorQuotePdfView(BuyerQuoteMixin, View):
    def get(self, request, *args, **kwargs):
        qr = self.get_quote_request()
        vq = get_object_or_404(VendorQuote, pk=self.kwargs["vq"], request=qr)
        return pdf_response(vq)


class AttachmentView(BuyerQuoteMixin, View):
    def get(self, request, *args, **kwargs):
        qr = self.get_quote_request()
        att = get_object_or_404(QuoteAttachment, pk=self.kwargs["pk"], request=qr)
        return attachment_response(att)


def pdf_response(vq) -> FileResponse:
    if not vq.pdf:
        raise Http404(_("报价单 PDF 尚未生成"))
    try:
        fh = vq.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("报价单 PDF 尚未生成"))
    return FileResponse(
        fh, as_attachment=True, filename=f"报价单-{vq.number}.pdf", content_type="application/pdf"
    )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment_response(att) -> FileResponse:
    try:
        fh = att.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件不存在"))
    return FileResponse(
        fh,
        as_attachment=True,
        filename=att.display_name,
        content_type=CONTENT_TYPES.get(att.kind, "application/octet-stream"),
    )
