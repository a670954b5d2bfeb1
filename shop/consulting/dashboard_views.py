"""Dashboard pages of the 政企咨询服务包: a consultant (vendor) sees only its own engagements,
confirms them or proposes another date, hands in the report and keeps its calendar (dates it
takes no bookings); operators see every engagement and calendar, read only."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from shop.core.access import VendorOrOperatorMixin, is_operator, user_partner_ids
from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.financing.views import form_errors_from

from . import selectors, services
from .forms import BlockForm, CancelForm, ConfirmForm, ProposeForm, ReportForm
from .models import OPEN_STATUSES, BlockedDay, Status
from .views import file_context, file_download, report_download


def _engagement_or_404(request, number):
    engagement = (
        selectors.engagements_for_consultant(user=request.user)
        .select_related("product", "partner", "unit", "order", "buyer")
        .filter(number=number)
        .first()
    )
    if engagement is None:
        raise Http404
    return engagement


class ConsultantListView(VendorOrOperatorMixin, View):
    def get(self, request):
        status = request.GET.get("status", "")
        qs = selectors.engagements_for_consultant(user=request.user).select_related(
            "unit", "partner", "product"
        )
        if status in Status.values:
            qs = qs.filter(status=status)
        elif status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        return render(
            request,
            "consulting/dashboard/list.html",
            {
                "engagements": list(qs.order_by("-created_at", "-pk")[:200]),
                "status": status,
                "statuses": Status.choices,
                "is_operator": is_operator(request.user),
            },
        )


def _detail(request, engagement, *, status=200, **forms):
    own = engagement.partner_id in user_partner_ids(request.user)
    price = engagement.unit_price or engagement.list_unit_price
    return render(
        request,
        "consulting/dashboard/detail.html",
        {
            "engagement": engagement,
            "own": own,
            "confirm_form": forms.get("confirm_form") or ConfirmForm(initial={"unit_price": f"{price:.2f}"}),
            "propose_form": forms.get("propose_form") or ProposeForm(initial={"unit_price": f"{price:.2f}"}),
            "cancel_form": forms.get("cancel_form") or CancelForm(),
            "report_form": forms.get("report_form") or ReportForm(),
            "is_operator": is_operator(request.user),
            **file_context(engagement),
        },
        status=status,
    )


class ConsultantDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        return _detail(request, _engagement_or_404(request, number))


class _ConsultantAction(VendorOrOperatorMixin, View):
    form_class = None
    form_name = ""
    with_files = False

    def act(self, request, engagement, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, number):
        engagement = _engagement_or_404(request, number)
        form = (
            self.form_class(request.POST, request.FILES) if self.with_files else self.form_class(request.POST)
        )
        if not form.is_valid():
            messages.error(request, _("请按提示修改后重新提交。"))
            return _detail(request, engagement, status=400, **{self.form_name: form})
        try:
            message = self.act(request, engagement, form.cleaned_data)
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            if exc.fields:
                form_errors_from(form, exc)
            messages.error(request, exc.message)
            return _detail(
                request, engagement, status=409 if exc.status == 409 else 400, **{self.form_name: form}
            )
        messages.success(request, message)
        return redirect("dashboard:consulting-detail", number=engagement.number)


class ConfirmView(_ConsultantAction):
    form_class, form_name = ConfirmForm, "confirm_form"

    def act(self, request, engagement, data):
        services.engagement_confirm(
            engagement=engagement, actor=request.user, unit_price=data["unit_price"], note=data["note"]
        )
        return _("已确认预约，等待采购方下单。")


class ProposeView(_ConsultantAction):
    form_class, form_name = ProposeForm, "propose_form"

    def act(self, request, engagement, data):
        services.engagement_propose(
            engagement=engagement,
            actor=request.user,
            start_date=data["start_date"],
            unit_price=data["unit_price"],
            note=data["note"],
        )
        return _("已向采购方建议新的开始日期。")


class ConsultantCancelView(_ConsultantAction):
    form_class, form_name = CancelForm, "cancel_form"

    def act(self, request, engagement, data):
        services.engagement_cancel(engagement=engagement, actor=request.user, reason=data["reason"])
        return _("预约已取消。")


class ReportView(_ConsultantAction):
    form_class, form_name, with_files = ReportForm, "report_form", True

    def act(self, request, engagement, data):
        services.engagement_report(
            engagement=engagement, actor=request.user, description=data["description"], files=data["files"]
        )
        return _("咨询报告已提交，等待采购方验收。")


class ConsultantFileView(VendorOrOperatorMixin, View):
    def get(self, request, number, pk):
        return file_download(_engagement_or_404(request, number), pk)


class ConsultantReportFileView(VendorOrOperatorMixin, View):
    def get(self, request, number, pk):
        return report_download(_engagement_or_404(request, number), pk)


def _calendar_rows(request):
    today = timezone.localdate()
    if is_operator(request.user) and not user_partner_ids(request.user):
        blocked = (
            BlockedDay.objects.filter(day__gte=today).select_related("partner").order_by("day", "pk")[:200]
        )
        booked = (
            selectors.BookedDay.objects.filter(day__gte=today)
            .select_related("partner", "engagement")
            .order_by("day", "pk")[:200]
        )
        return list(blocked), list(booked)
    ids = user_partner_ids(request.user)
    blocked = BlockedDay.objects.filter(partner_id__in=ids, day__gte=today).select_related("partner")
    booked = selectors.BookedDay.objects.filter(partner_id__in=ids, day__gte=today).select_related(
        "partner", "engagement"
    )
    return list(blocked.order_by("day", "pk")[:200]), list(booked.order_by("day", "pk")[:200])


class CalendarView(VendorOrOperatorMixin, View):
    def _page(self, request, form, status=200):
        blocked, booked = _calendar_rows(request)
        return render(
            request,
            "consulting/dashboard/calendar.html",
            {
                "form": form,
                "blocked": blocked,
                "booked": booked,
                "may_edit": bool(user_partner_ids(request.user)),
            },
            status=status,
        )

    def get(self, request):
        return self._page(request, BlockForm())

    def post(self, request):
        form = BlockForm(request.POST)
        if form.is_valid():
            try:
                day = services.blocked_day_add(
                    actor=request.user, day=form.cleaned_data["day"], note=form.cleaned_data["note"]
                )
            except PermissionDenied:
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("%(day)s 已设为不可预约。") % {"day": day.day.isoformat()})
                return redirect("dashboard:consulting-calendar")
        return self._page(request, form, status=400)


class UnblockView(VendorOrOperatorMixin, View):
    def post(self, request, pk):
        try:
            services.blocked_day_remove(actor=request.user, pk=pk)
        except NotFound:
            raise Http404
        except PermissionDenied:
            raise
        messages.success(request, _("已恢复该日期的预约。"))
        return redirect("dashboard:consulting-calendar")
