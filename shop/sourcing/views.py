"""Buyer pages of sourcing events (a unit's 网上询价 and 反向竞价): list, publish, detail with
the award. Thin views: reads from ``selectors``, writes through ``services``; a service's
refusal is shown as its Chinese message and changes nothing."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.models import BudgetLine
from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import ReasonForm, ReissueForm, SourcingForm
from .models import ES, Mode


def _refuse_or_report(request, exc: DomainError):
    if isinstance(exc, PermissionDenied | NotFound):
        raise exc
    messages.error(request, exc.message)


def _event_or_404(request, number):
    event = selectors.events_for_buyer(user=request.user).filter(number=number).first()
    if event is None:
        raise Http404
    return event


class EventListView(LoginRequiredMixin, View):
    def get(self, request):
        member = membership(request.user)
        if member is None or not member_can(member, "purchases.view"):
            raise PermissionDenied(
                refusal("purchases.view")
                if member
                else "网上询价和反向竞价由采购单位发起，请先加入或创建采购单位。"
            )
        events = list(
            selectors.events_for_buyer(user=request.user)
            .select_related("category")
            .order_by("-published_at", "-pk")[:100]
        )
        counts = selectors.response_counts(events=events)
        return render(
            request,
            "sourcing/list.html",
            {
                "rows": [(e, counts.get(e.pk, 0)) for e in events],
                "may_publish": member_can(member, "purchases.act"),
            },
        )


class EventCreateView(LoginRequiredMixin, View):
    def _member(self, request):
        member = membership(request.user)
        if member is None:
            raise PermissionDenied("网上询价和反向竞价由采购单位发起，请先加入或创建采购单位。")
        if not member_can(member, "purchases.act"):
            raise PermissionDenied(refusal("purchases.act"))
        return member

    def _form(self, request, member, data=None):
        category_id = (data or request.GET).get("category")
        from_basket = data is None and request.GET.get("from") == "basket"
        if from_basket and not category_id:
            category_id = _basket_category_id(request)
        partners = []
        form_probe = SourcingForm(data={"category": category_id}) if category_id else None
        if form_probe is not None and "category" not in form_probe.errors:
            category = form_probe.fields["category"].queryset.filter(pk=category_id).first()
            if category is not None:
                partners = list(selectors.qualified_partners(category=category))
        lines = BudgetLine.objects.filter(unit_id=member.unit_id, year=timezone.localdate().year).order_by(
            "pk"
        )
        initial = {"mode": request.GET.get("mode", Mode.INQUIRY), "category": category_id}
        if from_basket:
            initial.update(_basket_lines(request))
        return SourcingForm(data, partners=partners, budget_lines=lines, initial=initial), partners

    def _page(self, request, form, partners, status=200):
        category_id = (
            request.POST.get("category") or request.GET.get("category") or form.initial.get("category") or ""
        )
        return render(
            request,
            "sourcing/create.html",
            {
                "form": form,
                "partners": partners,
                "category_id": category_id,
                "mode": request.GET.get("mode", ""),
            },
            status=status,
        )

    def get(self, request):
        member = self._member(request)
        form, partners = self._form(request, member)
        return self._page(request, form, partners)

    def post(self, request):
        member = self._member(request)
        form, partners = self._form(request, member, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = services.sourcing_publish(
                    actor=request.user,
                    mode=data["mode"],
                    title=data["title"],
                    category=data["category"],
                    lines=form.lines(),
                    delivery_place=data["delivery_place"],
                    delivery_date=data["delivery_date"],
                    deadline=data["deadline"],
                    starts_at=data.get("starts_at"),
                    invitation=data["invitation"],
                    invited_partner_ids=data.get("invited") or [],
                    max_total=data.get("max_total") or None,
                    qualifications=data.get("qualifications", ""),
                    budget_line_id=data.get("budget_line") or None,
                    start_price=data.get("start_price") or None,
                    decrement=data.get("decrement") or None,
                )
            except DomainError as exc:
                _refuse_or_report(request, exc)
            else:
                messages.success(
                    request, f"{Mode(event.mode).label}“{event.title}”已发布，项目编号 {event.number}。"
                )
                return redirect("sourcing:detail", number=event.number)
        return self._page(request, form, partners, status=400)


def _basket_category_id(request):
    """The category of the basket's first item (its parent's, for a variant)."""
    for line in request.basket.all_lines():
        product = line.product.parent if line.product.parent_id else line.product
        category = product.categories.order_by("pk").first()
        if category is not None:
            return str(category.pk)
    return None


def _basket_lines(request) -> dict:
    """The basket's items as the form's first lines (title, quantity, unit, product)."""
    from .forms import LINE_ROWS

    initial = {}
    for i, line in enumerate(request.basket.all_lines()[:LINE_ROWS], start=1):
        product = line.product
        initial.update(
            {
                f"line_{i}_title": product.get_title(),
                f"line_{i}_quantity": str(line.quantity),
                f"line_{i}_unit": getattr(product, "unit", "") or "台",
                f"line_{i}_product": product.pk,
            }
        )
    return initial


class EventDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        event = _event_or_404(request, number)
        member = membership(request.user)
        return render(
            request,
            "sourcing/detail.html",
            {
                "event": event,
                "lines": list(event.lines.all()),
                "response_count": selectors.response_count(event=event)
                if event.mode == Mode.INQUIRY
                else len(selectors.best_bids(event=event)),
                "responses": selectors.evaluated_responses(event=event, user=request.user),
                "log": list(event.events.select_related("actor").order_by("created_at", "pk")),
                "may_act": member_can(member, "purchases.act"),
                "approval": _pending_approval(event),
                "reason_form": ReasonForm(),
                "reissue_form": ReissueForm(),
            },
        )


def _pending_approval(event):
    from shop.buyers.services import approval_pending_for

    if event.status != ES.AWAITING_APPROVAL:
        return None
    return approval_pending_for(kind="sourcing", subject_id=event.pk)


class EventActionView(LoginRequiredMixin, View):
    """POST: confirm (确认成交), decline (不成交 + reason), cancel (撤销 + reason), reissue."""

    def post(self, request, number, action):
        event = _event_or_404(request, number)
        try:
            if action == "confirm":
                event = services.award_confirm(event=event, actor=request.user)
                messages.success(
                    request,
                    "已确认成交，订单已生成。"
                    if event.status == ES.AWARDED
                    else "成交金额达到本单位审批规则，已提交审批。",
                )
            elif action in ("decline", "cancel"):
                form = ReasonForm(request.POST)
                reason = form.data.get("reason", "")
                if action == "decline":
                    services.award_decline(event=event, actor=request.user, reason=reason)
                    messages.success(request, "已记录不成交的理由，并通知了响应的供应商。")
                else:
                    services.sourcing_cancel(event=event, actor=request.user, reason=reason)
                    messages.success(request, "项目已撤销。")
            elif action == "reissue":
                form = ReissueForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "请填写新的截止时间。")
                    return redirect("sourcing:detail", number=event.number)
                new = services.sourcing_reissue(
                    event=event, actor=request.user, deadline=form.cleaned_data["deadline"]
                )
                messages.success(request, f"已重新发起，新项目编号 {new.number}。")
                return redirect("sourcing:detail", number=new.number)
            else:
                raise Http404
        except DomainError as exc:
            _refuse_or_report(request, exc)
        return redirect("sourcing:detail", number=event.number)
