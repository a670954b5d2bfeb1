"""Chinese telephone numbers: validation, normalisation and the masked form shown to everyone
but operators.

A mobile number has 11 digits starting 13–19 (工信部 号段: 13x–19x). A landline has an area code
of 3 or 4 digits starting with 0 (010, 02x, 0731 …) and a subscriber number of 7 or 8 digits
not starting with 0 or 1, optionally an extension (分机) of up to 6 digits."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_WITH_HYPHEN = re.compile(r"^(0\d{2,3})-(\d{7,8})(?:-(\d{1,6}))?$")
_RUN_ON = re.compile(r"^(0\d{9,11})(?:-(\d{1,6}))?$")
_AREA = re.compile(r"^(?:010|02\d|0[3-9]\d\d)$")  # 3 digits: 010, 02x; else 4 digits
_SUBSCRIBER = re.compile(r"^[2-9]\d{6,7}$")


def _landline(compact: str) -> str | None:
    match = _WITH_HYPHEN.match(compact)
    if match:
        area, number, ext = match.groups()
    else:
        match = _RUN_ON.match(compact)
        if not match:
            return None
        digits, ext = match.groups()
        split = 3 if digits.startswith(("010", "02")) else 4
        area, number = digits[:split], digits[split:]
    if not (_AREA.match(area) and _SUBSCRIBER.match(number)):
        return None
    return f"{area}-{number}" + (f"-{ext}" if ext else "")


def phone_normalise(value: str) -> str:
    """The number in one written form (``13812345678`` or ``0731-88881234[-123]``); raises
    ValidationError (Chinese) when it is neither a mobile nor a landline number."""
    raw = (value or "").strip()
    compact = re.sub(r"[\s()（）]", "", raw).replace("—", "-").replace("－", "-")
    mobile = _MOBILE.match(compact.replace("-", ""))
    if mobile:
        return mobile.group(1)
    landline = _landline(compact)
    if landline:
        return landline
    raise ValidationError(
        _("请输入有效的电话号码：11 位手机号码，或带区号的固定电话（如 0731-88881234）。"), code="phone"
    )


def phone_mask(value: str) -> str:
    """``138****5678`` for a mobile number; ``0731-****1234`` for a landline (extension dropped)."""
    value = (value or "").strip()
    if re.fullmatch(r"1\d{10}", value):
        return f"{value[:3]}****{value[-4:]}"
    parts = value.split("-")
    if len(parts) >= 2 and parts[0].startswith("0"):
        return f"{parts[0]}-****{parts[1][-4:]}"
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "****"
