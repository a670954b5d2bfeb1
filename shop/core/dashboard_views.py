"""后台任务: operators see e-mails that could not be sent and tasks that gave up on a row,
and send them again."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import failures, mail, selectors
from .access import OperatorRequiredMixin
from .exceptions import DomainError
from .models import OutboundEmail


class TasksView(OperatorRequiredMixin, TemplateView):
    template_name = "core/dashboard/tasks.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["failed_emails"] = selectors.outbound_emails_for_operators()[:200]
        ctx["waiting_emails"] = selectors.outbound_emails_for_operators(
            status=OutboundEmail.Status.PENDING
        ).count()
        ctx["task_failures"] = selectors.task_failures_for_operators()[:200]
        return ctx


class MailRetryView(OperatorRequiredMixin, View):
    def post(self, request, pk):
        try:
            mail.outbound_email_retry(email_id=pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("邮件已重新排队发送。"))
        return redirect("dashboard:core-tasks")


class TaskRetryView(OperatorRequiredMixin, View):
    def post(self, request, pk):
        try:
            failures.task_failure_retry(failure_id=pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("任务已重新排队处理。"))
        return redirect("dashboard:core-tasks")
