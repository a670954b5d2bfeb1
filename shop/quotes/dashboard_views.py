"""Dashboard pages: vendors see the requests routed to them and only their own quote;
operators see everything (and failed steps)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from shop.core.access import OperatorRequiredMixin, VendorOrOperatorMixin, is_operator, user_partner_ids
from shop.core.exceptions import DomainError

from . import selectors, services
from .forms import VendorAnswerForm
from .models import QUOTING_REQUEST_STATUSES, QuoteAttachment, RequestStatus
from .views import attachment_response, pdf_response


class QuoteRequestListView(VendorOrOperatorMixin, ListView):
    template_name = "quotes/dashboard/list.html"
    context_object_name = "quote_requests"
    paginate_by = 30

    def get_queryset(self):
        self.status = self.request.GET.get("status", "")
        if self.status not in RequestStatus.values:
            self.status = ""
        self.query = (self.request.GET.get("q") or "").strip()[:40]
        return selectors.quote_requests_for_dashboard(
            user=self.request.user, status=self.status, query=self.query
        ).prefetch_related("vendor_quotes__partner")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        operator = is_operator(user)
        partner_ids = set(user_partner_ids(user))
        rows = []
        for qr in ctx["quote_requests"]:
            quotes = [vq for vq in qr.vendor_quotes.all() if operator or vq.partner_id in partner_ids]
            rows.append({"qr": qr, "quotes": quotes, "failed": operator and qr.has_failures})
        ctx.update(
            rows=rows,
            statuses=RequestStatus.choices,
            status=self.status,
            query=self.query,
            is_operator=operator,
        )
        return ctx


class ScopedRequestMixin(VendorOrOperatorMixin):
    def get_quote_request(self):
        qs = selectors.quote_requests_for_dashboard(user=self.request.user).prefetch_related(
            "lines", "attachments"
        )
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_vendor_quote(self):
        vq = selectors.vendor_quote_for_user(
            user=self.request.user, quote_request_id=self.kwargs["pk"], vendor_quote_id=self.kwargs["vq"]
        )
        if vq is None:
            raise Http404
        return vq


class QuoteRequestDetailView(ScopedRequestMixin, TemplateView):
    template_name = "quotes/dashboard/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qr = self.get_quote_request()
        vendor_quotes = list(selectors.vendor_quotes_for_user(user=self.request.user, quote_request=qr))
        operator = is_operator(self.request.user)
        ctx.update(
            quote_request=qr,
            vendor_quotes=vendor_quotes,
            comparison=selectors.comparison(
                quote_request=qr, vendor_quotes=vendor_quotes, only_quoted_lines=not operator
            ),
            timeline=selectors.quote_request_timeline(quote_request=qr, viewer=self.request.user),
            is_operator=operator,
            can_answer=qr.status in QUOTING_REQUEST_STATUSES,
        )
        return ctx


class VendorQuoteAnswerView(ScopedRequestMixin, FormView):
    """Answer (or revise) one vendor quote: unit prices, lead time, validity, terms."""

    template_name = "quotes/dashboard/answer.html"
    form_class = VendorAnswerForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.vendor_quote = self.get_vendor_quote()
        kwargs["vendor_quote"] = self.vendor_quote
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(vendor_quote=self.vendor_quote, quote_request=self.vendor_quote.request)
        return ctx

    def form_valid(self, form):
        try:
            services.vendor_quote_answer(
                vendor_quote=self.vendor_quote,
                actor=self.request.user,
                prices=form.prices(),
                lead_time_days=form.cleaned_data["lead_time_days"],
                valid_until=form.cleaned_data["valid_until"],
                terms=form.cleaned_data.get("terms", ""),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("报价 %(number)s 已提交，采购方将收到通知。") % {"number": self.vendor_quote.number},
        )
        return redirect("dashboard:quotes-detail", pk=self.vendor_quote.request_id)


class VendorQuotePdfView(ScopedRequestMixin, View):
    def get(self, request, *args, **kwargs):
        return pdf_response(self.get_vendor_quote())


class AttachmentView(ScopedRequestMixin, View):
    def get(self, request, *args, **kwargs):
        qr = self.get_quote_request()
        return attachment_response(get_object_or_404(QuoteAttachment, pk=self.kwargs["att"], request=qr))


class RetryStepsView(OperatorRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        qr = get_object_or_404(selectors.quote_requests_for_dashboard(user=request.user), pk=kwargs["pk"])
        try:
            n = services.quote_steps_retry(quote_request=qr, actor=request.user)
            messages.success(
                request, _("已重新安排 %(n)s 个失败步骤。") % {"n": n} if n else _("没有失败的步骤。")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("dashboard:quotes-detail", pk=qr.pk)


class CancelRequestView(OperatorRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        qr = get_object_or_404(selectors.quote_requests_for_dashboard(user=request.user), pk=kwargs["pk"])
        try:
            services.quote_request_cancel(
                quote_request=qr,
                actor=request.user,
                note=(request.POST.get("note") or _("平台运营取消"))[:1000],
            )
            messages.success(request, _("询价 %(number)s 已取消。") % {"number": qr.number})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("dashboard:quotes-detail", pk=qr.pk)
