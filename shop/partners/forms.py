from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Industry
from .regions import region_choices

REQUIRED = {"required": _("请填写此项。")}


class PartnerForm(forms.Form):
    company_name = forms.CharField(label=_("公司名称"), max_length=120, error_messages=REQUIRED)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, error_messages=REQUIRED)
    region = forms.ChoiceField(
        label=_("合作地区"),
        choices=[("", _("请选择市州或县（市、区）"))] + region_choices(with_cities=True),
        help_text=_("可选整个市州，或具体到县（市、区）。"),
        error_messages={"required": _("请选择合作地区。"), "invalid_choice": _("请选择合作地区。")},
    )
    industry = forms.ChoiceField(
        label=_("行业"),
        choices=[("", _("请选择行业"))] + list(Industry.choices),
        error_messages={"required": _("请选择行业。"), "invalid_choice": _("请选择行业。")},
    )
    resources = forms.CharField(
        label=_("资源与优势"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例如：服务过的单位、渠道、团队、资质。通过审核后会在合作伙伴页面展示。"),
        error_messages=REQUIRED,
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, error_messages=REQUIRED)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=24,
        error_messages=REQUIRED,
        help_text=_("仅平台审核使用，不会公开。"),
    )
    contact_email = forms.EmailField(
        label=_("电子邮箱（可选）"), required=False, error_messages={"invalid": _("请输入有效的电子邮箱。")}
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("不通过"))])
    note = forms.CharField(
        label=_("审核意见"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
