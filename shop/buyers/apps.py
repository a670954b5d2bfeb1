from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuyersConfig(AppConfig):
    name = "shop.buyers"
    label = "buyers"
    verbose_name = _("采购单位")
