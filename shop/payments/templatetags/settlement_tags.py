"""``{% settlement_note unit partner %}``: before the buyer accepts a quote, an OEM offer or a
询价/竞价 award, how the order will be paid — before delivery or after 履约验收 — and why, in
plain Chinese (the same rule the order gets: ``selectors.settlement_for``)."""

from django import template

from shop.payments import selectors
from shop.payments.models import Settlement

register = template.Library()


@register.inclusion_tag("payments/partials/settlement_note.html")
def settlement_note(unit, partner, key=""):
    """``key`` makes the element id ``settlement-<key>`` (several notes on one page)."""
    if partner is None:
        return {"settlement": None}
    settlement, reason = selectors.settlement_for(unit=unit, partners={partner})
    return {
        "settlement": settlement,
        "label": Settlement(settlement).label,
        "reason": reason,
        "after_acceptance": settlement == Settlement.AFTER_ACCEPTANCE,
        "key": key,
    }


@register.simple_tag
def settlement_of(unit, partner) -> str:
    """``{% settlement_of unit partner as s %}``: "prepay" or "after_acceptance"."""
    return selectors.settlement_for(unit=unit, partners={partner})[0]
