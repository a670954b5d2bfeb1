"""Dashboard pages of 规划融资: operators see every application, a vendor those to its own
package; both move them through the steps. Operators also enter the current LPR."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from shop.core.access import OperatorRequiredMixin, VendorOrOperatorMixin, is_operator
from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import LprForm, MoveForm
from .models import HANDLER_MOVES, OPEN_STATUSES, Status
from .views import document_response, labelled_events


def _application_or_404(request, number):
    application = (
        selectors.applications_for_handler(user=request.user)
        .select_related("product", "partner", "unit", "applicant")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404
    return application


# the buttons of each step, in the order the page shows them
MOVE_BUTTONS = {  # lazy: read per request in the reader's language
    Status.REVIEW: gettext_lazy("开始初审"),
    Status.SUPPLEMENT: gettext_lazy("要求补充材料"),
    Status.RECOMMENDED: gettext_lazy("推荐至金融机构"),
    Status.APPROVED: gettext_lazy("登记已批复"),
    Status.REJECTED: gettext_lazy("不予通过"),
}


class HandlerListView(VendorOrOperatorMixin, View):
    def get(self, request):
        status = request.GET.get("status", "")
        qs = selectors.applications_for_handler(user=request.user).select_related("unit", "partner")
        if status in Status.values:
            qs = qs.filter(status=status)
        elif status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        return render(
            request,
            "financing/dashboard/list.html",
            {
                "applications": list(qs.order_by("-created_at", "-pk")[:200]),
                "status": status,
                "statuses": Status.choices,
                "is_operator": is_operator(request.user),
                "lpr": selectors.current_lpr(),
            },
        )


def _detail(request, application, form=None, status=200):
    moves = [(to, MOVE_BUTTONS[to]) for to in Status.values if to in HANDLER_MOVES[application.status]]
    return render(
        request,
        "financing/dashboard/detail.html",
        {
            "application": application,
            "documents": list(application.documents.all()),
            "events": labelled_events(application),
            "moves": moves,
            "form": form or MoveForm(),
            "lpr": selectors.current_lpr(),
            "is_operator": is_operator(request.user),
        },
        status=status,
    )


class HandlerDetailView(VendorOrOperatorMixin, View):
    def get(self, request, number):
        return _detail(request, _application_or_404(request, number))


class MoveView(VendorOrOperatorMixin, View):
    def post(self, request, number):
        application = _application_or_404(request, number)
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择要执行的操作。"))
            return _detail(request, application, form, status=400)
        try:
            moved = services.financing_move(
                application=application,
                actor=request.user,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return _detail(request, application, form, status=400 if exc.status == 400 else 409)
        messages.success(
            request,
            _("申请 %(number)s 已变更为“%(status)s”。")
            % {"number": moved.number, "status": moved.get_status_display()},
        )
        return redirect("dashboard:financing-detail", number=moved.number)


class HandlerDocumentView(VendorOrOperatorMixin, View):
    def get(self, request, number, pk):
        application = _application_or_404(request, number)
        doc = application.documents.filter(pk=pk).first()
        if doc is None:
            raise Http404
        return document_response(doc)


class LprView(OperatorRequiredMixin, View):
    def _page(self, request, form, status=200):
        return render(
            request,
            "financing/dashboard/lpr.html",
            {"form": form, "quotes": list(selectors.LprQuote.objects.order_by("-published_on", "-pk")[:24])},
            status=status,
        )

    def get(self, request):
        return self._page(request, LprForm())

    def post(self, request):
        form = LprForm(request.POST)
        if form.is_valid():
            try:
                services.lpr_record(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                from .views import form_errors_from

                form_errors_from(form, exc)
            else:
                messages.success(request, _("LPR 已更新，融资页面将显示最新报价及公布日期。"))
                return redirect("dashboard:financing-lpr")
        return self._page(request, form, status=400)
