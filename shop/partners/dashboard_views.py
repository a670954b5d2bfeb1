"""Operators review partner applications: approve (listed at once) or reject with a reason."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shop.core.access import OperatorRequiredMixin
from shop.core.exceptions import DomainError

from . import services
from .forms import ReviewForm
from .models import PartnerApplication, Status


class ApplicationListView(OperatorRequiredMixin, View):
    def get(self, request):
        status = request.GET.get("status", Status.PENDING)
        qs = PartnerApplication.objects.all()
        if status in Status.values:
            qs = qs.filter(status=status)
        return render(
            request,
            "partners/dashboard/list.html",
            {
                "applications": list(qs.order_by("created_at", "pk")[:200]),
                "status": status,
                "statuses": Status.choices,
            },
        )


def _application(number):
    application = (
        PartnerApplication.objects.select_related("applicant", "reviewed_by").filter(number=number).first()
    )
    if application is None:
        raise Http404
    return application


def _labelled(application) -> list:
    labels = dict(Status.choices)
    events = list(application.events.select_related("actor").order_by("created_at", "pk"))
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, event.to_status)
    return events


class ApplicationDetailView(OperatorRequiredMixin, View):
    def get(self, request, number):
        application = _application(number)
        return render(
            request,
            "partners/dashboard/detail.html",
            {
                "application": application,
                "events": _labelled(application),
                "form": ReviewForm(),
            },
        )


class ReviewView(OperatorRequiredMixin, View):
    def post(self, request, number):
        application = _application(number)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择通过或不通过。"))
            return redirect("dashboard:partner-application-detail", number=number)
        try:
            services.partner_review(
                application=application,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("申请 %(number)s：%(status)s。")
                % {"number": number, "status": application.get_status_display()},
            )
        return redirect("dashboard:partner-application-detail", number=number)
