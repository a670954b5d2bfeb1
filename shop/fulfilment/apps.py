from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "shop.fulfilment"
    label = "fulfilment"
    verbose_name = _("交付与履约验收")
    default_auto_field = "django.db.models.BigAutoField"
