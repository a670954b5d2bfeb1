"""Forms of the OEM pages: the buyer's order form and the vendor's offer and move forms."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.forms import OrganisationInvoiceFormMixin, initial_from_organisation
from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS
from shop.core.limits import (
    AMOUNT_TOO_LARGE,
    MAX_AMOUNT,
    MAX_OEM_LEAD_DAYS,
    MAX_OEM_QUANTITY,
    MAX_UNIT_PRICE,
    PRICE_TOO_LARGE,
    limit_text,
)
from shop.quotes.forms import budget_line_field
from shop.storefront.selectors import visible_products

from . import validators as v
from .models import BUYER_INPUT_FIELDS, OemOrder


class OemOrderForm(OrganisationInvoiceFormMixin, forms.ModelForm):
    """Quantity (≥ MOQ), brand, logo, the product's own customisations with a detail text each,
    sample, date, delivery, and the organisation + invoice wishes shared with quote requests."""

    variant = forms.ModelChoiceField(label=_("规格型号"), queryset=None, required=False, empty_label=None)
    logo = forms.FileField(
        label=_("品牌 Logo"),
        help_text=_("PNG、SVG 或 PDF；SVG 不得包含脚本或外部链接。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.svg,.pdf"}),
        error_messages={"required": _("请上传品牌 Logo（PNG、SVG 或 PDF）。")},
    )

    class Meta:
        model = OemOrder
        fields = [*BUYER_INPUT_FIELDS, *ORG_FIELDS, *INVOICE_FIELDS]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "remarks": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, product, user=None, **kwargs):
        self.product = product
        if user is not None and not kwargs.get("data"):
            initial = {**initial_from_organisation(user), **(kwargs.get("initial") or {})}
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        moq = max(product.oem_min_quantity or 1, 1)
        self.moq = moq
        quantity = self.fields["quantity"]
        quantity.min_value = moq
        # the upper bound (MAX_OEM_QUANTITY) is checked by clean_quantity → validate_quantity
        quantity.widget.attrs.update({"min": moq, "max": MAX_OEM_QUANTITY, "step": 1})
        quantity.help_text = _("最小起订量 %(moq)s %(unit)s") % {"moq": moq, "unit": product.unit}
        self.initial.setdefault("quantity", moq)
        self.fields["target_date"].widget.attrs["min"] = (
            timezone.localdate() + timedelta(days=1)
        ).isoformat()
        if product.is_parent:
            self.fields["variant"].queryset = visible_products().filter(parent=product).order_by("pk")
            self.fields["variant"].required = True
            self.fields["variant"].label_from_instance = lambda p: p.get_title()
        else:
            del self.fields["variant"]
        budget_line = budget_line_field(user)
        if budget_line is not None:
            self.fields["budget_line"] = budget_line
        self.customisation_fields = []
        for code, label in v.offered_customisations(product):
            check_name, detail_name = f"cust_{code}", f"cust_{code}_detail"
            self.fields[check_name] = forms.BooleanField(
                label=label,
                required=False,
                widget=forms.CheckboxInput(attrs={"data-oem-toggle": detail_name}),
            )
            self.fields[detail_name] = forms.CharField(
                label=_("%(name)s 定制要求") % {"name": label},
                required=False,
                max_length=v.CUSTOMISATION_DETAIL_MAX,
                widget=forms.TextInput(attrs={"placeholder": _("例如：颜色、尺寸、文字、软件名称")}),
            )
            self.customisation_fields.append((self[check_name], self[detail_name]))

    # field-level rules (shared with the API and re-checked by the service)
    def clean_quantity(self):
        quantity = self.cleaned_data.get("quantity")
        v.validate_quantity(self.product, quantity)
        return quantity

    def clean_target_date(self):
        value = self.cleaned_data.get("target_date")
        v.validate_target_date(value)
        return value

    def clean_delivery_phone(self):
        value = (self.cleaned_data.get("delivery_phone") or "").strip()
        v.validate_delivery_phone(value)
        return value

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        v.check_logo(upload)
        return upload

    def clean_brand_name(self):
        value = (self.cleaned_data.get("brand_name") or "").strip()
        if not value:
            raise ValidationError(_("请填写品牌名称。"))
        return value

    def clean(self):
        try:
            cleaned = super().clean()  # organisation + invoice wishes (shop.buyers)
        except ValidationError as exc:
            self.add_error(None, exc)
            cleaned = self.cleaned_data
        rows = []
        for code, _label in v.offered_customisations(self.product):
            if cleaned.get(f"cust_{code}"):
                rows.append({"code": code, "detail": cleaned.get(f"cust_{code}_detail", "")})
        try:
            cleaned["customisations"] = v.validate_customisations(self.product, rows)
        except ValidationError as exc:
            code = next((r["code"] for r in rows if not (r["detail"] or "").strip()), None)
            self.add_error(f"cust_{code}_detail" if code else None, exc)
        if self.product.is_parent:
            try:
                v.validate_variant(self.product, cleaned.get("variant"))
            except ValidationError as exc:
                self.add_error("variant", exc)
        return cleaned

    def organisation_data(self) -> dict:
        return {f: self.cleaned_data.get(f, "") for f in ORG_FIELDS + INVOICE_FIELDS}


def _money_field(*, label, limit, message, **kwargs) -> forms.DecimalField:
    """A yuan amount from zero up to ``limit`` (shop.core.limits), with Chinese messages."""
    too_large = message % {"limit": limit_text(limit)}
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=limit,
        error_messages={
            "max_value": too_large,
            "max_digits": too_large,
            "max_whole_digits": too_large,
            "min_value": _("金额不能为负数。"),
            "max_decimal_places": _("金额最多两位小数。"),
        },
        **kwargs,
    )


class OfferForm(forms.Form):
    unit_price = _money_field(label=_("单价（含税，元）"), limit=MAX_UNIT_PRICE, message=PRICE_TOO_LARGE)
    tooling_fee = _money_field(
        label=_("开模/设置费（元）"), limit=MAX_AMOUNT, message=AMOUNT_TOO_LARGE, initial=0
    )
    deposit = _money_field(label=_("定金（元）"), limit=MAX_AMOUNT, message=AMOUNT_TOO_LARGE)
    lead_days = forms.IntegerField(
        label=_("交期（天）"),
        min_value=1,
        max_value=MAX_OEM_LEAD_DAYS,
        error_messages={
            "min_value": _("交期须在 1 至 %(max)s 天之间。") % {"max": MAX_OEM_LEAD_DAYS},
            "max_value": _("交期须在 1 至 %(max)s 天之间。") % {"max": MAX_OEM_LEAD_DAYS},
        },
    )
    note = forms.CharField(label=_("报价说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)
        if order.unit_price is not None:
            self.initial.update(
                unit_price=order.unit_price,
                tooling_fee=order.tooling_fee,
                deposit=order.deposit,
                lead_days=order.offer_lead_days,
                note=order.offer_note,
            )
        elif order.estimated_lead_days:
            self.initial.setdefault("lead_days", order.estimated_lead_days)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                v.validate_offer(
                    quantity=self.order.quantity,
                    unit_price=cleaned.get("unit_price"),
                    tooling_fee=cleaned.get("tooling_fee"),
                    deposit=cleaned.get("deposit"),
                    lead_days=cleaned.get("lead_days"),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
