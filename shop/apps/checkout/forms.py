"""Oscar's checkout forms; the shipping address asks for a Chinese address, the payment step
a buying unit's member for the budget line (``BudgetLineForm``).

Oscar's form is Western (名字/姓, three address lines, and its Chinese catalogue calls the
state field 国家 and the delivery notes 介绍): here it is 收货人, 省份, 城市, 详细地址, 手机号码
and 配送说明, in that order. The country is China (the only shipping country)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as oscar_forms
from oscar.apps.checkout.forms import *  # noqa: F401,F403

from shop.buyers.models import BudgetLine
from shop.core.money import rmb


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


class BudgetLineForm(forms.Form):
    """The buying unit's budget line a direct order is paid from (采购计划 / 预算): one of the
    unit's lines of this year, each shown with what is still available. Required when the unit
    has lines this year; a buyer without a unit never sees it."""

    budget_line = forms.ChoiceField(label=_("使用预算"), required=False)

    def __init__(self, *args, unit_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id = unit_id
        lines = (
            list(BudgetLine.objects.filter(unit_id=unit_id, year=timezone.localdate().year).order_by("pk"))
            if unit_id
            else []
        )
        self.lines = lines
        field = self.fields["budget_line"]
        field.required = bool(lines)
        field.choices = [("", _("请选择预算"))] + [
            (str(line.pk), f"{line.year} {line.name}（可用 {rmb(line.available)}）") for line in lines
        ]
        field.error_messages = {
            "required": _("请选择本次采购使用的预算。"),
            "invalid_choice": _("预算选择无效。"),
        }
        field.widget.attrs.setdefault("class", "form-control")

    @property
    def shown(self) -> bool:
        return bool(self.lines)

    def chosen(self):
        """The chosen line (after is_valid), or None."""
        value = self.cleaned_data.get("budget_line") if hasattr(self, "cleaned_data") else None
        return next((line for line in self.lines if str(line.pk) == str(value)), None)
