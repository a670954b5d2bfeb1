"""Dashboard pages of 人才开发外包: a vendor sees the open requests for the levels it lists and
those it proposed to (operators see all); it proposes rates and named profiles with CVs, reports
each month's days and may end an engagement early with notice."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from shop.core.access import VendorOrOperatorMixin, is_operator
from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import EndForm
from .models import Status
from .views import engagement_context


class ListView(VendorOrOperatorMixin, View):
    def get(self, request):
        status = request.GET.get("status", "")
        qs = selectors.requests_for_vendor(user=request.user).select_related(
            "unit", "accepted_proposal__partner"
        )
        if status in Status.values:
            qs = qs.filter(status=status)
        return render(
            request,
            "outsourcing/dashboard/list.html",
            {
                "requests": list(qs.prefetch_related("lines").order_by("-created_at", "-pk")[:200]),
                "status": status,
                "statuses": Status.choices,
                "is_operator": is_operator(request.user),
            },
        )


def _request_or_404(request, number):
    found = (
        selectors.requests_for_vendor(user=request.user)
        .select_related("unit", "accepted_proposal__partner", "order")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _proposal_rows(req, proposal, posted=None):
    """The proposal form's rows: per level its rate field and one block per person."""
    posted = posted or {}
    rates = {r.line_id: r.rate for r in proposal.rates.all()} if proposal else {}
    profiles = {}
    if proposal:
        for p in proposal.profiles.all():
            profiles.setdefault(p.line_id, []).append(p)
    rows = []
    for line in req.lines.select_related("level"):
        record = (
            selectors.vendor_stockrecord(partner_id=proposal.partner_id, level=line.level)
            if proposal
            else None
        )
        people = []
        for i in range(line.headcount):
            prefix = f"p_{line.pk}_{i}"
            earlier = profiles.get(line.pk, [])[i] if i < len(profiles.get(line.pk, [])) else None
            people.append(
                {
                    "prefix": prefix,
                    "index": i + 1,
                    "name": posted.get(f"{prefix}_name", earlier.name if earlier else ""),
                    "years": posted.get(f"{prefix}_years", earlier.years if earlier else ""),
                    "skills": posted.get(f"{prefix}_skills", earlier.skills if earlier else ""),
                }
            )
        rows.append(
            {
                "line": line,
                "rate": posted.get(f"rate_{line.pk}", rates.get(line.pk, "")),
                "floor": record.price if record else None,
                "people": people,
            }
        )
    return rows


def _floors(req, user):
    ids = set(user.partners.values_list("pk", flat=True)) & selectors.vendor_partner_ids_for(req)
    if not ids:
        return {}
    partner_id = min(ids)
    out = {}
    for line in req.lines.select_related("level"):
        record = selectors.vendor_stockrecord(partner_id=partner_id, level=line.level)
        out[line.pk] = record.price if record else None
    return out


def _detail(request, req, *, status=200, posted=None, end_form=None):
    context = engagement_context(req)
    own = selectors.vendor_proposal(request=req, user=request.user)
    rows = _proposal_rows(req, own, posted)
    floors = _floors(req, request.user)
    for row in rows:
        if row["floor"] is None:
            row["floor"] = floors.get(row["line"].pk)
    mine = bool(
        req.accepted_proposal_id
        and req.accepted_proposal.partner_id in request.user.partners.values_list("pk", flat=True)
    )
    next_facts = None
    if mine and context.get("next_month"):
        next_facts = services.month_facts(req, context["next_month"])
    context.update(
        {
            "own": own,
            "rows": rows,
            "note": (posted or {}).get("note", own.note if own else ""),
            "may_propose": req.status == Status.OPEN and bool(floors),
            "is_vendor_of_engagement": mine,
            "next_facts": next_facts,
            "today": timezone.localdate(),
            "end_form": end_form or EndForm(),
            "all_proposals": list(req.proposals.select_related("partner"))
            if is_operator(request.user)
            else [],
        }
    )
    return render(request, "outsourcing/dashboard/detail.html", context, status=status)


class DetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        return _detail(request, _request_or_404(request, number))


class ProposeView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        req = _request_or_404(request, number)
        rates, profiles = {}, []
        for line in req.lines.all():
            rates[line.pk] = request.POST.get(f"rate_{line.pk}", "")
            for i in range(line.headcount):
                prefix = f"p_{line.pk}_{i}"
                profiles.append(
                    services.ProfileInput(
                        line_id=line.pk,
                        name=request.POST.get(f"{prefix}_name", ""),
                        years=request.POST.get(f"{prefix}_years", ""),
                        skills=request.POST.get(f"{prefix}_skills", ""),
                        cv=request.FILES.get(f"{prefix}_cv"),
                    )
                )
        try:
            services.proposal_submit(
                actor=request.user,
                request=req,
                data=services.ProposalInput(
                    rates=rates, profiles=profiles, note=request.POST.get("note", "")
                ),
            )
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return _detail(
                request, req, status=exc.status if exc.status in (400, 403, 409) else 400, posted=request.POST
            )
        messages.success(request, _("人选方案已提交，等待采购人确认。"))
        return redirect("dashboard:outsourcing-detail", number=req.number)


class ReportView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        req = _request_or_404(request, number)
        if req.accepted_proposal_id is None:
            raise Http404
        days = {
            p.pk: (request.POST.get(f"worked_{p.pk}", ""), request.POST.get(f"absent_{p.pk}", ""))
            for p in req.accepted_proposal.profiles.all()
        }
        try:
            report = services.report_submit(
                actor=request.user,
                request=req,
                month=request.POST.get("month", ""),
                days=days,
                note=request.POST.get("note", ""),
            )
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return _detail(request, req, status=400 if exc.status == 400 else 409, posted=request.POST)
        messages.success(
            request,
            _("第 %(m)s 个月工作量已提交（%(a)s），等待采购人验收。")
            % {"m": report.month, "a": f"¥{report.amount:,}"},
        )
        return redirect("dashboard:outsourcing-detail", number=req.number)


class EndView(VendorOrOperatorMixin, View):
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
            messages.error(request, exc.message)
            return _detail(request, req, status=400 if exc.status == 400 else 409, end_form=form)
        messages.success(request, _("已通知提前终止，采购人已收到通知。"))
        return redirect("dashboard:outsourcing-detail", number=req.number)
