"""``{% contract_for_order order as link %}``: the order's contract and the page that shows it
to the viewer (the dashboard for the vendor's users and operators, else the buyer's page)."""

from django import template

from shop.contracts.models import Contract
from shop.core.access import is_operator, user_partner_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def contract_for_order(context, order):
    if order is None or not getattr(order, "pk", None):
        return None
    contract = Contract.objects.filter(order_id=order.pk).first()
    if contract is None:
        return None
    request = context.get("request")
    user = getattr(request, "user", None)
    dashboard = bool(user and (is_operator(user) or contract.partner_id in user_partner_ids(user)))
    in_dashboard = bool(request and request.path.startswith("/dashboard/"))
    url = "dashboard:contracts-detail" if (dashboard and in_dashboard) else "contracts:detail"
    return {"contract": contract, "url": url}
