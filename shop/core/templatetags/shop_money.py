"""``{{ amount|rmb }}`` → ¥1,034,000.00: every money figure the mall shows, on pages and in
e-mails, with thousands separators and two decimals (— when there is no amount)."""

from decimal import Decimal, InvalidOperation

from django import template

from shop.core.money import rmb as format_rmb

register = template.Library()


@register.filter
def rmb(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        return format_rmb(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
