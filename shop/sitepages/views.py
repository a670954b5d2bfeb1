"""Public site pages (/pages/<slug>/, no login, cached like the other storefront pages) and the
operator's editor in the dashboard."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from shop.core.access import OperatorRequiredMixin, is_operator
from shop.core.exceptions import DomainError, NotFound
from shop.storefront.cache import STOREFRONT_PAGE

from . import selectors, services
from .content import CONTACT
from .forms import SitePageForm
from .markup import render_body


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class SitePageView(TemplateView):
    template_name = "sitepages/page.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            page = selectors.site_page_get(slug=kwargs["slug"])
        except NotFound:
            raise Http404(_("页面不存在。"))
        ctx["page"] = page
        ctx["body_html"] = render_body(page.body)
        ctx["show_contact"] = page.slug == CONTACT
        ctx["site_pages"] = selectors.site_pages_for_operators().only("slug", "title")
        return ctx


class DashboardListView(OperatorRequiredMixin, TemplateView):
    template_name = "sitepages/dashboard/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["pages"] = selectors.site_pages_for_operators()
        return ctx


class DashboardEditView(OperatorRequiredMixin, FormView):
    template_name = "sitepages/dashboard/edit.html"
    form_class = SitePageForm

    def dispatch(self, request, *args, **kwargs):
        if not is_operator(request.user):
            return super().dispatch(request, *args, **kwargs)  # the mixin refuses
        try:
            self.page = selectors.site_page_get(slug=kwargs["slug"])
        except NotFound:
            raise Http404(_("页面不存在。"))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"title": self.page.title, "body": self.page.body}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page"] = self.page
        ctx["events"] = self.page.events.select_related("actor").order_by("-created_at", "-pk")[:10]
        return ctx

    def form_valid(self, form):
        try:
            services.site_page_update(
                slug=self.page.slug,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                actor=self.request.user,
            )
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("页面“%(title)s”已保存。") % {"title": form.cleaned_data["title"]})
        return redirect("sitepages:dashboard-list")
