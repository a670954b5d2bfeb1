"""Reads of the buyers app: a user's unit membership and what a unit's pages show."""

from decimal import ROUND_HALF_UP

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .access import member_can
from .models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    BudgetCommitment,
    BudgetLine,
    DocumentKind,
    UnitEvent,
    UnitInvitation,
    UnitMember,
)


def membership_for_user(*, user) -> UnitMember | None:
    """The user's active membership (with its unit), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return UnitMember.objects.select_related("unit").filter(user_id=user.pk, is_active=True).first()


def unit_members(*, unit) -> list[UnitMember]:
    return list(UnitMember.objects.filter(unit=unit).select_related("user").order_by("-is_active", "pk"))


def unit_member(*, unit, member_id) -> UnitMember | None:
    """A member of ``unit`` by id (None for another unit's member: no existence leak)."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    return UnitMember.objects.select_related("user").filter(unit=unit, pk=member_id).first()


def unit_pending_invitations(*, unit) -> list[UnitInvitation]:
    return list(
        UnitInvitation.objects.filter(unit=unit, accepted_at=None, expires_at__gt=timezone.now()).order_by(
            "-created_at", "-pk"
        )
    )


def unit_active_member_count(*, unit) -> int:
    return UnitMember.objects.filter(unit=unit, is_active=True).count()


def unit_recent_events(*, unit, limit: int = 10) -> list[UnitEvent]:
    return list(
        UnitEvent.objects.filter(unit=unit).select_related("actor").order_by("-created_at", "-pk")[:limit]
    )


# --- budgets, approval rules, approvals -----------------------------------------------------------

BUDGET_BAR_MAX = 100


def unit_budget_lines(*, unit, year: int | None = None) -> list[BudgetLine]:
    """The unit's budget lines (newest year first), with their category; one query."""
    qs = BudgetLine.objects.filter(unit=unit).select_related("category").order_by("-year", "pk")
    if year is not None:
        qs = qs.filter(year=year)
    return list(qs)


def budget_use_percent(line: BudgetLine) -> int:
    """How much of a line is committed or spent, in whole percent (0–100), for the bar of use."""
    if not line.amount:
        return 0
    used = (line.committed + line.spent) * 100 / line.amount
    return max(0, min(BUDGET_BAR_MAX, int(used.to_integral_value(rounding=ROUND_HALF_UP))))


def unit_budget_line(*, unit, pk) -> BudgetLine | None:
    """One line of ``unit`` (None for another unit's line: no existence leak)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return BudgetLine.objects.select_related("category").filter(unit=unit, pk=pk).first()


def budget_line_commitments(*, line) -> list[BudgetCommitment]:
    """The documents behind a line's figures, newest first (one query)."""
    return list(
        BudgetCommitment.objects.filter(line=line)
        .select_related("approval", "created_by")
        .order_by("-created_at", "-pk")
    )


def unit_commitments(*, unit) -> list[BudgetCommitment]:
    """Every document behind every line of the unit (for the export), by line then date."""
    return list(
        BudgetCommitment.objects.filter(line__unit=unit)
        .select_related("line")
        .order_by("-line__year", "line_id", "created_at", "pk")
    )


def budget_line_events(*, line, limit: int = 50) -> list[UnitEvent]:
    return list(
        UnitEvent.objects.filter(budget_line=line)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )


def document_path(*, kind: str, number: str, member) -> str:
    """The buyer's page of a document behind a budget figure, when the member may open it."""
    if not number:
        return ""
    if kind == DocumentKind.ORDER:
        action, name = "orders.view", "payments:order-detail"
    elif kind == DocumentKind.QUOTE:
        action, name = "purchases.view", "quotes:detail"
    elif kind == DocumentKind.OEM:
        action, name = "purchases.view", "oem:detail"
    elif kind == DocumentKind.SOURCING:
        action, name = "purchases.view", "sourcing:detail"
    else:
        return ""
    if not member_can(member, action):
        return ""
    try:
        return reverse(name, kwargs={"number": number})
    except NoReverseMatch:
        return ""


def unit_rules(*, unit) -> list[ApprovalRule]:
    return list(
        ApprovalRule.objects.filter(unit=unit)
        .select_related("category")
        .order_by("-is_active", "min_amount", "pk")
    )


def unit_rule(*, unit, pk) -> ApprovalRule | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return ApprovalRule.objects.select_related("category").filter(unit=unit, pk=pk).first()


def _decided_by(user_id) -> Exists:
    return Exists(
        ApprovalDecision.objects.filter(approval=OuterRef("pk"), superseded=False, approver_id=user_id)
    )


def approvals_to_decide(*, member) -> QuerySet:
    """Approvals of the member's unit waiting at a step this member may decide now: an 审批人,
    not the submitter, who has not decided a step of this round yet."""
    if not member_can(member, "approvals.decide"):
        return ApprovalRequest.objects.none()
    return (
        ApprovalRequest.objects.filter(unit_id=member.unit_id, status=ApprovalStatus.PENDING)
        .exclude(submitted_by_id=member.user_id)
        .exclude(_decided_by(member.user_id))
    )


APPROVAL_TABS = (("mine", "待我审批"), ("submitted", "我提交的"), ("all", "全部"))


def unit_approvals(*, member, tab: str, limit: int = 200) -> list[ApprovalRequest]:
    """The approvals list of one tab: 待我审批 (mine), 我提交的 (submitted) or 全部 (all)."""
    if tab == "mine":
        qs = approvals_to_decide(member=member)
    elif tab == "submitted":
        qs = ApprovalRequest.objects.filter(unit_id=member.unit_id, submitted_by_id=member.user_id)
    else:
        qs = ApprovalRequest.objects.filter(unit_id=member.unit_id)
    return list(qs.select_related("submitted_by", "budget_line").order_by("-created_at", "-pk")[:limit])


def unit_approval(*, unit, number: str) -> ApprovalRequest | None:
    """One approval of ``unit`` by its number (None for another unit's: no existence leak)."""
    return (
        ApprovalRequest.objects.select_related("submitted_by", "budget_line", "rule")
        .filter(unit=unit, number=str(number)[:20])
        .first()
    )


def approval_decisions(*, approval) -> list[ApprovalDecision]:
    return list(approval.decisions.select_related("approver").order_by("created_at", "pk"))


def approval_events(*, approval) -> list[UnitEvent]:
    return list(
        UnitEvent.objects.filter(approval=approval).select_related("actor").order_by("created_at", "pk")
    )


def may_decide_now(*, member, approval, decisions) -> bool:
    """Whether this member may decide the current step (``decisions``: the approval's, read)."""
    return bool(
        approval.is_pending
        and member_can(member, "approvals.decide")
        and approval.submitted_by_id != member.user_id
        and not any(d.approver_id == member.user_id and not d.superseded for d in decisions)
    )


def may_withdraw(*, member, approval) -> bool:
    return bool(
        approval.is_pending
        and (approval.submitted_by_id == member.user_id or member_can(member, "members.manage"))
    )


# --- what waits for a member on the 单位工作台 -----------------------------------------------------


def unit_orders_to_pay(*, unit, limit: int = 20) -> list:
    """The unit's orders with money to pay now (待付款 / 部分付款), oldest first, each with
    ``due_amount`` (the payments app's reading: ``unit_orders_due``)."""
    from shop.payments.selectors import unit_orders_due

    return list(unit_orders_due(unit=unit)[:limit])


def unit_quotes_to_accept(*, unit, limit: int = 20) -> list:
    """The unit's quote requests answered by vendors (已报价), waiting for the 经办人's choice."""
    from shop.quotes.models import QuoteRequest, RequestStatus

    return list(
        QuoteRequest.objects.filter(unit=unit, status=RequestStatus.QUOTED)
        .only("number", "status", "org_name", "created_at")
        .order_by("created_at", "pk")[:limit]
    )


def unit_awards_to_confirm(*, unit, limit: int = 20) -> list:
    """The unit's 网上询价 / 反向竞价 opened with a proposed winner (待确认成交)."""
    from shop.sourcing.models import ES, SourcingEvent

    return list(
        SourcingEvent.objects.filter(unit=unit, status=ES.EVALUATED)
        .only("number", "mode", "title", "award_total", "deadline")
        .order_by("deadline", "pk")[:limit]
    )


def unit_oem_to_accept(*, unit, limit: int = 20) -> list:
    """The unit's OEM orders with a vendor's offer (已报价), waiting for the 经办人."""
    from shop.oem.models import OemOrder, OemStatus

    return list(
        OemOrder.objects.filter(unit=unit, status=OemStatus.OFFERED)
        .only("number", "status", "brand_name", "quantity", "created_at")
        .order_by("created_at", "pk")[:limit]
    )
