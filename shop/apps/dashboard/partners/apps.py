import oscar.apps.dashboard.partners.apps as apps

from shop.apps.dashboard.permissions_util import staff_may_open_everything


class PartnersDashboardConfig(apps.PartnersDashboardConfig):
    name = "shop.apps.dashboard.partners"

    def configure_permissions(self):
        super().configure_permissions()
        staff_may_open_everything(self.permissions_map)
