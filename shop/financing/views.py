"""Buyer pages of 规划融资 (apply, my applications, detail with documents and 补充材料) and the
自由职业 enquiry (a quote request). Thin: reads from ``selectors``, writes through
``services``; a refusal is shown in Chinese and stores nothing."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.forms import initial_from_organisation
from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS
from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.storefront.selectors import visible_products

from . import selectors, services
from .forms import ApplicationForm, FreelanceForm, SupplementForm
from .models import Status

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def document_response(doc) -> FileResponse:
    """A private document as a download (never rendered inline)."""
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在。"))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=doc.display_name,
        content_type=CONTENT_TYPES.get(doc.file_type, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response


def form_errors_from(form, exc: DomainError) -> None:
    """Put a service's refusal next to the fields it names (the first message otherwise)."""
    placed = False
    for name, msgs in exc.fields.items():
        if name in form.fields:
            for message in msgs or [exc.message]:
                form.add_error(name, message or exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def labelled_events(application) -> list:
    """The application's events in order, each with its states' Chinese labels."""
    labels = dict(Status.choices)
    events = list(application.events.select_related("actor").order_by("created_at", "pk"))
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, event.to_status)
    return events


def _product(pk, *, check):
    product = visible_products().filter(pk=pk).select_related("product_class", "parent").first()
    if product is None or not check(product):
        raise Http404
    return product


def _actor_may_apply(user) -> None:
    member = membership(user)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))


def _apply_context(product, form):
    low, high = selectors.amount_range(product=product)
    return {
        "product": product,
        "form": form,
        "low": low,
        "high": high,
        "min_term": selectors.min_term_months(product=product),
        "lpr": selectors.current_lpr(),
    }


class ApplyView(LoginRequiredMixin, View):
    def _initial(self, user):
        member = membership(user)
        org = (
            member.unit.org_name
            if member is not None
            else initial_from_organisation(user).get("org_name", "")
        )
        return {"org_name": org, "contact_name": user.get_full_name()}

    def get(self, request, pk):
        product = _product(pk, check=selectors.is_financing_product)
        _actor_may_apply(request.user)
        form = ApplicationForm(initial=self._initial(request.user))
        return render(request, "financing/apply.html", _apply_context(product, form))

    def post(self, request, pk):
        product = _product(pk, check=selectors.is_financing_product)
        _actor_may_apply(request.user)
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.financing_apply(
                    actor=request.user,
                    product=product,
                    data=services.ApplicationInput(
                        org_name=data["org_name"],
                        project_name=data["project_name"],
                        project_type=data["project_type"],
                        project_type_other=data["project_type_other"],
                        region=data["region"],
                        amount=data["amount"],
                        term_months=data["term_months"],
                        purpose=data["purpose"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                    ),
                    documents=form.documents(),
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("融资申请 %(number)s 已提交，平台将尽快初审。") % {"number": application.number},
                )
                return redirect("financing:detail", number=application.number)
        return render(request, "financing/apply.html", _apply_context(product, form), status=400)


class MyApplicationsView(LoginRequiredMixin, View):
    def get(self, request):
        member = membership(request.user)
        if member is not None and not member_can(member, "purchases.view"):
            raise PermissionDenied(refusal("purchases.view"))
        rows = list(selectors.applications_for_buyer(user=request.user).order_by("-created_at", "-pk")[:100])
        return render(request, "financing/list.html", {"applications": rows, "lpr": selectors.current_lpr()})


def _application_or_404(request, number):
    application = (
        selectors.applications_for_buyer(user=request.user)
        .select_related("product", "partner", "unit")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404
    return application


def _detail_context(application, **extra):
    return {
        "application": application,
        "documents": list(application.documents.all()),
        "events": labelled_events(application),
        "lpr": selectors.current_lpr(),
        "statuses": Status,
        **extra,
    }


class ApplicationDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        application = _application_or_404(request, number)
        return render(
            request, "financing/detail.html", _detail_context(application, supplement_form=SupplementForm())
        )


class SupplementView(LoginRequiredMixin, View):
    def post(self, request, number):
        application = _application_or_404(request, number)
        form = SupplementForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.financing_supplement(
                    application=application,
                    actor=request.user,
                    documents=[("other", f) for f in form.cleaned_data["documents"]],
                    note=form.cleaned_data["note"],
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("补充材料已提交，申请回到初审。"))
                return redirect("financing:detail", number=application.number)
        return render(
            request, "financing/detail.html", _detail_context(application, supplement_form=form), status=400
        )


class DocumentView(LoginRequiredMixin, View):
    def get(self, request, number, pk):
        application = _application_or_404(request, number)
        doc = application.documents.filter(pk=pk).first()
        if doc is None:
            raise Http404
        return document_response(doc)


class FreelanceEnquiryView(LoginRequiredMixin, View):
    """自由职业服务包: the enquiry goes to the vendor as a quote request (询价单)."""

    def _form(self, request, data=None):
        member = membership(request.user)
        if member is not None:  # a unit's member asks for the unit
            unit = member.unit
            initial = {f: getattr(unit, f) for f in (*ORG_FIELDS, *INVOICE_FIELDS)}
        else:
            initial = initial_from_organisation(request.user)
        initial.setdefault("contact_name", request.user.get_full_name())
        initial.setdefault("contact_email", request.user.email)
        initial.setdefault("province", "湖南省")
        return FreelanceForm(data, user=request.user, initial=initial)

    def get(self, request, pk):
        product = _product(pk, check=selectors.is_freelance_product)
        _actor_may_apply(request.user)
        return render(request, "financing/freelance.html", {"product": product, "form": self._form(request)})

    def post(self, request, pk):
        product = _product(pk, check=selectors.is_freelance_product)
        _actor_may_apply(request.user)
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            organisation = {
                k: v
                for k, v in data.items()
                if k
                not in (
                    "people",
                    "monthly_amount",
                    "industry",
                    "invoice_need",
                    "start_date",
                    "description",
                    "budget_line",
                )
            }
            try:
                qr = services.freelance_enquiry_submit(
                    user=request.user,
                    product=product,
                    organisation=organisation,
                    budget_line_id=data.get("budget_line"),
                    data=services.FreelanceInput(
                        people=data["people"],
                        monthly_amount=data["monthly_amount"],
                        industry=data["industry"],
                        invoice_need=data["invoice_need"],
                        start_date=data["start_date"],
                        description=data["description"],
                    ),
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("结算咨询已提交，服务商将以报价形式答复。"))
                return redirect("quotes:submitted", number=qr.number)
        return render(request, "financing/freelance.html", {"product": product, "form": form}, status=400)
