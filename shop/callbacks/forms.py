from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Window


class BookingForm(forms.Form):
    name = forms.CharField(
        label=_("您的称呼"), max_length=40, error_messages={"required": _("请填写您的称呼。")}
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=24,
        error_messages={"required": _("请填写联系电话。")},
        help_text=_("11 位手机号码，或带区号的固定电话（如 0731-88881234）。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    window = forms.ChoiceField(
        label=_("方便接听的时段"),
        choices=Window.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择方便接听的时段。"),
            "invalid_choice": _("请选择方便接听的时段。"),
        },
    )
    preferred_date = forms.DateField(
        label=_("希望回电日期（可选）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入有效的日期。")},
    )
    topic = forms.CharField(label=_("咨询事项"), max_length=120, required=False)
    message = forms.CharField(
        label=_("留言（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    note = forms.CharField(label=_("回电记录"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
