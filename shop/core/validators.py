"""Validators shared by quote requests, OEM orders and vendor applications."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_character(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 computed from its first 17 (GB 32100-2015)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    value = (value or "").strip().upper()
    if not _USCC_RE.match(value):
        return False
    return uscc_check_character(value[:17]) == value[17]


def validate_uscc(value: str) -> None:
    value = (value or "").strip().upper()
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。"), code="uscc_length", params={"n": len(value)}
        )
    if not _USCC_RE.match(value):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（仅限数字和除 I、O、Z、S、V 以外的大写字母）。"),
            code="uscc_chars",
        )
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="uscc_checksum")


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_cn_mobile(value: str) -> None:
    if not _MOBILE_RE.match((value or "").strip()):
        raise ValidationError(_("请输入有效的 11 位手机号码。"), code="mobile")


# 纳税人识别号: the 18-character 统一社会信用代码 today; older numbers have 15 characters
# (区划 + 组织机构代码), 17 or 20 (a person's 15- or 18-digit ID number plus 2 or 3 characters).
TAX_NUMBER_LENGTHS = (15, 17, 18, 20)
_TAX_NO_RE = re.compile(r"^[0-9A-Z]+$")


def validate_tax_number(value: str) -> None:
    """纳税人识别号 of exactly 15, 17, 18 or 20 digits / capital letters; 18 must be a valid USCC."""
    value = (value or "").strip().upper()
    if len(value) not in TAX_NUMBER_LENGTHS or not _TAX_NO_RE.match(value):
        raise ValidationError(
            _("纳税人识别号格式不正确（15、17、18 或 20 位数字/大写字母）。"), code="tax_no"
        )
    if len(value) == 18:
        validate_uscc(value)


# 增值税专用发票 needs every one of these (《增值税专用发票使用规定》: 购买方名称、纳税人识别号、
# 地址电话、开户行及账号).
SPECIAL_INVOICE_FIELDS = (
    ("invoice_tax_no", _("纳税人识别号")),
    ("invoice_address", _("注册地址")),
    ("invoice_phone", _("注册电话")),
    ("invoice_bank", _("开户银行")),
    ("invoice_account", _("银行账号")),
)


def validate_invoice_wish(values: dict, *, issuing: bool = False) -> dict:
    """The invoice rules every form and serializer that takes invoice wishes goes through
    (quote requests, OEM orders, checkout and the order page's invoice request, the API).

    Cleans ``values`` in place and returns it: an empty 发票抬头 becomes the organisation's
    name, the tax number is upper-cased. 专票 needs the tax number, address, phone, bank and
    account. ``issuing`` (an invoice actually requested for an order): title and tax number
    are required for either type. Raises ``ValidationError`` with one message per field.
    """
    from shop.buyers.models import InvoiceType  # the models import this module

    errors = {}
    for field in ("invoice_title", "invoice_tax_no", "invoice_address", "invoice_phone"):
        if isinstance(values.get(field), str):
            values[field] = values[field].strip()
    if not values.get("invoice_title") and values.get("org_name"):
        values["invoice_title"] = str(values["org_name"]).strip()
    if issuing:
        if not values.get("invoice_title"):
            errors["invoice_title"] = _("请填写发票抬头（单位全称）。")
        if not values.get("invoice_tax_no"):
            errors["invoice_tax_no"] = _("请填写纳税人识别号（统一社会信用代码）。")
    if values.get("invoice_type") == InvoiceType.SPECIAL:
        for field, label in SPECIAL_INVOICE_FIELDS:
            if field not in errors and not str(values.get(field) or "").strip():
                errors[field] = _("开具增值税专用发票需填写%(label)s。") % {"label": label}
    tax_no = str(values.get("invoice_tax_no") or "").upper()
    if tax_no and "invoice_tax_no" not in errors:
        try:
            validate_tax_number(tax_no)
            values["invoice_tax_no"] = tax_no
        except ValidationError as exc:
            errors["invoice_tax_no"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return values
