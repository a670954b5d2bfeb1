"""Operators' credit records of vendors (管理后台 → 供应商信用): warnings, suspensions (暂停交易)
with reason and period, lifting early; every step is audited. Operators only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from shop.core.access import OperatorRequiredMixin
from shop.core.exceptions import DomainError

from . import selectors, services
from .forms import LiftForm, SuspendForm, WarnForm
from .models import EntryKind


def _partner_or_404(partner_id):
    partner = selectors.Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    return partner


class CreditListView(OperatorRequiredMixin, View):
    def get(self, request):
        query = (request.GET.get("q") or "").strip()[:100]
        page = Paginator(selectors.vendors_for_operators(query=query), 50).get_page(request.GET.get("page"))
        partners = list(page.object_list)
        ids = [p.pk for p in partners]
        suspended = selectors.suspended_partner_ids()
        summaries = selectors.rating_summaries(partner_ids=ids)
        rows = [(p, p.pk in suspended, summaries[p.pk]) for p in partners]
        return render(request, "credit/dashboard/list.html", {"rows": rows, "page_obj": page, "query": query})


class CreditDetailView(OperatorRequiredMixin, View):
    def get(self, request, partner_id, **forms):
        partner = _partner_or_404(partner_id)
        entries = list(selectors.credit_entries(partner_id=partner.pk))
        return render(
            request,
            "credit/dashboard/detail.html",
            {
                "partner": partner,
                "now": timezone.now(),
                "current": selectors.current_suspension(partner.pk),
                "warnings": [e for e in entries if e.kind == EntryKind.WARNING],
                "suspensions": [e for e in entries if e.kind == EntryKind.SUSPENSION],
                "events": list(selectors.credit_events(partner_id=partner.pk)[:200]),
                "summary": selectors.rating_summary(partner_id=partner.pk),
                "ratings": selectors.recent_ratings(partner_id=partner.pk),
                "warn_form": forms.get("warn_form") or WarnForm(),
                "suspend_form": forms.get("suspend_form") or SuspendForm(),
                "lift_form": LiftForm(),
                "lift_errors": forms.get("lift_errors") or {},
            },
            status=400 if forms else 200,
        )


class CreditWarnView(CreditDetailView):
    http_method_names = ["post"]

    def post(self, request, partner_id):
        partner = _partner_or_404(partner_id)
        form = WarnForm(request.POST)
        if form.is_valid():
            try:
                services.credit_warn(
                    partner_id=partner.pk, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error("reason", exc.message)
            else:
                messages.success(request, f"已对“{partner.name}”记录警告。")
                return redirect("dashboard:credit-detail", partner_id=partner.pk)
        return self.get(request, partner_id, warn_form=form)


class CreditSuspendView(CreditDetailView):
    http_method_names = ["post"]

    def post(self, request, partner_id):
        partner = _partner_or_404(partner_id)
        form = SuspendForm(request.POST)
        if form.is_valid():
            try:
                services.credit_suspend(
                    partner_id=partner.pk,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    first_day=form.cleaned_data["first_day"],
                    last_day=form.cleaned_data["last_day"],
                )
            except DomainError as exc:
                field = next(iter(exc.fields), None)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已暂停“{partner.name}”的交易。")
                return redirect("dashboard:credit-detail", partner_id=partner.pk)
        return self.get(request, partner_id, suspend_form=form)


class CreditLiftView(CreditDetailView):
    http_method_names = ["post"]

    def post(self, request, partner_id, entry_id):
        partner = _partner_or_404(partner_id)
        form = LiftForm(request.POST)
        form.is_valid()
        try:
            services.credit_lift(
                entry_id=entry_id,
                partner_id=partner.pk,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from None
            return self.get(request, partner_id, lift_errors={entry_id: exc.message})
        messages.success(request, f"已提前解除“{partner.name}”的暂停交易。")
        return redirect("dashboard:credit-detail", partner_id=partner.pk)
