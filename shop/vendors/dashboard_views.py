"""Dashboard pages: operators review applications and products; vendors import products."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from oscar.core.loading import get_model

from shop.core.access import OperatorRequiredMixin, VendorOrOperatorMixin, is_operator, is_vendor
from shop.core.exceptions import DomainError

from . import adlaw, importer, selectors, services
from .forms import ProductImportForm, RejectForm
from .models import ApplicationStatus, VendorApplication
from .views import licence_response

Product = get_model("catalogue", "Product")
Partner = get_model("partner", "Partner")

LOGIN_URL = reverse_lazy("dashboard:login")


class OperatorView(OperatorRequiredMixin):
    login_url = LOGIN_URL


class VendorOrOperatorView(VendorOrOperatorMixin):
    login_url = LOGIN_URL


# --- applications ---------------------------------------------------------------------------


class ApplicationListView(OperatorView, ListView):
    template_name = "vendors/dashboard/application_list.html"
    context_object_name = "applications"
    paginate_by = 30

    def get_queryset(self):
        self.status = self.request.GET.get("status", ApplicationStatus.SUBMITTED)
        if self.status not in ApplicationStatus.values:
            self.status = ""
        self.query = self.request.GET.get("q", "").strip()[:64]
        return selectors.application_list(status=self.status or None, query=self.query)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(status=self.status, q=self.query, counts=selectors.application_counts())
        ctx["statuses"] = ApplicationStatus.choices
        return ctx


class ApplicationDetailView(OperatorView, DetailView):
    template_name = "vendors/dashboard/application_detail.html"
    context_object_name = "application"
    queryset = VendorApplication.objects.select_related("user", "partner", "decided_by").prefetch_related(
        "categories", "events__actor"
    )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["reject_form"] = kwargs.get("reject_form") or RejectForm()
        ctx["previous"] = (
            VendorApplication.objects.filter(user=self.object.user)
            .exclude(pk=self.object.pk)
            .order_by("-created_at")
        )
        return ctx


class ApplicationApproveView(OperatorView, View):
    def post(self, request, pk):
        application = get_object_or_404(VendorApplication, pk=pk)
        try:
            services.vendor_application_approve(application=application, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已通过“%(name)s”的入驻申请，已通知申请人。") % {"name": application.company_name}
            )
        return redirect("dashboard:vendors-application-detail", pk=pk)


class ApplicationRejectView(OperatorView, View):
    def post(self, request, pk):
        application = get_object_or_404(VendorApplication, pk=pk)
        form = RejectForm(request.POST)
        if not form.is_valid():
            view = ApplicationDetailView()
            view.setup(request, pk=pk)
            view.object = application
            messages.error(request, _("请填写驳回原因。"))
            return view.render_to_response(view.get_context_data(object=application, reject_form=form))
        try:
            services.vendor_application_reject(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已驳回“%(name)s”的入驻申请，已通知申请人。") % {"name": application.company_name}
            )
        return redirect("dashboard:vendors-application-detail", pk=pk)


class ApplicationLicenceView(OperatorView, View):
    def get(self, request, pk):
        return licence_response(get_object_or_404(VendorApplication, pk=pk))


# --- product review ---------------------------------------------------------------------------


class ProductReviewListView(OperatorView, ListView):
    template_name = "vendors/dashboard/product_review_list.html"
    context_object_name = "products"
    paginate_by = 30

    def get_queryset(self):
        self.status = self.request.GET.get("status", "pending")
        if self.status not in ("pending", "rejected", "approved"):
            self.status = "pending"
        try:
            self.partner_id = int(self.request.GET.get("partner") or 0) or None
        except ValueError:
            self.partner_id = None
        return selectors.review_queue(status=self.status, partner_id=self.partner_id)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["status"] = self.status
        ctx["partners"] = Partner.objects.filter(owned_products__isnull=False).distinct().order_by("name")
        ctx["partner_id"] = self.partner_id
        ctx["reject_form"] = RejectForm()
        for product in ctx["products"]:  # this page's products only
            product.adlaw_flags = adlaw.product_flags(title=product.title, description=product.description)
        return ctx


class ProductApproveView(OperatorView, View):
    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk, parent__isnull=True)
        try:
            services.product_review_approve(product=product, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("商品“%(title)s”已审核通过并上架。") % {"title": product.title})
        return redirect(_next_or(request, reverse("dashboard:vendors-product-review-list")))


class ProductRejectView(OperatorView, FormView):
    template_name = "vendors/dashboard/product_reject.html"
    form_class = RejectForm

    def dispatch(self, request, *args, **kwargs):
        if not is_operator(request.user):
            return self.handle_no_permission()
        self.product = get_object_or_404(Product, pk=kwargs["pk"], parent__isnull=True)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["product"] = self.product
        return ctx

    def form_valid(self, form):
        try:
            services.product_review_reject(
                product=self.product, actor=self.request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, _("已驳回商品“%(title)s”。") % {"title": self.product.title})
        return redirect(reverse("dashboard:vendors-product-review-list"))


def _next_or(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target.startswith("/")
    ):
        return target
    return default


# --- bulk import --------------------------------------------------------------------------------


class ImportListView(VendorOrOperatorView, FormView):
    """Vendors upload a file here and see their imports; operators see every import."""

    template_name = "vendors/dashboard/import_list.html"
    form_class = ProductImportForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(selectors.imports_for_user(self.request.user), 20).get_page(
            self.request.GET.get("page")
        )
        ctx["page_obj"] = page
        ctx["imports"] = page.object_list
        ctx["can_upload"] = is_vendor(self.request.user) and not is_operator(self.request.user)
        ctx["columns"] = importer.COLUMNS
        ctx["attribute_prefix"] = importer.ATTRIBUTE_PREFIX
        return ctx

    def form_valid(self, form):
        try:
            product_import = services.product_import_create(
                user=self.request.user, upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("文件已上传，正在后台导入。"))
        return redirect("dashboard:vendors-import-detail", pk=product_import.pk)


class ImportDetailView(VendorOrOperatorView, DetailView):
    template_name = "vendors/dashboard/import_detail.html"
    context_object_name = "product_import"

    def get_queryset(self):
        return selectors.imports_for_user(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["progress"] = selectors.import_progress(self.object)
        ctx["failed_rows"] = self.object.rows.filter(ok=False)
        ctx["ok_rows"] = self.object.rows.filter(ok=True).select_related("product")
        return ctx


class ImportProgressView(VendorOrOperatorView, View):
    def get(self, request, pk):
        product_import = get_object_or_404(selectors.imports_for_user(request.user), pk=pk)
        response = JsonResponse(selectors.import_progress(product_import))
        response["Cache-Control"] = "no-store"
        return response


class ImportTemplateView(VendorOrOperatorView, View):
    def get(self, request, fmt):
        if fmt == "csv":
            response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(
                importer.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="product-import-template.{fmt}"'
        return response
