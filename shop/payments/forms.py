"""Forms of the payment pages (buyer) and the payments dashboard (vendor / operator)."""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shop.buyers.models import INVOICE_FIELDS
from shop.core.exceptions import DomainError
from shop.core.money import CENT, rmb
from shop.core.uploads import check_upload
from shop.core.validators import validate_invoice_wish

from .models import MAX_AMOUNT, MIN_AMOUNT, InvoiceRequest
from .services import (
    INVOICE_FILE_KINDS,
    PROOF_KINDS,
    SLIP_KINDS,
    normalise_account_number,
    normalise_invoice_number,
)


class BootstrapMixin:
    """Bootstrap's form-control class on text-like widgets (templates stay plain)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if not isinstance(f.widget, forms.RadioSelect | forms.CheckboxInput | forms.FileInput):
                f.widget.attrs.setdefault("class", "form-control")


_too_big_message = lazy(lambda: _("金额不能超过 %(max)s。") % {"max": rmb(MAX_AMOUNT)}, str)


class AmountField(forms.DecimalField):
    """A money input of the payment pages: yuan with at most two decimals, from 0.01 (or 0.00
    where zero is meaningful, e.g. a tax amount) up to MAX_AMOUNT. Every refusal is a Chinese
    field error, never a 500 (NaN, 1e-9, 10^30, 20-digit strings included)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        low = Decimal("0.00") if allow_zero else MIN_AMOUNT
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", low)
        kwargs.setdefault("max_value", MAX_AMOUNT)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "min": low, "max": MAX_AMOUNT}))
        super().__init__(**kwargs)
        too_big = _too_big_message()
        self.error_messages.update(
            {
                "required": _("请填写金额。"),
                "invalid": _("请输入有效的金额（元）。"),
                "min_value": _("金额不能为负。") if allow_zero else _("金额必须大于零。"),
                "max_value": too_big,
                "max_digits": too_big,
                "max_whole_digits": too_big,
                "max_decimal_places": _("金额最多保留两位小数（精确到分）。"),
            }
        )

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) > 32:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value):
        """One clear message per bad value (Django's validators would add up to three)."""
        super().validate(value)
        if value in self.empty_values:
            return
        if value > self.max_value:
            raise ValidationError(self.error_messages["max_value"], code="max_value")
        if value < 0 or (value == 0 and self.min_value > 0):
            raise ValidationError(self.error_messages["min_value"], code="min_value")
        # 0 <= value <= max_value here, so quantize cannot overflow
        if value != value.quantize(CENT):
            raise ValidationError(self.error_messages["max_decimal_places"], code="max_decimal_places")


class BankTransferForm(BootstrapMixin, forms.Form):
    payer_name = forms.CharField(label=_("汇款单位（付款账户名）"), max_length=120)
    amount = AmountField(label=_("汇款金额（元）"))
    remitted_on = forms.DateField(
        label=_("汇款日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    slip = forms.FileField(
        label=_("汇款凭证（回单照片或 PDF）"),
        help_text=_("支持 PDF、PNG、JPEG，单个文件不超过 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean_slip(self):
        slip = self.cleaned_data["slip"]
        check_upload(slip, allowed=SLIP_KINDS)
        return slip

    def clean_remitted_on(self):
        value = self.cleaned_data["remitted_on"]
        if value > timezone.localdate():
            raise ValidationError(_("汇款日期不能晚于今天。"))
        return value


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class CardForm(BootstrapMixin, forms.Form):
    """Card details for the server-side path (localstripe). Never stored, never logged."""

    token = forms.CharField(widget=forms.HiddenInput)
    number = forms.CharField(
        label=_("卡号"),
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label=_("有效期（月/年）"),
        max_length=9,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    cvc = forms.CharField(
        label=_("安全码（CVC）"),
        max_length=4,
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )

    def clean_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
            raise ValidationError(_("卡号不正确，请核对后重新输入。"))
        return number

    def clean_expiry(self):
        m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not m:
            raise ValidationError(_("有效期格式应为 月/年，例如 12/30。"))
        month, year = int(m.group(1)), int(m.group(2))
        year = year + 2000 if year < 100 else year
        if not 1 <= month <= 12:
            raise ValidationError(_("有效期月份应在 1–12 之间。"))
        today = date.today()
        if (year, month) < (today.year, today.month):
            raise ValidationError(_("银行卡已过期。"))
        return month, year

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise ValidationError(_("安全码应为 3 或 4 位数字。"))
        return cvc


class InvoiceRequestForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = InvoiceRequest
        fields = list(INVOICE_FIELDS)
        widgets = {"invoice_type": forms.RadioSelect}

    def clean(self):
        # the shared invoice rules; an invoice actually requested needs title and tax number
        return validate_invoice_wish(super().clean(), issuing=True)


class ReviewForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ConfirmReceiptForm(ReviewForm):
    """确认到账: the amount the confirming party saw arrive, compared with the amount due."""

    received_amount = AmountField(label=_("实收金额（元）"), help_text=_("请按银行流水填写实际到账金额。"))


class IssueInvoiceForm(BootstrapMixin, forms.Form):
    partner = forms.TypedChoiceField(label=_("开票供应商"), coerce=int)
    number = forms.CharField(label=_("发票号码"), max_length=32)
    issued_on = forms.DateField(
        label=_("开票日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    tax_rate = forms.ChoiceField(label=_("税率"))
    amount = AmountField(label=_("金额（不含税，元）"))
    tax = AmountField(label=_("税额（元）"), allow_zero=True)
    document = forms.FileField(
        label=_("发票文件（可选）"),
        required=False,
        help_text=_("电子发票 PDF 或纸质发票扫描件（PNG、JPEG），不超过 10 MB，仅本订单采购方财务可下载。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, partners=(), rates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(p.pk, p.name) for p in partners]
        self.fields["tax_rate"].choices = [(str(r), f"{r * 100:.0f}%") for r in rates]

    def clean_number(self):
        try:
            return normalise_invoice_number(self.cleaned_data["number"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def clean_issued_on(self):
        value = self.cleaned_data["issued_on"]
        if value > timezone.localdate():
            raise ValidationError(_("开票日期不能晚于今天。"))
        return value

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            check_upload(document, allowed=INVOICE_FILE_KINDS)
        return document or None


class BankAccountForm(BootstrapMixin, forms.Form):
    """A vendor's own 对公账户 with its proof (checked again by the service)."""

    account_name = forms.CharField(
        label=_("开户名"), max_length=128, help_text=_("须与入驻登记的企业名称完全一致。")
    )
    bank_name = forms.CharField(label=_("开户银行（到支行）"), max_length=128)
    account_number = forms.CharField(label=_("银行账号"), max_length=40)
    proof = forms.FileField(
        label=_("开户证明（开户许可证或银行开户证明）"),
        help_text=_("支持 PDF、PNG、JPEG，单个文件不超过 10 MB，仅平台审核人员可见。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def clean_account_number(self):
        try:
            return normalise_account_number(self.cleaned_data["account_number"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def clean_proof(self):
        proof = self.cleaned_data["proof"]
        check_upload(proof, allowed=PROOF_KINDS)
        return proof


class PrepayForm(forms.Form):
    allows_prepay = forms.BooleanField(label=_("允许企业客户先付款后发货"), required=False)
