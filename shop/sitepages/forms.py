from django import forms
from django.utils.translation import gettext_lazy as _

from .services import BODY_MAX, TITLE_MAX


class SitePageForm(forms.Form):
    title = forms.CharField(
        label=_("标题"),
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": _("请填写标题。")},
    )
    body = forms.CharField(
        label=_("正文"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "class": "form-control"}),
        help_text=_("空行分段；以“## ”开头的一行是小标题，以“- ”开头的行是列表项。不支持 HTML。"),
        error_messages={"required": _("请填写正文。")},
    )
