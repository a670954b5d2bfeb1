"""Oscar's stock-alert views, with confirming and cancelling behind POST.

Oscar confirms and cancels an alert on GET (the links in its e-mails) and follows any ``next``
address after cancelling. Here a GET shows a page with one button that posts; the POST changes
the alert and goes back to the product (or to a ``next`` on this site only).

An alert is created only on a product a buyer may see (the storefront's visibility rule):
Oscar's create view redirected to any product's address (its title in the slug) and saved
alerts on unpublished products."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from oscar.apps.customer.alerts import views as oscar_views
from oscar.apps.customer.alerts.views import *  # noqa: F401,F403

from shop.storefront.selectors import visible_product

ProductAlert = oscar_views.ProductAlert


class ProductAlertCreateView(oscar_views.ProductAlertCreateView):
    def dispatch(self, request, *args, **kwargs):
        if visible_product(pk=kwargs["pk"]) is None:
            raise Http404(_("商品不存在或已下架。"))
        return super().dispatch(request, *args, **kwargs)


class AlertActionView(View):
    """GET: a confirmation page; POST: the change. Subclasses set ``action`` and the texts."""

    template_name = "oscar/customer/alerts/alert_action.html"
    action = ""  # "confirm" or "cancel"

    def get_alert(self):
        if "key" in self.kwargs:
            return get_object_or_404(ProductAlert, key=self.kwargs["key"])
        if "pk" in self.kwargs and self.request.user.is_authenticated:
            return get_object_or_404(ProductAlert, user=self.request.user, pk=self.kwargs["pk"])
        raise Http404

    def next_url(self, alert) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return alert.product.get_absolute_url()

    def allowed(self, alert) -> bool:
        return alert.can_be_confirmed if self.action == "confirm" else alert.can_be_cancelled

    def get(self, request, *args, **kwargs):
        alert = self.get_alert()
        context = {"alert": alert, "action": self.action, "allowed": self.allowed(alert)}
        context["next"] = self.next_url(alert)
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        alert = self.get_alert()
        if not self.allowed(alert):
            messages.error(request, self.refused_message)
        else:
            getattr(alert, self.action)()
            messages.success(request, self.done_message)
        return HttpResponseRedirect(self.next_url(alert))


class ProductAlertConfirmView(AlertActionView):
    action = "confirm"

    @property
    def done_message(self):
        return _("到货提醒已生效。")

    @property
    def refused_message(self):
        return _("该到货提醒无法确认（可能已确认或已取消）。")


class ProductAlertCancelView(AlertActionView):
    action = "cancel"

    @property
    def done_message(self):
        return _("到货提醒已取消。")

    @property
    def refused_message(self):
        return _("该到货提醒无法取消（可能已取消或已发送）。")
