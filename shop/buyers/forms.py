"""Form pieces for the organisation and invoice wishes, used by quote and OEM forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shop.core.validators import validate_tax_number

from .models import INVOICE_FIELDS, ORG_FIELDS, InvoiceType


def clean_invoice_wish(cleaned: dict) -> dict:
    """Cross-field rules: 专票 needs title, tax number, address, phone, bank and account."""
    errors = {}
    itype = cleaned.get("invoice_type")
    if not cleaned.get("invoice_title"):
        cleaned["invoice_title"] = cleaned.get("org_name", "")
    if itype == InvoiceType.SPECIAL:
        for field, label in (
            ("invoice_tax_no", "纳税人识别号"),
            ("invoice_address", "注册地址"),
            ("invoice_phone", "注册电话"),
            ("invoice_bank", "开户银行"),
            ("invoice_account", "银行账号"),
        ):
            if not (cleaned.get(field) or "").strip():
                errors[field] = _("开具增值税专用发票需填写%(label)s。") % {"label": label}
    tax_no = (cleaned.get("invoice_tax_no") or "").strip().upper()
    if tax_no and "invoice_tax_no" not in errors:
        try:
            validate_tax_number(tax_no)
            cleaned["invoice_tax_no"] = tax_no
        except ValidationError as exc:
            errors["invoice_tax_no"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


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
        cleaned = super().clean()
        return clean_invoice_wish(cleaned)
