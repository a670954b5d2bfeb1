"""``{{ amount|rmb }}`` → ¥1,034,000.00: every money figure the mall shows, on pages and in
e-mails, with thousands separators and two decimals (— when there is no amount)."""

from decimal import Decimal, InvalidOperation

from django import template

from shop.core.money import q2

register = template.Library()


@register.filter
def rmb(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        return f"¥{q2(Decimal(str(value))):,}"
    except (InvalidOperation, ValueError):
        return str(value)
