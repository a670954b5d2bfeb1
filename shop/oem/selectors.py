"""Reads of the OEM domain. Scoping lives here: buyers see their own orders (a buying unit's
members those of the unit, by role: ``shop.buyers.access``), vendors the orders routed to their
partners, operators everything."""

from django.db.models import Q, QuerySet

from shop.buyers.access import scope
from shop.buyers.models import ApprovalRequest, ApprovalStatus, DocumentKind
from shop.core.access import is_operator, user_partner_ids

from .models import OemOrder, OemOrderEvent, OemStatus

_RELATED = ("product", "variant", "partner", "buyer", "oscar_order")


def oem_orders_for_buyer(*, user, action: str = "purchases.view") -> QuerySet[OemOrder]:
    """The orders ``user`` may read as a buyer: every order of their buying unit when their role
    allows ``action`` (none when it does not), or their own when they have no unit."""
    if not (user and user.is_authenticated):
        return OemOrder.objects.none()
    return OemOrder.objects.filter(scope(user, action).q()).select_related(*_RELATED)


def buyer_may_act(*, user, order: OemOrder) -> bool:
    """Whether the buyer's page offers ``user`` the actions on this order (accept, approve the
    sample, cancel …): its unit's 经办人, or its buyer when it has no unit. The services check
    again."""
    return scope(user, "purchases.act").owns(unit_id=order.unit_id, user_id=order.buyer_id)


def oem_order_approval(*, order: OemOrder) -> ApprovalRequest | None:
    """The unit approval the order's acceptance waits for now, or None."""
    if order.unit_id is None or order.status != OemStatus.AWAITING_APPROVAL:
        return None
    return (
        ApprovalRequest.objects.filter(
            kind=DocumentKind.OEM, subject_id=order.pk, status=ApprovalStatus.PENDING
        )
        .select_related("submitted_by")
        .first()
    )


def oem_orders_for_vendor(*, user) -> QuerySet[OemOrder]:
    """Operators: every order. Vendor users: orders routed to their own partners only."""
    if is_operator(user):
        return OemOrder.objects.select_related(*_RELATED)
    partner_ids = user_partner_ids(user)
    if not partner_ids:
        return OemOrder.objects.none()
    return OemOrder.objects.filter(partner_id__in=partner_ids).select_related(*_RELATED)


def oem_orders_visible(*, user) -> QuerySet[OemOrder]:
    """Everything ``user`` may read: own orders, its partners' orders, or all for operators."""
    if not (user and user.is_authenticated):
        return OemOrder.objects.none()
    if is_operator(user):
        return OemOrder.objects.select_related(*_RELATED)
    condition = scope(user, "purchases.view").q()
    partner_ids = user_partner_ids(user)
    if partner_ids:
        condition |= Q(partner_id__in=partner_ids)
    return OemOrder.objects.filter(condition).select_related(*_RELATED)


def user_may_act_as_vendor(*, user, order: OemOrder) -> bool:
    if is_operator(user):
        return True
    return bool(order.partner_id and order.partner_id in user_partner_ids(user))


def oem_order_timeline(*, order: OemOrder) -> QuerySet[OemOrderEvent]:
    return order.events.select_related("actor").order_by("created_at", "pk")


def oem_payment_stages(*, order: OemOrder) -> list:
    if order.oscar_order_id is None:
        return []
    return list(order.oscar_order.payment_stages.order_by("sequence"))
