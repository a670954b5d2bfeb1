"""Forms of the outsourcing pages: they collect what was typed (the per-level and per-person
fields are made from the request's levels and the proposal's profiles); the services check the
rules and say what is wrong in Chinese."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Place

REQUIRED = {"required": _("请填写此项。")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RequestForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=80, error_messages=REQUIRED)
    months = forms.IntegerField(
        label=_("服务月数（1–24）"),
        error_messages={"required": _("请填写服务月数。"), "invalid": _("服务月数须为整数。")},
        widget=forms.NumberInput(attrs={"min": "1", "max": "24", "step": "1"}),
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        widget=DATE,
        error_messages={"required": _("请填写开始日期。"), "invalid": _("请输入有效的日期。")},
    )
    place = forms.ChoiceField(
        label=_("工作地点"),
        choices=Place.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择工作地点。"), "invalid_choice": _("请选择工作地点。")},
    )
    city = forms.CharField(label=_("驻场城市（现场工作时填写）"), max_length=40, required=False)
    skills = forms.CharField(
        label=_("技能要求"),
        max_length=2000,
        error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = list(levels)
        for level in self.levels:
            self.fields[f"headcount_{level.pk}"] = forms.IntegerField(
                label=_("%(level)s 人数") % {"level": level.level_name},
                required=False,
                min_value=0,
                max_value=50,
                initial=0,
                error_messages={
                    "invalid": _("人数须为整数。"),
                    "min_value": _("人数不能为负数。"),
                    "max_value": _("每个级别最多 50 人。"),
                },
                widget=forms.NumberInput(
                    attrs={"min": "0", "max": "50", "step": "1", "class": "form-control form-control-sm"}
                ),
            )

    def level_fields(self):
        return [(level, self[f"headcount_{level.pk}"]) for level in self.levels]

    def lines(self):
        return [
            (level.pk, self.cleaned_data.get(f"headcount_{level.pk}"))
            for level in self.levels
            if self.cleaned_data.get(f"headcount_{level.pk}")
        ]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), max_length=300, error_messages={"required": _("请填写退回原因。")}
    )


class EndForm(forms.Form):
    end_date = forms.DateField(
        label=_("最后服务日"),
        widget=DATE,
        error_messages={"required": _("请填写终止日期。"), "invalid": _("请输入有效的日期。")},
    )
    reason = forms.CharField(
        label=_("终止原因"), max_length=300, error_messages={"required": _("请填写提前终止的原因。")}
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=300, required=False)
