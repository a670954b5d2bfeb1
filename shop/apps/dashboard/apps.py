import oscar.apps.dashboard.apps as apps
from django.urls import include, path
from django.utils.translation import gettext_lazy as _


class DashboardConfig(apps.DashboardConfig):
    """Oscar's dashboard plus the mall's own sections, all in the ``dashboard`` namespace."""

    name = "shop.apps.dashboard"

    def get_urls(self):
        urls = super().get_urls()
        urls += [
            path("quotes/", include("shop.quotes.dashboard_urls")),
            path("vendors/", include("shop.vendors.dashboard_urls")),
            path("oem/", include("shop.oem.dashboard_urls")),
            path("payments/", include("shop.payments.dashboard_urls")),
            path("sourcing/", include("shop.sourcing.dashboard_urls")),
            path("contracts/", include("shop.contracts.dashboard_urls")),
            path("financing/", include("shop.financing.dashboard_urls")),
            path("outsourcing/", include("shop.outsourcing.dashboard_urls")),
            path("consulting/", include("shop.consulting.dashboard_urls")),
            path("partner-applications/", include("shop.partners.dashboard_urls")),
            path("callbacks/", include("shop.callbacks.dashboard_urls")),
            path("fulfilment/", include("shop.fulfilment.dashboard_urls")),
            path("credit/", include("shop.credit.dashboard_urls")),
            path("tasks/", include("shop.core.dashboard_urls")),
        ]
        return urls


DASHBOARD_TITLE = _("湘慧商城管理后台")
