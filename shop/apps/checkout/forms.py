"""Oscar's checkout forms; the shipping address asks for a Chinese address.

Oscar's form is Western (名字/姓, three address lines, and its Chinese catalogue calls the
state field 国家 and the delivery notes 介绍): here it is 收货人, 省份, 城市, 详细地址, 手机号码
and 配送说明, in that order. The country is China (the only shipping country)."""

from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as oscar_forms
from oscar.apps.checkout.forms import *  # noqa: F401,F403


class ShippingAddressForm(oscar_forms.ShippingAddressForm):
    LABELS = {
        "first_name": _("收货人"),
        "state": _("省份"),
        "line4": _("城市"),
        "line1": _("详细地址"),
        "line2": _("地址补充（选填）"),
        "postcode": _("邮政编码（选填）"),
        "phone_number": _("手机号码"),
        "notes": _("配送说明（选填）"),
    }
    HELP = {
        "line1": _("区/县、街道、门牌号，如：岳麓区麓谷大道 100 号"),
        "phone_number": _("送货时联系收货人"),
        "notes": _("如：工作日 9:00–17:00 送达，到货前电话联系"),
    }

    class Meta(oscar_forms.ShippingAddressForm.Meta):
        fields = [
            "first_name",
            "state",
            "line4",
            "line1",
            "line2",
            "postcode",
            "phone_number",
            "country",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].help_text = self.HELP.get(name, "")
        for name in ("state", "phone_number"):
            if name in self.fields:
                self.fields[name].required = True
