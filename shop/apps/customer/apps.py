"""Oscar's customer app, forked so that no GET changes data (see the views modules here)."""

import oscar.apps.customer.apps as apps


class CustomerConfig(apps.CustomerConfig):
    name = "shop.apps.customer"

    def ready(self):
        super().ready()
        from .views import NotificationDetailView  # the communication app's view, not forked

        self.notification_detail_view = NotificationDetailView
