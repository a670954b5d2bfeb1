import oscar.apps.dashboard.catalogue.apps as apps
from oscar.core.loading import get_class

from shop.apps.dashboard.permissions_util import staff_may_open_everything


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    name = "shop.apps.dashboard.catalogue"

    def configure_permissions(self):
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        # Vendors add variants to their own products (the view checks the parent's owner).
        self.permissions_map["catalogue-product-create-child"] = (
            DashboardPermission.get("catalogue", "view_product", "add_product"),
            DashboardPermission.partner_dashboard_access,
        )
        staff_may_open_everything(self.permissions_map)
