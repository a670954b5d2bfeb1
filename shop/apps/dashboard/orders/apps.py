import oscar.apps.dashboard.orders.apps as apps

from shop.apps.dashboard.permissions_util import staff_may_open_everything


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "shop.apps.dashboard.orders"

    def configure_permissions(self):
        super().configure_permissions()
        # The delivery address belongs to the whole order: operators only.
        self.permissions_map["order-shipping-address"] = ["is_staff"]
        staff_may_open_everything(self.permissions_map)
