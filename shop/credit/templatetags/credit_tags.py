"""``{% supplier_rating partner_id %}``: a vendor's rating averages with their count and a link
to its public page (sourcing pages, order pages)."""

from django import template

from shop.credit import selectors

register = template.Library()


@register.inclusion_tag("credit/_rating_badge.html")
def supplier_rating(partner_id):
    summary = selectors.rating_summary(partner_id=partner_id) if partner_id else selectors.EMPTY
    return {"partner_id": partner_id, "summary": summary}


@register.simple_tag(takes_context=True)
def order_rating(context, order):
    """For the buyer's order page: None before 履约验收; else the order's suppliers with their
    rating (None while unrated) and whether the viewer may rate."""
    from shop.buyers.access import scope

    if order is None or not selectors.order_is_accepted(order):
        return None
    user = context.get("user") or getattr(context.get("request"), "user", None)
    unit_id = getattr(getattr(order, "origin", None), "unit_id", None)
    may_rate = bool(user) and scope(user, "ratings.give").owns(unit_id=unit_id, user_id=order.user_id)
    given = selectors.ratings_of_order(order)
    rows = [(p, given.get(p.pk)) for p in selectors.order_partners(order)]
    return {"rows": rows, "may_rate": may_rate, "pending": any(r is None for _p, r in rows)}
