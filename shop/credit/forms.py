from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SCORE_LABELS

SCORE_CHOICES = [(str(n), f"{n} 分") for n in range(5, 0, -1)]


class WarnForm(forms.Form):
    reason = forms.CharField(label=_("警告原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("暂停原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    first_day = forms.DateField(
        label=_("暂停开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写暂停开始日期。"), "invalid": _("请填写有效的日期。")},
    )
    last_day = forms.DateField(
        label=_("暂停结束日期（含）"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写暂停结束日期。"), "invalid": _("请填写有效的日期。")},
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("解除原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RatingForm(forms.Form):
    """Scores are checked by ``services.rating_give`` (one rule for every caller)."""

    quality = forms.CharField(
        label=SCORE_LABELS["quality"], required=False, widget=forms.RadioSelect(choices=SCORE_CHOICES)
    )
    delivery = forms.CharField(
        label=SCORE_LABELS["delivery"], required=False, widget=forms.RadioSelect(choices=SCORE_CHOICES)
    )
    service = forms.CharField(
        label=SCORE_LABELS["service"], required=False, widget=forms.RadioSelect(choices=SCORE_CHOICES)
    )
    comment = forms.CharField(label=_("评价内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
