"""A buying unit's direct order (直购) as a subject of the unit's internal approval (审批).

A basket checkout whose amount (tax included) reaches one of the unit's approval rules places
the order in 待审批 and submits it (``services.order_direct_finalise``). The buyers app then asks
this module what is being approved and tells it the outcome:

- ``snapshot``: the order's lines, supplier(s) and total, while the order still waits (待审批);
- ``on_approved``: 待审批 → 待付款 (guarded and audited by ``services.order_status_move``); from
  then on the vendor sees the order and the unit's 财务 can pay it;
- ``on_ended`` (rejected, withdrawn): the order is cancelled (已取消) and its due stages too;
  what it held of the budget is released."""

from decimal import Decimal

from django.urls import reverse
from oscar.core.loading import get_model

from shop.core.money import q2

from . import selectors

Order = get_model("order", "Order")

KIND = "order"


def order_title(order) -> str:
    lines = list(order.lines.order_by("pk").values_list("title", flat=True)[:2])
    if not lines:
        return f"直购订单 {order.number}"
    more = order.lines.count() - 1
    return f"直购：{lines[0]}" + (f" 等 {more + 1} 项" if more > 0 else "")


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}"


def order_snapshot(order) -> dict:
    """What the approvers approve (the format of ``shop.buyers.services.approvals``)."""
    lines = list(order.lines.select_related("product").order_by("pk"))
    suppliers = sorted({line.partner_name for line in lines if line.partner_name})
    origin = getattr(order, "origin", None)
    return {
        "kind": KIND,
        "number": order.number,
        "title": order_title(order),
        "supplier": "、".join(suppliers),
        "lines": [
            {
                "title": line.title,
                "quantity": line.quantity,
                "unit": (getattr(line.product, "unit", "") if line.product_id else "") or "",
                "unit_price": str(q2(line.unit_price_incl_tax)),
                "tax_rate": _percent(selectors.line_tax_rate(line)),
                "amount": str(q2(line.line_price_incl_tax)),
            }
            for line in lines
        ],
        "total": str(q2(order.total_incl_tax)),
        "revision": 0,
        "budget_line": origin.budget_line_id if origin is not None else None,
        "note": "",
    }


def snapshot(subject_id: int) -> dict | None:
    order = Order.objects.select_related("origin").filter(pk=subject_id).first()
    if order is None or order.status != selectors.ORDER_AWAITING_APPROVAL:
        return None
    return order_snapshot(order)


def on_approved(approval, actor) -> None:
    from .models import Settlement
    from .services import initial_order_status, order_status_move

    order = Order.objects.select_related("origin").get(pk=approval.subject_id)
    settlement = selectors.order_settlement(order)
    to = initial_order_status(settlement=settlement)
    note = (
        f"本单位审批通过（审批单 {approval.number}），供应商履约交付，验收合格后付款"
        if settlement == Settlement.AFTER_ACCEPTANCE
        else f"本单位审批通过（审批单 {approval.number}），可以付款"
    )
    order_status_move(order=order, to=to, actor=actor, note=note, kind="order_approved")


def on_ended(approval, actor, reason: str) -> None:
    from .services import order_cancel_unapproved

    order = Order.objects.filter(pk=approval.subject_id).first()
    if order is not None:
        order_cancel_unapproved(order=order, actor=actor, reason=reason)


def path(approval) -> str:
    return reverse("payments:order-detail", kwargs={"number": approval.subject_number})


def register() -> None:
    from shop.buyers.services import ApprovalSubject, register_subject

    register_subject(
        ApprovalSubject(kind=KIND, snapshot=snapshot, on_approved=on_approved, on_ended=on_ended, path=path)
    )
