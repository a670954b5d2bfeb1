"""Public vendor pages: 供应商入驻 (apply), the applicant's status page and licence download."""

import mimetypes

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from shop.core.access import is_operator, is_vendor
from shop.core.exceptions import DomainError

from . import selectors, services
from .forms import COMPANY_FIELDS, VendorApplicationForm
from .models import ApplicationStatus, VendorApplication

LICENCE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def licence_response(application: VendorApplication) -> FileResponse:
    """Stream an application's licence (callers have checked who may see it)."""
    try:
        fh = application.licence.open("rb")
    except (OSError, ValueError):
        raise Http404(_("营业执照文件不存在。"))
    content_type = LICENCE_TYPES.get(application.licence_kind) or (
        mimetypes.guess_type(application.licence.name)[0] or "application/octet-stream"
    )
    ext = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}.get(application.licence_kind, "")
    response = FileResponse(
        fh, content_type=content_type, as_attachment=True, filename=f"licence-{application.pk}{ext}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ApplyView(FormView):
    """供应商入驻: anyone may apply; a signed-in applicant applies with the current account."""

    template_name = "vendors/apply.html"
    form_class = VendorApplicationForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if is_vendor(user):
                return redirect("dashboard:index")
            latest = selectors.latest_application_for_user(user)
            if latest is not None and latest.status != ApplicationStatus.REJECTED:
                return redirect("vendors:status")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["with_account"] = not self.request.user.is_authenticated
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        previous = selectors.latest_application_for_user(self.request.user)
        if previous is not None:
            for name in COMPANY_FIELDS:
                initial[name] = getattr(previous, name)
            initial["categories"] = list(previous.categories.values_list("pk", flat=True))
        elif self.request.user.is_authenticated:
            initial["email"] = self.request.user.email
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["previous"] = selectors.latest_application_for_user(self.request.user)
        ctx["operator"] = is_operator(self.request.user)
        ctx["login_url"] = reverse("customer:login") + "?next=" + reverse("vendors:apply")
        return ctx

    def form_valid(self, form):
        user = self.request.user if self.request.user.is_authenticated else None
        try:
            application = services.vendor_application_submit(user=user, **form.service_kwargs())
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if user is None:
            login(self.request, application.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("入驻申请已提交，我们会尽快审核并通过邮件通知您。"))
        return redirect("vendors:status")


class StatusView(LoginRequiredMixin, TemplateView):
    template_name = "vendors/status.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        applications = VendorApplication.objects.filter(user=self.request.user).prefetch_related("categories")
        ctx["applications"] = applications
        ctx["application"] = applications.first()
        ctx["is_vendor"] = is_vendor(self.request.user)
        return ctx

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data(**kwargs)
        if ctx["application"] is None:
            return redirect(reverse("vendors:apply"))
        return self.render_to_response(ctx)


class LicenceView(LoginRequiredMixin, View):
    """The applicant's own licence; operators use the dashboard's licence URL (or this one)."""

    def get(self, request, pk):
        qs = VendorApplication.objects.all()
        if not is_operator(request.user):
            qs = qs.filter(user=request.user)
        return licence_response(get_object_or_404(qs, pk=pk))
