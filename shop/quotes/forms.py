"""Forms of the quote flow (buyer storefront and vendor dashboard). Thin: rules live in services."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.access import membership
from shop.buyers.forms import OrganisationInvoiceFormMixin
from shop.buyers.models import BudgetLine
from shop.buyers.services import unit_needs_budget_line
from shop.core.limits import (
    BUDGET_TOO_LARGE,
    MAX_AMOUNT,
    MAX_QUOTE_LEAD_DAYS,
    MAX_QUOTE_VALIDITY_DAYS,
    MAX_UNIT_PRICE,
    PRICE_TOO_LARGE,
    VALIDITY_TOO_LONG,
    limit_text,
)
from shop.core.money import rmb
from shop.core.tax import parse_vat_rate, vat_rate_choices
from shop.core.uploads import DOCUMENT_KINDS, check_upload
from shop.core.validators import validate_cn_mobile

from .models import MAX_LINE_QUANTITY, REQUEST_INPUT_FIELDS, QuoteRequest

TAX_RATE_CHOICES = vat_rate_choices()


def budget_line_field(user) -> forms.TypedChoiceField | None:
    """The 预算 select of a buying unit member's document: the unit's budget lines of this year,
    each with what is still available; required when there are any. None for a buyer without a
    unit, or a unit without lines this year (nothing to choose). The service checks the choice
    again (``budget_line_for_document``)."""
    member = membership(user) if user is not None else None
    if member is None or not unit_needs_budget_line(unit_id=member.unit_id):
        return None
    lines = BudgetLine.objects.filter(unit_id=member.unit_id, year=timezone.localdate().year).order_by(
        "name", "pk"
    )
    return forms.TypedChoiceField(
        label=_("预算"),
        coerce=int,
        choices=[("", _("请选择预算"))]
        + [(line.pk, f"{line.year} {line.name}（可用 {rmb(line.available)}）") for line in lines],
        help_text=_("本次采购使用的本单位预算；接受报价时占用相应金额。"),
        error_messages={
            "required": _("请选择本次采购使用的预算。"),
            "invalid_choice": _("预算选择无效。"),
        },
    )


class QuoteListAddForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("数量"),
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        error_messages={
            "min_value": _("数量至少为 1。"),
            "max_value": _("数量不能超过 %(limit_value)s。"),
            "invalid": _("数量必须是整数。"),
            "required": _("请填写数量。"),
        },
    )
    remark = forms.CharField(label=_("备注"), max_length=200, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class QuoteSubmitForm(OrganisationInvoiceFormMixin, forms.ModelForm):
    attachments = MultipleFileField(
        label=_("附件（需求说明）"),
        required=False,
        help_text=_("可选，PDF、Word、Excel 或图片，最多 %(n)s 个，每个不超过 %(mb)s MB。")
        % {"n": settings.QUOTES_ATTACHMENT_MAX_FILES, "mb": settings.QUOTES_ATTACHMENT_MAX_BYTES // 1048576},
    )

    class Meta:
        model = QuoteRequest
        fields = list(REQUEST_INPUT_FIELDS)
        widgets = {
            "needed_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "remark": forms.Textarea(attrs={"rows": 3}),
            "procurement_method": forms.RadioSelect,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        budget_line = budget_line_field(user)
        if budget_line is not None:
            self.fields["budget_line"] = budget_line
        self.fields["needed_by"].widget.attrs["min"] = (timezone.localdate() + timedelta(days=1)).isoformat()
        budget = self.fields["budget"]
        too_large = BUDGET_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)}
        budget.validators.append(MaxValueValidator(MAX_AMOUNT, message=too_large))
        budget.widget.attrs.update({"min": "0.01", "max": f"{MAX_AMOUNT}"})
        budget.error_messages.update(max_digits=too_large, max_whole_digits=too_large)
        self.fields["delivery_region"].help_text = _("例如：湖南省长沙市岳麓区")
        self.fields["county"].required = False

    def clean_contact_mobile(self):
        value = (self.cleaned_data.get("contact_mobile") or "").strip()
        validate_cn_mobile(value)
        return value

    def clean_needed_by(self):
        value = self.cleaned_data.get("needed_by")
        if value and value <= timezone.localdate():
            raise ValidationError(_("需求日期必须晚于今天。"))
        return value

    def clean_budget(self):
        value = self.cleaned_data.get("budget")
        if value is not None and value <= 0:
            raise ValidationError(_("预算必须大于零。"))
        return value

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > settings.QUOTES_ATTACHMENT_MAX_FILES:
            raise ValidationError(_("附件最多 %(n)s 个。") % {"n": settings.QUOTES_ATTACHMENT_MAX_FILES})
        errors = []
        for upload in files:
            try:
                check_upload(upload, allowed=DOCUMENT_KINDS, max_bytes=settings.QUOTES_ATTACHMENT_MAX_BYTES)
            except ValidationError as exc:
                errors.append(f"“{upload.name}”：{exc.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return files


class VendorAnswerForm(forms.Form):
    """Per-line 含税单价 and tax rate, plus lead time, validity and terms."""

    lead_time_days = forms.IntegerField(
        label=_("交货期（天）"),
        min_value=1,
        max_value=MAX_QUOTE_LEAD_DAYS,
        error_messages={
            "required": _("请填写交货期。"),
            "min_value": _("交货期应为 1 到 %(max)s 天。") % {"max": MAX_QUOTE_LEAD_DAYS},
            "max_value": _("交货期应为 1 到 %(max)s 天。") % {"max": MAX_QUOTE_LEAD_DAYS},
        },
    )
    valid_until = forms.DateField(
        label=_("报价有效期至"),
        # <input type="date"> only takes ISO dates; zh-hans would render 2026/12/02 (then empty)
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写报价有效期。")},
    )
    terms = forms.CharField(
        label=_("报价条款"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, vendor_quote, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor_quote = vendor_quote
        self.line_fields = []
        price_too_large = PRICE_TOO_LARGE % {"limit": limit_text(MAX_UNIT_PRICE)}
        for line in vendor_quote.lines.all():
            price_name, rate_name = f"price_{line.pk}", f"rate_{line.pk}"
            self.fields[price_name] = forms.DecimalField(
                label=line.request_line.title,
                required=False,
                min_value=Decimal("0.01"),
                max_value=MAX_UNIT_PRICE,
                decimal_places=2,
                max_digits=14,
                initial=line.unit_price_incl_tax,
                error_messages={
                    "min_value": _("单价必须大于零。"),
                    "max_value": price_too_large,
                    "max_digits": price_too_large,
                    "max_whole_digits": price_too_large,
                },
            )
            self.fields[rate_name] = forms.TypedChoiceField(
                label=_("税率"),
                choices=TAX_RATE_CHOICES,
                coerce=parse_vat_rate,
                initial=f"{line.tax_rate:.2f}",
            )
            self.line_fields.append((line, price_name, rate_name))
        self.fields["lead_time_days"].initial = vendor_quote.lead_time_days
        if vendor_quote.valid_until and vendor_quote.valid_until > timezone.now():
            self.fields["valid_until"].initial = timezone.localtime(vendor_quote.valid_until).date()
        else:
            self.fields["valid_until"].initial = timezone.localdate() + timedelta(days=15)
        self.fields["terms"].initial = vendor_quote.terms

    def bound_lines(self):
        return [(line, self[price], self[rate]) for line, price, rate in self.line_fields]

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value and value < timezone.localdate():
            raise ValidationError(_("报价有效期不能早于今天。"))
        if value and value > timezone.localdate() + timedelta(days=MAX_QUOTE_VALIDITY_DAYS):
            raise ValidationError(VALIDITY_TOO_LONG % {"limit": MAX_QUOTE_VALIDITY_DAYS})
        return value

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(price) for _line, price, _rate in self.line_fields):
            raise ValidationError(_("请至少为一项商品填写报价。"))
        return cleaned

    def prices(self):
        from .services import PriceInput

        return {
            line.pk: PriceInput(self.cleaned_data.get(price), self.cleaned_data[rate])
            for line, price, rate in self.line_fields
        }


class RevisionRequestForm(forms.Form):
    note = forms.CharField(
        label=_("修改要求"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写需要供应商修改的内容。")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)
