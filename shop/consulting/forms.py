"""Forms of the consulting pages: they collect what was typed; the services check the rules
(package, duration, dates, topics, price) and say what is wrong in Chinese."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.money import rmb
from shop.financing.forms import MultipleFileField
from shop.quotes.forms import budget_line_field

from . import selectors

REQUIRED = {"required": _("请填写此项。")}


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DatesFromTomorrow:
    """Date inputs start at tomorrow (set per request: a server runs for days)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        for bound in self.fields.values():
            if isinstance(bound, forms.DateField):
                bound.widget.attrs["min"] = tomorrow


class BookingForm(DatesFromTomorrow, forms.Form):
    variant = forms.TypedChoiceField(
        label=_("服务包"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择服务包。"), "invalid_choice": _("请选择服务包。")},
    )
    quantity = forms.IntegerField(
        label=_("服务时长（份数）"),
        initial=1,
        min_value=None,
        widget=forms.NumberInput(attrs={"step": "1"}),
        error_messages={"required": _("请填写服务时长。"), "invalid": _("请填写整数。")},
        help_text=_("按天：天数；按月：月数；半年、按年：份数。"),
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        widget=_date_widget(),
        error_messages={"required": _("请选择开始日期。"), "invalid": _("请选择有效的日期。")},
    )
    topics = forms.MultipleChoiceField(
        label=_("咨询内容"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一项咨询内容。"),
            "invalid_choice": _("请选择列出的咨询内容。"),
        },
    )
    need = forms.CharField(
        label=_("需求描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请描述咨询需求。"), "max_length": _("需求描述不能超过 2000 个字。")},
        help_text=_("说明项目背景、要比选或核查的对象、希望得到的结论等。"),
    )
    partner = forms.TypedChoiceField(label=_("咨询顾问"), coerce=int, required=False)
    files = MultipleFileField(
        label=_("附件（可选）"),
        required=False,
        help_text=_(
            "如招标文件、方案、报价单；PDF、Word、Excel 或图片，最多 5 个。仅本单位、咨询顾问和平台运营人员可见。"
        ),
    )

    def __init__(self, *args, product, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.variants = selectors.variants(product=product)
        choices = []
        for variant in self.variants:
            record = selectors.stockrecords(variant=variant).first()
            price = f"{rmb(record.price)} 起/{selectors.package_of(variant)}" if record else _("暂无报价")
            choices.append((variant.pk, f"{variant.get_title()}（{price}）"))
        self.fields["variant"].choices = choices
        self.fields["topics"].choices = [(t, t) for t in selectors.topics(product=product)]
        consultants = selectors.consultants(product=product)
        self.fields["partner"].choices = [(p.pk, p.name) for p in consultants]
        if len(consultants) <= 1:
            self.fields["partner"].widget = forms.HiddenInput()
        budget_line = budget_line_field(user)
        if budget_line is not None:
            self.fields["budget_line"] = budget_line


class ConfirmForm(forms.Form):
    unit_price = forms.CharField(label=_("确认单价（元，含税）"), max_length=20, error_messages=REQUIRED)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProposeForm(DatesFromTomorrow, forms.Form):
    start_date = forms.DateField(
        label=_("建议开始日期"),
        widget=_date_widget(),
        error_messages={"required": _("请选择建议的开始日期。"), "invalid": _("请选择有效的日期。")},
    )
    unit_price = forms.CharField(label=_("确认单价（元，含税）"), max_length=20, error_messages=REQUIRED)
    note = forms.CharField(
        label=_("改期说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写取消原因。")},
    )


class ReportForm(forms.Form):
    description = forms.CharField(
        label=_("报告说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写报告说明。")},
    )
    files = MultipleFileField(
        label=_("咨询报告"),
        required=True,
        error_messages={"required": _("请上传咨询报告。")},
        help_text=_("PDF、Word、Excel 或图片，最多 5 个。"),
    )


class AcceptanceForm(forms.Form):
    result = forms.ChoiceField(
        label=_("验收结论"),
        choices=[("passed", _("合格")), ("failed", _("不合格"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择验收结论。"), "invalid_choice": _("请选择验收结论。")},
    )
    comments = forms.CharField(
        label=_("验收意见（不合格时必填原因）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BlockForm(DatesFromTomorrow, forms.Form):
    day = forms.DateField(
        label=_("日期"),
        widget=_date_widget(),
        error_messages={"required": _("请选择日期。"), "invalid": _("请选择有效的日期。")},
    )
    note = forms.CharField(label=_("说明（可选）"), required=False, max_length=60)
