"""Helpers of the outsourcing services: who acts for which side, audit events, notices."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from shop.buyers.access import member_can, membership, refusal
from shop.core.access import user_partner_ids
from shop.core.exceptions import NotFound, PermissionDenied
from shop.core.transitions import transition

from ..models import (
    MOVES,
    OutsourcingEvent,
    OutsourcingRequest,
    ReportStatus,
    Status,
)

Order = get_model("order", "Order")

MAX_MONTHS = 24
MAX_HEADCOUNT = 50
MAX_YEARS = 60
MAX_RATE = Decimal("9999999.99")
CV_KINDS = {"pdf", "docx"}
LABELS = dict(Status.choices)
REPORT_LABELS = dict(ReportStatus.choices)


def notice_days() -> int:
    return int(getattr(settings, "OUTSOURCING_NOTICE_DAYS", 30))


def _require_buyer_act(
    actor, request: OutsourcingRequest | None = None, action: str = "purchases.act"
) -> None:
    """The actor acts for the buyer: a unit member with the role (of the request's unit), or a
    buyer without a unit (their own request). Another unit's request does not exist for them."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("请先登录。"))
    member = membership(actor, fresh=True)
    if request is not None:
        if member is not None:
            if member.unit_id != request.unit_id:
                raise NotFound(_("人才外包需求不存在。"))
        elif request.unit_id is not None or request.buyer_id != actor.pk:
            raise NotFound(_("人才外包需求不存在。"))
    if member is not None and not member_can(member, action):
        raise PermissionDenied(refusal(action))


def _require_vendor(actor, request: OutsourcingRequest) -> int:
    """The accepted vendor's partner id, when the actor is one of its users."""
    proposal = request.accepted_proposal
    if proposal is None or proposal.partner_id not in user_partner_ids(actor):
        raise NotFound(_("人才外包需求不存在。"))
    return proposal.partner_id


def _buyer_users(request):
    return [request.buyer] if request.buyer.is_active else []


def _vendor_users(partner_ids):
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(partners__pk__in=list(partner_ids), is_active=True)
        .distinct()
        .order_by("pk")
    )


def _event(request, *, kind: str, actor=None, note: str = "") -> OutsourcingEvent:
    return OutsourcingEvent.objects.create(
        request=request, actor=actor if getattr(actor, "pk", None) else None, kind=kind, note=note
    )


def _move(request, to: str, *, kind: str, actor, note: str = "", extra: dict | None = None):
    return transition(
        obj=request,
        to=to,
        allowed=MOVES,
        labels=LABELS,
        event_model=OutsourcingEvent,
        event_fk="request",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
