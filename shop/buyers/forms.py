"""Form pieces for the organisation and invoice wishes, used by quote and OEM forms (the invoice
rules themselves: shop.core.validators.validate_invoice_wish)."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from shop.core.validators import validate_invoice_wish

from .models import INVOICE_FIELDS, MAX_APPROVAL_STEPS, ORG_FIELDS, BuyingUnit, Decision, FundNature, UnitRole


def initial_from_organisation(user) -> dict:
    org = getattr(user, "buyer_organisation", None) if user.is_authenticated else None
    if org is None:
        return {}
    return {f: getattr(org, f) for f in ORG_FIELDS + INVOICE_FIELDS}


class OrganisationInvoiceFormMixin(forms.Form):
    """Mixed into ModelForms whose model inherits OrganisationSnapshot and InvoiceWish."""

    def clean_org_uscc(self):
        return (self.cleaned_data.get("org_uscc") or "").strip().upper()

    def clean(self):
        return validate_invoice_wish(super().clean())


# --- buying units ---------------------------------------------------------------------------------


class UnitCreateForm(OrganisationInvoiceFormMixin, forms.ModelForm):
    class Meta:
        model = BuyingUnit
        fields = ORG_FIELDS + INVOICE_FIELDS


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("角色"))
        kwargs.setdefault("choices", UnitRole.choices)
        kwargs.setdefault("error_messages", {"required": _("请至少选择一个角色。")})
        super().__init__(**kwargs)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("邮箱"), max_length=254)
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


class InvitationAcceptForm(forms.Form):
    """A visitor without an account: name and password for the new account."""

    full_name = forms.CharField(label=_("姓名"), max_length=150)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


# --- budgets, approval rules, approvals -----------------------------------------------------------
# The forms only collect what was typed; the services check it (amounts, years, steps) and say
# what is wrong in Chinese, so the pages and the API refuse the same things the same way.


class CategoryChoiceField(forms.ModelChoiceField):
    """A catalogue category (indented by depth), optional."""

    def __init__(self, **kwargs):
        from oscar.core.loading import get_model

        Category = get_model("catalogue", "Category")
        kwargs.setdefault("queryset", Category.objects.only("pk", "name", "depth", "path").order_by("path"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("品目（可选）"))
        kwargs.setdefault("empty_label", _("不限品目"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("请选择有效的品目。")})
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{'　' * max(0, (obj.depth or 1) - 1)}{obj.name}"


class BudgetLineForm(forms.Form):
    name = forms.CharField(
        label=_("预算名称"), max_length=200, error_messages={"required": _("请填写预算名称。")}
    )
    year = forms.CharField(
        label=_("预算年度"),
        max_length=8,
        widget=forms.NumberInput(attrs={"min": 2000, "max": 2100}),
        error_messages={"required": _("请填写预算年度。")},
    )
    amount = forms.CharField(
        label=_("预算金额（元）"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("请填写预算金额。")},
    )
    fund_nature = forms.ChoiceField(
        label=_("资金性质"),
        choices=FundNature.choices,
        error_messages={"required": _("请选择资金性质。"), "invalid_choice": _("请选择资金性质。")},
    )
    category = CategoryChoiceField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # a line keeps its year
            del self.fields["year"]


class ApprovalRuleForm(forms.Form):
    min_amount = forms.CharField(
        label=_("起审金额（元，含税）"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("请填写起审金额。")},
    )
    steps = forms.CharField(
        label=_("审批级数"),
        max_length=4,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_APPROVAL_STEPS}),
        error_messages={"required": _("请填写审批级数。")},
    )
    category = CategoryChoiceField()
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class ApprovalDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或驳回。"), "invalid_choice": _("请选择同意或驳回。")},
    )
    comment = forms.CharField(
        label=_("审批意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    seen_hash = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class ApprovalWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), required=False, max_length=500)
