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


_TAX_NO_RE = re.compile(r"^[0-9A-Z]{15,20}$")


def validate_tax_number(value: str) -> None:
    """纳税人识别号: today the 18-character USCC; older numbers have 15 or 20 characters."""
    value = (value or "").strip().upper()
    if len(value) == 18:
        validate_uscc(value)
    elif not _TAX_NO_RE.match(value):
        raise ValidationError(_("纳税人识别号格式不正确（15、18 或 20 位数字/大写字母）。"), code="tax_no")
