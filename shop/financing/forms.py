"""Forms of 规划融资 and 自由职业 pages: they collect what was typed; the services check the
rules (range, term, documents, phone) and say what is wrong in Chinese."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.forms import OrganisationInvoiceFormMixin
from shop.buyers.models import ORG_FIELDS
from shop.partners.regions import region_choices
from shop.quotes.models import QuoteRequest

from .models import InvoiceNeed, ProjectType, Status

REQUIRED = {"required": _("请填写此项。")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ApplicationForm(forms.Form):
    org_name = forms.CharField(label=_("申请单位"), max_length=120, error_messages=REQUIRED)
    project_name = forms.CharField(label=_("项目名称"), max_length=120, error_messages=REQUIRED)
    project_type = forms.ChoiceField(
        label=_("项目类型"),
        choices=ProjectType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择项目类型。"), "invalid_choice": _("请选择项目类型。")},
    )
    project_type_other = forms.CharField(label=_("其他类型说明"), max_length=60, required=False)
    region = forms.ChoiceField(
        label=_("项目所在地（县市区）"),
        choices=[("", _("请选择县（市、区）"))] + region_choices(with_cities=False),
        error_messages={"required": _("请选择项目所在地。"), "invalid_choice": _("请选择项目所在地。")},
    )
    amount = forms.CharField(
        label=_("申请金额（元）"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    term_months = forms.CharField(
        label=_("融资期限（月）"),
        max_length=4,
        error_messages=REQUIRED,
        widget=forms.NumberInput(attrs={"min": "12", "step": "1"}),
    )
    purpose = forms.CharField(
        label=_("资金用途"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=REQUIRED,
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, error_messages=REQUIRED)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=24,
        error_messages=REQUIRED,
        help_text=_("手机号码，或带区号的固定电话（如 0731-88881234）。"),
    )
    document_approval = forms.FileField(
        label=_("立项批复"), required=False, help_text=_("PDF、Word、Excel 或图片，不超过 10 MB。")
    )
    document_feasibility = forms.FileField(label=_("可研报告"), required=False)
    document_other = MultipleFileField(label=_("其他材料（可选，可多选）"), required=False)

    def documents(self) -> list:
        data = self.cleaned_data
        docs = []
        if data.get("document_approval"):
            docs.append(("approval", data["document_approval"]))
        if data.get("document_feasibility"):
            docs.append(("feasibility", data["document_feasibility"]))
        docs += [("other", f) for f in data.get("document_other") or []]
        return docs


class SupplementForm(forms.Form):
    documents = MultipleFileField(label=_("补充材料"), required=False)
    note = forms.CharField(
        label=_("说明（可选）"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(
        label=_("处理意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LprForm(forms.Form):
    one_year = forms.CharField(label=_("1 年期 LPR（%）"), max_length=6, error_messages=REQUIRED)
    five_year = forms.CharField(label=_("5 年期以上 LPR（%）"), max_length=6, error_messages=REQUIRED)
    published_on = forms.DateField(
        label=_("公布日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写公布日期。"), "invalid": _("请输入有效的日期。")},
    )


class FreelanceForm(OrganisationInvoiceFormMixin, forms.ModelForm):
    people = forms.IntegerField(
        label=_("结算人数"),
        min_value=1,
        max_value=100000,
        error_messages={
            "required": _("请填写结算人数。"),
            "invalid": _("结算人数必须是整数。"),
            "min_value": _("结算人数至少 1 人。"),
            "max_value": _("结算人数不能超过 100000 人。"),
        },
    )
    monthly_amount = forms.CharField(
        label=_("月结算总额（元）"),
        max_length=16,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    industry = forms.CharField(label=_("所属行业"), max_length=40, error_messages=REQUIRED)
    invoice_need = forms.ChoiceField(
        label=_("发票需求"),
        choices=InvoiceNeed.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择发票需求。")},
    )
    start_date = forms.DateField(
        label=_("期望开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写期望开始日期。"), "invalid": _("请输入有效的日期。")},
    )
    description = forms.CharField(
        label=_("补充说明（可选）"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = QuoteRequest
        fields = [
            *ORG_FIELDS,
            "contact_name",
            "contact_mobile",
            "contact_email",
            "invoice_type",
            "invoice_title",
            "invoice_tax_no",
            "invoice_address",
            "invoice_phone",
            "invoice_bank",
            "invoice_account",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from shop.quotes.forms import budget_line_field

        budget_line = budget_line_field(user)
        if budget_line is not None:
            self.fields["budget_line"] = budget_line
        self.fields["county"].required = False
        self.fields["start_date"].widget.attrs["min"] = (timezone.localdate() + timedelta(days=1)).isoformat()
