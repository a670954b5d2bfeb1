"""Oscar's account views where a GET used to change data.

- Setting a default address is a POST (Oscar set it on GET, from a link).
- Opening a notification no longer marks it read: the page posts that back (boot.js, or the
  button when scripts are off).
- An order line that is not a line of the buyer's own order is a 404 (Oscar's ``.get()`` gave
  a 500).
- Logging out is a POST; a GET shows a confirmation page."""

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.timezone import now
from oscar.apps.communication.notifications import views as notification_views
from oscar.apps.customer import views as oscar_views
from oscar.apps.customer.views import *  # noqa: F401,F403


class AddressChangeStatusView(oscar_views.AddressChangeStatusView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationDetailView(notification_views.DetailView):
    def get_object(self, queryset=None):
        # the parent's parent: Oscar's own get_object saves date_read on every GET
        return super(notification_views.DetailView, self).get_object(queryset)

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        if not notification.date_read:
            notification.date_read = now()
            notification.save(update_fields=["date_read"])
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(status=204)
        return HttpResponseRedirect(request.path)


class OrderLineView(oscar_views.OrderLineView):
    def get_object(self, queryset=None):
        order = get_object_or_404(
            oscar_views.Order, user=self.request.user, number=self.kwargs["order_number"]
        )
        line_id = self.kwargs["line_id"]
        if not 0 < line_id < 2**63:  # the URL takes any digits; no such line, not a database error
            raise Http404
        return get_object_or_404(order.lines.all(), id=line_id)

    def get(self, request, *args, **kwargs):
        """A line has no page of its own (Oscar ships no template for it: a GET was a 500); it
        is shown on its order's page. Only the buyer's own lines get there."""
        self.get_object()
        return redirect("customer:order", order_number=self.kwargs["order_number"])


class LogoutView(oscar_views.LogoutView):
    """Logging out is a POST (the header's 退出 is a small form). A GET changes nothing: it
    shows a confirmation page with that form (Oscar logged out on GET, so any page could log
    a buyer out with an image tag)."""

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(self.get_redirect_url())
        return TemplateResponse(request, "oscar/customer/logout_confirm.html", {})

    def post(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)  # Oscar's logout, cookies cleared
