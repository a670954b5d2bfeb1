"""``{% supplier_rating partner_id %}``: a vendor's rating averages with their count and a link
to its public page (sourcing pages, order pages)."""

from django import template

from shop.credit import selectors

register = template.Library()


@register.inclusion_tag("credit/_rating_badge.html")
def supplier_rating(partner_id):
    summary = selectors.rating_summary(partner_id=partner_id) if partner_id else selectors.EMPTY
    return {"partner_id": partner_id, "summary": summary}
