"""Form pieces for the organisation and invoice wishes, used by quote and OEM forms (the invoice
rules themselves: shop.core.validators.validate_invoice_wish)."""

from django import forms

from shop.core.validators import validate_invoice_wish

from .models import INVOICE_FIELDS, ORG_FIELDS


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
