from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OemConfig(AppConfig):
    name = "shop.oem"
    label = "oem"
    verbose_name = _("OEM定制")
