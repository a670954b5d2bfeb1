"""The one source of VAT rates (增值税税率) for products, quotes, OEM orders and invoices.

China's VAT rates and levy rates a seller in the mall may use:
13%（货物）, 9%（交通运输、建筑、农产品等）, 6%（现代服务）, 3%（小规模纳税人征收率）,
1%（小规模纳税人减按征收）and 0%（零税率/免税）. Every place that stores, accepts or prints a
rate takes it from here: the catalogue loader, the product form, quote lines and offers, OEM
offers, the quote PDF footnote and VAT invoices.
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RATE_PLACES = Decimal("0.01")

VAT_RATE_GOODS = Decimal("0.13")
VAT_RATE_SERVICES = Decimal("0.06")
DEFAULT_VAT_RATE = VAT_RATE_GOODS

# Highest first, as people read them in a drop-down.
VAT_RATES: tuple[Decimal, ...] = (
    Decimal("0.13"),
    Decimal("0.09"),
    Decimal("0.06"),
    Decimal("0.03"),
    Decimal("0.01"),
    Decimal("0.00"),
)

# What each rate usually applies to (shown in drop-downs and in document footnotes).
VAT_RATE_USES = {
    Decimal("0.13"): _("货物"),
    Decimal("0.09"): _("交通运输、建筑等"),
    Decimal("0.06"): _("服务"),
    Decimal("0.03"): _("小规模纳税人"),
    Decimal("0.01"): _("小规模纳税人减按"),
    Decimal("0.00"): _("零税率/免税"),
}


def vat_rate_percent(rate) -> str:
    """'13%' for Decimal('0.13'), '0%' for 0."""
    return f"{(Decimal(rate) * 100).quantize(Decimal(1)):f}%"


def vat_rate_label(rate) -> str:
    """'13%（货物）': the rate with what it is for."""
    rate = Decimal(rate).quantize(RATE_PLACES)
    use = VAT_RATE_USES.get(rate)
    return f"{vat_rate_percent(rate)}（{use}）" if use else vat_rate_percent(rate)


def vat_rate_choices() -> list[tuple[str, str]]:
    """Form choices keyed by the stored text ('0.13', …, '0.00'); use with ``coerce=parse_vat_rate``."""
    return [(f"{rate:f}", vat_rate_label(rate)) for rate in VAT_RATES]


def is_vat_rate(value) -> bool:
    """True for a fraction that is exactly one of VAT_RATES (0.13, 0.130; not 0.125 or 13)."""
    try:
        rate = Decimal(value)
        return rate.is_finite() and rate in VAT_RATES
    except (InvalidOperation, TypeError, ValueError):
        return False


def _allowed_text() -> str:
    return "、".join(vat_rate_percent(rate) for rate in sorted(VAT_RATES))


def parse_vat_rate(value) -> Decimal:
    """A rate from a Decimal, '0.13', '13%' or '13' (a whole number is read as a percentage).

    Raises ``ValidationError`` with a Chinese message for anything that is not one of VAT_RATES.
    """
    if isinstance(value, Decimal):
        rate = value
    else:
        text = str(value if value is not None else "").strip().replace("％", "%")
        try:
            if text.endswith("%"):
                rate = Decimal(text[:-1].strip()) / 100
            else:
                rate = Decimal(text)
                if rate >= 1:
                    rate = rate / 100
        except InvalidOperation:
            rate = None
    if rate is None or not rate.is_finite() or not is_vat_rate(rate):
        raise ValidationError(
            _("税率只能是 %(allowed)s，当前为“%(value)s”。"),
            code="vat_rate",
            params={"allowed": _allowed_text(), "value": value},
        )
    return rate.quantize(RATE_PLACES)


def validate_vat_rate(value) -> None:
    """Django validator for model and form fields holding a rate as a fraction (0.13)."""
    if value is None or not is_vat_rate(value):
        raise ValidationError(
            _("税率只能是 %(allowed)s，当前为“%(value)s”。"),
            code="vat_rate",
            params={"allowed": _allowed_text(), "value": value},
        )


def product_vat_rate(product) -> Decimal:
    """The VAT rate a product is sold at: its own rate, else its parent's, else 13% (goods).

    A stored rate outside VAT_RATES (data from before the rates were checked) is not used.
    """
    for candidate in (product, getattr(product, "parent", None) if product is not None else None):
        rate = getattr(candidate, "tax_rate", None) if candidate is not None else None
        if rate is not None and is_vat_rate(rate):
            return Decimal(rate).quantize(RATE_PLACES)
    return DEFAULT_VAT_RATE


def vat_footnote(rates: Iterable) -> str:
    """The sentence under a document listing the rates it actually uses, highest first:
    '以上价格为含税价，适用增值税税率：13%（货物）、6%（服务）。'"""
    used = sorted({Decimal(r).quantize(RATE_PLACES) for r in rates}, reverse=True)
    if not used:
        return str(_("以上价格为含税价。"))
    return str(_("以上价格为含税价，适用增值税税率：%(rates)s。")) % {
        "rates": "、".join(vat_rate_label(r) for r in used)
    }
