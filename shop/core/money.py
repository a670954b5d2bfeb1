"""Money helpers: CNY in Decimal, tax splits and 人民币大写."""

from decimal import ROUND_HALF_UP, Decimal

# The VAT rates themselves live in shop.core.tax (the one tax-rate source); these names stay
# for older imports.
from .tax import VAT_RATE_GOODS as TAX_RATE_GOODS  # noqa: F401
from .tax import VAT_RATE_SERVICES as TAX_RATE_SERVICES  # noqa: F401

CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rmb(value) -> str:
    """¥1,034,000.00: how every money figure is shown to people (pages, messages, e-mails)."""
    return f"¥{q2(value):,}"


def split_tax_inclusive(amount_incl_tax: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(excl_tax, tax) of a tax-inclusive amount; excl + tax == incl exactly."""
    incl = q2(amount_incl_tax)
    excl = q2(incl / (Decimal(1) + Decimal(rate)))
    return excl, incl - excl


def add_tax(amount_excl_tax: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(tax, incl_tax) of a tax-exclusive amount."""
    excl = q2(amount_excl_tax)
    tax = q2(excl * Decimal(rate))
    return tax, excl + tax


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def _section_upper(n: int) -> str:
    out, zero = "", False
    for i in range(3, -1, -1):
        d = (n // 10**i) % 10
        if d == 0:
            zero = bool(out)
        else:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[d] + _UNITS[i]
    return out


def rmb_upper(amount: Decimal) -> str:
    """人民币大写, e.g. Decimal('11800.50') -> '壹万壹仟捌佰元伍角整'."""
    amount = q2(amount)
    if amount < 0:
        return "负" + rmb_upper(-amount)
    yuan = int(amount)
    cents = int((amount - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0:
        head = ""
    else:
        parts, sec, need_zero = [], 0, False
        while yuan > 0:
            n = yuan % 10000
            if n:
                s = _section_upper(n) + _SECTIONS[sec]
                if need_zero:
                    s += "零"
                parts.insert(0, s)
                need_zero = n < 1000
            else:
                need_zero = bool(parts)
            yuan //= 10000
            sec += 1
        head = "".join(parts)
        if parts and need_zero and parts[0].startswith("零"):
            head = head[1:]
        head += "元"
    if jiao == 0 and fen == 0:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif head:
        tail += "零"
    if fen:
        tail += _DIGITS[fen] + "分"
    else:
        tail += "整"
    return head + tail
