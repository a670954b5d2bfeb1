from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = _("支付与发票")

    def ready(self):
        from . import approvals, nav

        nav.register()
        approvals.register()  # a unit's direct order waits for the unit's approval (shop.buyers)
