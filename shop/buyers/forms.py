"""Form pieces for the organisation and invoice wishes, used by quote and OEM forms (the invoice
rules themselves: shop.core.validators.validate_invoice_wish)."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from shop.core.validators import validate_invoice_wish

from .models import INVOICE_FIELDS, ORG_FIELDS, BuyingUnit, UnitRole


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
