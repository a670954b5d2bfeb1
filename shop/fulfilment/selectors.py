"""Reads of delivery and 履约验收: whether an order is accepted, what a vendor may deliver now
and why not, the orders each side sees, and one order's lines with their quantities.

Pages read without writing: a line nobody delivered yet has no ``LineFulfilment`` row and is
shown as an unsaved one (everything still to deliver)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids

from .models import Acceptance, AcceptanceResult, Delivery, Fulfilment, FulfilmentEvent, LineFulfilment

Order = get_model("order", "Order")
Line = get_model("order", "Line")

ORDER_AWAITING_APPROVAL = "待审批"
ORDER_CANCELLED = "已取消"
NOT_DELIVERABLE_STATUSES = (ORDER_AWAITING_APPROVAL, ORDER_CANCELLED)
SETTLEMENT_AFTER_ACCEPTANCE = "after_acceptance"


def order_accepted(order) -> bool:
    """True once every line of the order is accepted in full (履约验收完成)."""
    return Fulfilment.objects.filter(order_id=order.pk, status=Fulfilment.Status.ACCEPTED).exists()


def accepted_order_ids(order_ids) -> set[int]:
    """The ids among ``order_ids`` whose orders are accepted (one query for a list page)."""
    return set(
        Fulfilment.objects.filter(
            order_id__in=list(order_ids), status=Fulfilment.Status.ACCEPTED
        ).values_list("order_id", flat=True)
    )


def order_settlement(order) -> str:
    """``"after_acceptance"`` (验收后付款) or ``"prepay"`` (付款后发货). An order without the
    setting (placed before it existed) pays before delivery, as it always did."""
    origin = getattr(order, "origin", None) if _has_origin(order) else None
    value = getattr(origin, "settlement", None) if origin is not None else None
    return value or "prepay"


def _has_origin(order) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        order.origin  # noqa: B018 - a missing reverse one-to-one raises
    except ObjectDoesNotExist:
        return False
    return True


def order_unit_id(order) -> int | None:
    """The buying unit that owns the order (None: a buyer's own order)."""
    return order.origin.unit_id if _has_origin(order) else None


def contract_blocker(order) -> str | None:
    """Why the contract does not allow delivery yet, or None (no contract needed, or signed)."""
    try:
        from shop.contracts.selectors import contract_is_signed, order_needs_contract
    except ModuleNotFoundError:  # an installation without the contracts app: no contracts
        return None
    if not order_needs_contract(order) or contract_is_signed(order):
        return None
    return "该订单的合同尚未由双方确认签订，签订后才能交付。"


def delivery_blocker(order) -> str | None:
    """Why nothing of ``order`` may be delivered now (Chinese), or None."""
    if order.status == ORDER_AWAITING_APPROVAL:
        return "订单正在等待采购单位审批，审批通过后才能交付。"
    if order.status == ORDER_CANCELLED:
        return "订单已取消，不能交付。"
    if order_accepted(order):
        return "订单已验收完成，无需再交付。"
    from shop.outsourcing.selectors import is_engagement_order

    if is_engagement_order(order):
        return "人才外包按月验收：供应商每月在“人才外包”中提交工作量，由采购单位逐月验收。"
    blocker = contract_blocker(order)
    if blocker:
        return blocker
    if order_settlement(order) != SETTLEMENT_AFTER_ACCEPTANCE:
        # 付款后发货: every payment stage is paid first
        if order.payment_stages.filter(status="due").exists():
            return "该订单为付款后发货，采购方付清款项后才能交付。"
    return None


# --- who sees which orders ----------------------------------------------------------------------


def buyer_scope_q(user, action: str = "orders.view") -> Q:
    """Orders in the user's scope: a unit member with the role, the unit's orders; a buyer
    without a unit, their own orders that belong to no unit."""
    from shop.buyers.access import scope

    return scope(user, action).q(unit_field="origin__unit", user_field="user")


def buyer_orders(*, user) -> QuerySet:
    """The buyer side's orders that have something delivered (or are accepted), newest first."""
    delivered = LineFulfilment.objects.filter(line__order=OuterRef("pk"), delivered__gt=0)
    return (
        Order.objects.filter(buyer_scope_q(user))
        .filter(Exists(delivered))
        .select_related("fulfilment", "origin", "user")
        .order_by("-date_placed", "-pk")
    )


def buyer_order_get(*, user, number: str):
    if not getattr(user, "is_authenticated", False):
        raise Http404
    order = Order.objects.filter(buyer_scope_q(user), number=number).select_related("origin").first()
    if order is None:
        raise Http404
    return order


def vendor_orders(*, user) -> QuerySet:
    """Orders with a line of the vendor's (every order for an operator) that have gone out: not
    waiting for the unit's approval, not cancelled."""
    qs = Order.objects.exclude(status__in=NOT_DELIVERABLE_STATUSES)
    if not is_operator(user):
        own = Line.objects.filter(order=OuterRef("pk"), partner_id__in=user_partner_ids(user))
        qs = qs.filter(Exists(own))
    return qs.select_related("fulfilment", "origin", "user").order_by("-date_placed", "-pk")


def vendor_order_get(*, user, number: str):
    order = vendor_orders(user=user).filter(number=number).first()
    if order is None:
        raise Http404
    return order


def vendor_lines(*, user, order) -> QuerySet:
    """The order's lines the user may deliver: its partners' lines (an operator: all)."""
    qs = order.lines.all()
    if not is_operator(user):
        qs = qs.filter(partner_id__in=user_partner_ids(user))
    return qs.order_by("pk")


# --- one order's lines --------------------------------------------------------------------------


@dataclass
class LineView:
    line: object
    state: LineFulfilment
    deliveries: list
    acceptances: list


def line_views(*, order, lines=None) -> list[LineView]:
    """Each line (default: all of the order's) with its quantities, deliveries and acceptances."""
    lines = list(lines if lines is not None else order.lines.order_by("pk"))
    states = {s.line_id: s for s in LineFulfilment.objects.filter(line_id__in=[line.pk for line in lines])}
    deliveries: dict[int, list] = {}
    for d in (
        Delivery.objects.filter(line__line_id__in=[line.pk for line in lines])
        .select_related("created_by", "line")
        .prefetch_related("attachments")
    ):
        deliveries.setdefault(d.line.line_id, []).append(d)
    acceptances: dict[int, list] = {}
    for a in (
        Acceptance.objects.filter(line__line_id__in=[line.pk for line in lines])
        .select_related("created_by", "line")
        .prefetch_related("attachments")
    ):
        acceptances.setdefault(a.line.line_id, []).append(a)
    out = []
    for line in lines:
        state = states.get(line.pk) or LineFulfilment(
            line=line, ordered=line.quantity, partner_id=line.partner_id
        )
        out.append(LineView(line, state, deliveries.get(line.pk, []), acceptances.get(line.pk, [])))
    return out


def order_events(*, order) -> QuerySet:
    return (
        FulfilmentEvent.objects.filter(Q(fulfilment__order=order) | Q(line__fulfilment__order=order))
        .select_related("actor", "line__line")
        .order_by("created_at", "pk")
    )


def acceptance_records(*, order) -> QuerySet:
    """Every acceptance of the order (the 验收单's rows), oldest first."""
    return (
        Acceptance.objects.filter(line__fulfilment__order=order)
        .select_related("created_by", "line__line")
        .order_by("created_at", "pk")
    )


def has_acceptances(order) -> bool:
    return Acceptance.objects.filter(line__fulfilment__order=order).exists()


def awaiting_acceptance(*, user) -> QuerySet:
    """The buyer side's orders with a delivered quantity waiting for inspection."""
    from django.db.models import F

    waiting = LineFulfilment.objects.filter(
        line__order=OuterRef("pk"), delivered__gt=F("accepted") + F("rejected")
    )
    return (
        Order.objects.filter(buyer_scope_q(user))
        .filter(Exists(waiting))
        .exclude(status=ORDER_CANCELLED)
        .order_by("date_placed", "pk")
    )


def attachment_for(*, order, pk: int):
    """An attachment of one of the order's deliveries or acceptances, or None."""
    from .models import Attachment

    return (
        Attachment.objects.filter(pk=pk)
        .filter(Q(delivery__line__fulfilment__order=order) | Q(acceptance__line__fulfilment__order=order))
        .select_related("delivery__line", "acceptance__line")
        .first()
    )


__all__ = [
    "AcceptanceResult",
    "accepted_order_ids",
    "acceptance_records",
    "awaiting_acceptance",
    "buyer_order_get",
    "buyer_orders",
    "delivery_blocker",
    "line_views",
    "order_accepted",
    "order_events",
    "vendor_order_get",
    "vendor_orders",
]
