"""Buyer pages of 人才开发外包: the request form (from the XH-DEV product page), my requests, the
detail with the vendors' proposals (CVs), accepting profiles, the monthly reports to accept or
return, the early end; and the CV download for its three audiences. Thin: reads from
``selectors``, writes through ``services``; a refusal is shown in Chinese and stores nothing."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View

from shop.buyers.access import member_can, membership, refusal
from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.payments.models import PaymentStage
from shop.storefront.selectors import visible_products

from . import pricing, selectors, services
from .forms import EndForm, RejectForm, RequestForm, WithdrawForm
from .models import ProposalStatus, ReportStatus, Status

CV_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def form_errors_from(form, exc: DomainError) -> None:
    placed = False
    for name, msgs in (exc.fields or {}).items():
        if name in form.fields:
            for message in msgs or [exc.message]:
                form.add_error(name, message or exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


EVENT_LABELS = {
    "submitted": _lazy("提交需求"),
    "proposal_submitted": _lazy("供应商提交方案"),
    "proposal_revised": _lazy("供应商修改方案"),
    "accepted": _lazy("确认人选，服务中"),
    "withdrawn": _lazy("撤回需求"),
    "proposal_declined": _lazy("方案未选用"),
    "demo": _lazy("演示说明"),
    "ending": _lazy("通知提前终止"),
    "completed": _lazy("服务结束"),
}


def labelled_events(request) -> list:
    labels = dict(Status.choices)
    events = list(request.events.select_related("actor").order_by("created_at", "pk"))
    for event in events:
        event.label = EVENT_LABELS.get(event.kind) or labels.get(event.to_status, "") or _("记录")
    return events


def engagement_context(request) -> dict:
    """What the buyer's and the vendor's detail pages both show of an engagement: its lines,
    the accepted rates, the months with their facts, reports and payment stages."""
    lines = list(request.lines.all())
    context = {"req": request, "lines": lines, "events": labelled_events(request), "statuses": Status}
    proposal = request.accepted_proposal
    if proposal is None:
        return context
    rates = {r.line_id: r for r in proposal.rates.all()}
    for line in lines:
        line.rate = rates.get(line.pk)
    reports = {r.month: r for r in request.reports.prefetch_related("lines", "lines__profile")}
    stages = {s.sequence: s for s in request.order.payment_stages.all()} if request.order_id else {}
    last = services.last_month(request)
    months = []
    for month in range(1, request.months + 1):
        first, end = pricing.month_period(request.start_date, month)
        months.append(
            {
                "month": month,
                "start": first,
                "end": end,
                "report": reports.get(month),
                "stage": stages.get(month),
                "after_end": month > last,
            }
        )
    context.update(
        {
            "proposal": proposal,
            "profiles": list(proposal.profiles.select_related("line")),
            "months": months,
            "monthly_total": proposal.monthly_total,
            "next_month": services.next_month_to_report(request)
            if request.status in (Status.IN_SERVICE, Status.ENDING)
            else None,
            "contract": getattr(request.order, "contract", None) if request.order_id else None,
            "notice_days": services.notice_days(),
            "stage_status": PaymentStage.Status,
            "report_status": ReportStatus,
        }
    )
    return context


def _product(pk):
    product = visible_products().filter(pk=pk).select_related("product_class", "parent").first()
    if product is None or not selectors.is_outsourcing_product(product):
        raise Http404
    return product.parent if product.parent_id else product


def _may_request(user) -> None:
    member = membership(user)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))


class RequestCreateView(LoginRequiredMixin, View):
    def _page(self, request, product, form, status=200):
        return render(
            request,
            "outsourcing/new.html",
            {"product": product, "form": form, "levels": form.levels, "notice_days": services.notice_days()},
            status=status,
        )

    def get(self, request, pk):
        product = _product(pk)
        _may_request(request.user)
        levels = selectors.levels(product=product)
        return self._page(
            request, product, RequestForm(levels=levels, initial={"place": "on_site", "months": 3})
        )

    def post(self, request, pk):
        product = _product(pk)
        _may_request(request.user)
        form = RequestForm(request.POST, levels=selectors.levels(product=product))
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.outsourcing_request_submit(
                    actor=request.user,
                    product=product,
                    data=services.RequestInput(
                        title=data["title"],
                        lines=form.lines(),
                        months=data["months"],
                        start_date=data["start_date"],
                        place=data["place"],
                        city=data["city"],
                        skills=data["skills"],
                    ),
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request, _("人才外包需求 %(n)s 已提交，供应商将提交人选方案。") % {"n": created.number}
                )
                return redirect("outsourcing:detail", number=created.number)
        return self._page(request, product, form, status=400)


class RequestListView(LoginRequiredMixin, View):
    def get(self, request):
        member = membership(request.user)
        if member is not None and not member_can(member, "purchases.view"):
            raise PermissionDenied(refusal("purchases.view"))
        rows = list(
            selectors.requests_for_buyer(user=request.user)
            .select_related("accepted_proposal__partner")
            .prefetch_related("lines")
            .order_by("-created_at", "-pk")[:100]
        )
        return render(request, "outsourcing/list.html", {"requests": rows})


def _request_or_404(request, number):
    found = (
        selectors.requests_for_buyer(user=request.user)
        .select_related("unit", "accepted_proposal__partner", "order")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _detail(request, req, *, status=200, **forms):
    context = engagement_context(req)
    proposals = []
    if req.status == Status.OPEN or req.accepted_proposal_id is None:
        for proposal in req.proposals.select_related("partner").prefetch_related("rates", "profiles"):
            rates = {r.line_id: r for r in proposal.rates.all()}
            proposal.rows = [
                {
                    "line": line,
                    "rate": rates.get(line.pk),
                    "profiles": [p for p in proposal.profiles.all() if p.line_id == line.pk],
                }
                for line in context["lines"]
            ]
            proposals.append(proposal)
    context.update(
        {
            "proposals": proposals,
            "proposal_status": ProposalStatus,
            "reject_form": forms.get("reject_form") or RejectForm(),
            "end_form": forms.get("end_form") or EndForm(),
            "withdraw_form": WithdrawForm(),
            "today": timezone.localdate(),
            "budget_choices": _budget_choices(request.user) if proposals else [],
        }
    )
    return render(request, "outsourcing/detail.html", context, status=status)


def _budget_choices(user) -> list:
    """The unit's budget lines of this year for the 确认人选 form ([] when none is to be chosen)."""
    from shop.quotes.forms import budget_line_field

    field = budget_line_field(user)
    return list(field.choices) if field is not None else []


class RequestDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        return _detail(request, _request_or_404(request, number))


def _refused(request, req, exc, **forms):
    messages.error(request, exc.message)
    return _detail(request, req, status=400 if exc.status == 400 else 409, **forms)


class ProposalAcceptView(LoginRequiredMixin, View):
    def post(self, request, number, pk):
        req = _request_or_404(request, number)
        proposal = req.proposals.filter(pk=pk).first()
        if proposal is None:
            raise Http404
        try:
            req = services.proposal_accept(
                actor=request.user, proposal=proposal, budget_line_id=request.POST.get("budget_line") or None
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            return _refused(request, req, exc)
        messages.success(
            request,
            _("已确认人选，外包服务自 %(d)s 开始。采购合同草稿已生成，请在“我的合同”中确认签订。")
            % {"d": f"{req.start_date:%Y-%m-%d}"},
        )
        return redirect("outsourcing:detail", number=req.number)


class WithdrawView(LoginRequiredMixin, View):
    def post(self, request, number):
        req = _request_or_404(request, number)
        form = WithdrawForm(request.POST)
        form.is_valid()
        try:
            services.outsourcing_request_withdraw(
                actor=request.user, request=req, reason=form.cleaned_data.get("reason", "")
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            return _refused(request, req, exc)
        messages.success(request, _("需求已撤回。"))
        return redirect("outsourcing:detail", number=req.number)


def _report_or_404(req, month):
    report = req.reports.filter(month=month).first()
    if report is None:
        raise Http404
    return report


class ReportAcceptView(LoginRequiredMixin, View):
    def post(self, request, number, month):
        req = _request_or_404(request, number)
        report = _report_or_404(req, month)
        try:
            report = services.report_accept(actor=request.user, report=report)
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            return _refused(request, req, exc)
        if report.stage.status == PaymentStage.Status.DUE:
            messages.success(
                request,
                _("第 %(m)s 个月工作量已验收：应付 %(a)s，付款期限 %(d)s。")
                % {"m": report.month, "a": f"¥{report.amount:,}", "d": f"{report.stage.due_on:%Y-%m-%d}"},
            )
        else:
            messages.success(request, _("第 %(m)s 个月工作量已验收：当月无应付金额。") % {"m": report.month})
        return redirect("outsourcing:detail", number=req.number)


class ReportRejectView(LoginRequiredMixin, View):
    def post(self, request, number, month):
        req = _request_or_404(request, number)
        report = _report_or_404(req, month)
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写退回原因。"))
            return _detail(request, req, status=400, reject_form=form)
        try:
            services.report_reject(actor=request.user, report=report, reason=form.cleaned_data["reason"])
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            return _refused(request, req, exc, reject_form=form)
        messages.success(request, _("第 %(m)s 个月工作量已退回供应商。") % {"m": report.month})
        return redirect("outsourcing:detail", number=req.number)


class EndView(LoginRequiredMixin, View):
    def post(self, request, number):
        req = _request_or_404(request, number)
        form = EndForm(request.POST)
        if not form.is_valid():
            messages.error(request, next(iter(form.errors.values()))[0])
            return _detail(request, req, status=400, end_form=form)
        try:
            services.engagement_end_early(
                actor=request.user,
                request=req,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            return _refused(request, req, exc, end_form=form)
        messages.success(request, _("已通知提前终止，供应商已收到通知。"))
        return redirect("outsourcing:detail", number=req.number)


class CvView(LoginRequiredMixin, View):
    """A CV for the buyer's unit (members who see purchases), the proposing vendor and
    operators; everyone else gets 404."""

    def get(self, request, pk):
        profile = selectors.profile_for(user=request.user, pk=pk)
        if profile is None:
            raise Http404
        try:
            handle = profile.cv.open("rb")
        except FileNotFoundError:
            raise Http404(_("文件不存在。"))
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=profile.cv_name,
            content_type=CV_TYPES.get(profile.cv_type, "application/octet-stream"),
        )
        response["Cache-Control"] = "private, no-store"
        return response
