"""Approval rules and the unit's internal approval (审批) of documents before they go out.

A document whose amount (tax included) reaches a rule of the unit — a direct order, a quote or
OEM acceptance, (later) a sourcing award — waits in 待审批: the app that owns it calls
``approval_submit`` instead of going on, with a **snapshot** of what is to be approved (lines,
prices, quantities, supplier, total). 审批人 decide step by step (``approval_decide``); nobody
approves their own submission, and one person approves at most one step of a round. The last
approval runs the owning app's ``on_approved`` callback in the same transaction (the order is
placed, the quote accepted); a rejection runs ``on_ended`` and releases the budget.

Approval is of the snapshot: when the owning app sees its document change (a vendor revises its
offer) it calls ``approval_restart``; and every decision re-reads the document, so a change the
app did not report is caught too. Either way the earlier decisions are superseded and the
approval starts again at step one with the new snapshot.

Each state change writes one ``UnitEvent`` (with ``approval``) in the same transaction.

The snapshot every subject returns (the approval page shows it as it is)::

    {"kind": "quote", "number": "XJ…", "title": "…", "supplier": "供应商名称",
     "lines": [{"title": "…", "quantity": 2, "unit": "台", "unit_price": "1234.00",
                "tax_rate": "13", "amount": "2468.00"}],
     "total": "2468.00", "revision": 3, "budget_line": 12 | null, "note": "…"}

Money as strings with two decimals; ``revision`` is whatever version number the subject has
(a quote's or OEM offer's revision; 0 for orders)."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shop.core.exceptions import Conflict, IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.money import rmb
from shop.core.workdays import after_workdays

from .. import notify
from ..access import member_can, membership, refusal
from ..models import (
    APPROVAL_MOVES,
    MAX_APPROVAL_STEPS,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    BudgetCommitment,
    BuyingUnit,
    Decision,
    OrgType,
    UnitEvent,
    UnitRole,
)
from .budgets import budget_amount, budget_commit, budget_release

__all__ = [
    "ApprovalSubject",
    "register_subject",
    "snapshot_hash",
    "approval_rule_create",
    "approval_rule_update",
    "approval_rules_default",
    "approval_rule_for",
    "approval_submit",
    "approval_decide",
    "DecideResult",
    "approval_withdraw",
    "approval_cancel",
    "approval_restart",
    "approval_pending_for",
    "approvals_remind",
    "REMIND_AFTER_WORKDAYS",
    "GOVERNMENT_TYPES",
    "DEFAULT_GOVERNMENT_THRESHOLD",
]

REMIND_AFTER_WORKDAYS = 2
# units that buy under 政府采购 rules: 党政机关 and 事业单位
GOVERNMENT_TYPES = (OrgType.PARTY_GOV, OrgType.INSTITUTION)
DEFAULT_GOVERNMENT_THRESHOLD = Decimal("50000.00")

MSG_OWN = "不能审批自己提交的事项。"
MSG_TWICE = "您已审批过本事项的前一级，下一级需由其他审批人审批。"
MSG_NO_COMMENT = "驳回时请填写审批意见。"


# --- the documents that can wait for approval -----------------------------------------------------


@dataclass(frozen=True)
class ApprovalSubject:
    """How the buyers app talks to the app owning a kind of document.

    - ``snapshot(subject_id)``: what would be approved now (a JSON-able dict), or None when the
      document can no longer be approved (gone, expired, cancelled);
    - ``on_approved(approval, actor)``: the document goes out (in the approval's transaction;
      a ``DomainError`` here undoes the approval and is shown to the approver);
    - ``on_ended(approval, actor, reason)``: rejected or withdrawn: the document goes back to
      where it was before it waited (or ends);
    - ``path(approval)``: the buyer's page of the document."""

    kind: str
    snapshot: Callable[[int], dict | None]
    on_approved: Callable[[ApprovalRequest, object], None]
    on_ended: Callable[[ApprovalRequest, object, str], None]
    path: Callable[[ApprovalRequest], str]


SUBJECTS: dict[str, ApprovalSubject] = {}


def register_subject(subject: ApprovalSubject) -> None:
    SUBJECTS[subject.kind] = subject


def _subject(kind: str) -> ApprovalSubject:
    try:
        return SUBJECTS[kind]
    except KeyError:  # pragma: no cover - a programming error, not user input
        raise RuntimeError(f"no approval subject registered for {kind!r}")


def snapshot_hash(snapshot: dict) -> str:
    data = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- rules ----------------------------------------------------------------------------------------


def _rule_admin(unit: BuyingUnit, actor):
    member = membership(actor, fresh=True)
    if member is None or member.unit_id != unit.pk:
        raise NotFound("采购单位不存在。")
    if not member_can(member, "rules.manage"):
        raise PermissionDenied(refusal("rules.manage"))
    return member


def _clean_steps(steps) -> int:
    try:
        steps = int(steps)
    except (TypeError, ValueError):
        raise Invalid("审批级数应为整数。", fields={"steps": "审批级数应为整数。"})
    if not 1 <= steps <= MAX_APPROVAL_STEPS:
        msg = f"审批级数应在 1–{MAX_APPROVAL_STEPS} 之间。"
        raise Invalid(msg, fields={"steps": msg})
    return steps


def _rule_event(rule: ApprovalRule, *, kind: str, actor, note: str) -> None:
    UnitEvent.objects.create(
        unit_id=rule.unit_id, kind=kind, actor=actor if getattr(actor, "pk", None) else None, note=note
    )


def _rule_text(rule: ApprovalRule) -> str:
    where = f"（{rule.category.name}）" if rule.category_id else ""
    return f"{rmb(rule.min_amount)} 起{where}：{rule.steps} 级审批"


def approval_rule_create(*, unit: BuyingUnit, actor, min_amount, steps, category=None) -> ApprovalRule:
    amount = budget_amount(min_amount, label="起审金额", allow_zero=True)
    steps = _clean_steps(steps)
    with transaction.atomic():
        locked = BuyingUnit.objects.select_for_update().get(pk=unit.pk)
        _rule_admin(locked, actor)
        if ApprovalRule.objects.filter(
            unit=locked, min_amount=amount, category=category, is_active=True
        ).exists():
            raise Conflict("已有相同起审金额和品目的审批规则，请修改那条规则。")
        rule = ApprovalRule.objects.create(unit=locked, min_amount=amount, steps=steps, category=category)
        _rule_event(rule, kind="rule_created", actor=actor, note=_rule_text(rule))
    return rule


def approval_rule_update(
    *, rule: ApprovalRule, actor, min_amount, steps, is_active: bool, category=None
) -> ApprovalRule:
    """Rules apply to documents submitted from now on; waiting approvals keep their steps."""
    amount = budget_amount(min_amount, label="起审金额", allow_zero=True)
    steps = _clean_steps(steps)
    with transaction.atomic():
        locked = ApprovalRule.objects.select_for_update().filter(pk=rule.pk).first()
        if locked is None:
            raise NotFound("审批规则不存在。")
        _rule_admin(locked.unit, actor)
        before = _rule_text(locked) + ("" if locked.is_active else "（停用）")
        locked.min_amount, locked.steps, locked.is_active, locked.category = (
            amount,
            steps,
            bool(is_active),
            category,
        )
        locked.save(update_fields=["min_amount", "steps", "is_active", "category"])
        after = _rule_text(locked) + ("" if locked.is_active else "（停用）")
        if before != after:
            _rule_event(locked, kind="rule_changed", actor=actor, note=f"{before} → {after}")
    return locked


def approval_rules_default(*, unit: BuyingUnit) -> list[ApprovalRule]:
    """A new unit's defaults: one approval from ¥50,000 for government units, none for companies."""
    if unit.org_type not in GOVERNMENT_TYPES:
        return []
    rule = ApprovalRule.objects.create(unit=unit, min_amount=DEFAULT_GOVERNMENT_THRESHOLD, steps=1)
    _rule_event(rule, kind="rule_created", actor=None, note=f"{_rule_text(rule)}（政府采购单位默认规则）")
    return [rule]


def _category_and_ancestors(category_ids) -> set[int]:
    from oscar.core.loading import get_model

    Category = get_model("catalogue", "Category")
    ids: set[int] = set()
    for category in Category.objects.filter(pk__in=list(category_ids or ())):
        ids.update(c.pk for c in category.get_ancestors_and_self())
    return ids


def approval_rule_for(*, unit_id: int | None, amount: Decimal, category_ids=()) -> ApprovalRule | None:
    """The rule that applies to a document of ``amount`` in these categories: among active rules
    with ``min_amount <= amount`` (for all categories, or for one of the document's categories or
    their parents), the one with most steps (then the higher threshold). None: no approval."""
    if unit_id is None:
        return None
    rules = list(ApprovalRule.objects.filter(unit_id=unit_id, is_active=True, min_amount__lte=amount))
    if not rules:
        return None
    cats = _category_and_ancestors(category_ids) if any(r.category_id for r in rules) else set()
    applying = [r for r in rules if r.category_id is None or r.category_id in cats]
    if not applying:
        return None
    return max(applying, key=lambda r: (r.steps, r.min_amount, -r.pk))


# --- submission and decisions ---------------------------------------------------------------------


def _event(
    approval: ApprovalRequest, *, kind: str, actor=None, from_status="", to_status="", note=""
) -> UnitEvent:
    return UnitEvent.objects.create(
        unit_id=approval.unit_id,
        approval=approval,
        budget_line_id=approval.budget_line_id,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:1000],
    )


def _approval_path(approval: ApprovalRequest) -> str:
    return reverse("buyers:approval", kwargs={"number": approval.number})


def _tell_approvers(approval: ApprovalRequest, *, why: str) -> int:
    already = set(approval.decisions.filter(superseded=False).values_list("approver_id", flat=True)) | {
        approval.submitted_by_id
    }
    users = notify.members_with_role(
        unit_id=approval.unit_id, role=UnitRole.APPROVER, exclude_user_ids=already
    )
    return notify.tell(
        users=users,
        subject=f"待审批：{approval.title}（{rmb(approval.amount)}）",
        body=f"{why}审批单 {approval.number}，第 {approval.current_step}/{approval.steps_required} 级。",
        path=_approval_path(approval),
        key=f"buyers:approval:{approval.pk}:r{approval.restarts}:s{approval.current_step}",
    )


def _tell_submitter(approval: ApprovalRequest, *, subject: str, body: str, key: str) -> None:
    notify.tell(
        users=[approval.submitted_by],
        subject=subject,
        body=body,
        path=_approval_path(approval),
        key=f"buyers:approval:{approval.pk}:{key}",
    )


def approval_pending_for(*, kind: str, subject_id: int) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(
        kind=kind, subject_id=subject_id, status=ApprovalStatus.PENDING
    ).first()


def approval_submit(
    *,
    unit_id: int,
    actor,
    kind: str,
    subject_id: int,
    subject_number: str,
    title: str,
    amount: Decimal,
    snapshot: dict,
    rule: ApprovalRule,
    budget_line=None,
    order=None,
) -> ApprovalRequest:
    """Put a document in 待审批 (call inside the owning app's transaction, after it has decided
    that ``rule`` applies). Commits the budget line's share; tells the 审批人."""
    member = membership(actor, fresh=True)
    if member is None or member.unit_id != unit_id:
        raise PermissionDenied("只有本单位成员可以提交审批。")
    if not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    with transaction.atomic():
        BuyingUnit.objects.select_for_update().get(pk=unit_id)
        if approval_pending_for(kind=kind, subject_id=subject_id):
            raise Conflict("该事项已在审批中。")
        approval = ApprovalRequest.objects.create(
            unit_id=unit_id,
            number=next_document_number("SP"),
            kind=kind,
            subject_id=subject_id,
            subject_number=subject_number,
            title=title[:200],
            amount=amount,
            snapshot=snapshot,
            snapshot_hash=snapshot_hash(snapshot),
            budget_line=budget_line,
            rule=rule,
            submitted_by=actor,
            steps_required=rule.steps,
        )
        if budget_line is not None:
            budget_commit(
                line=budget_line,
                amount=amount,
                kind=kind,
                number=subject_number,
                title=title,
                actor=actor,
                order=order,
                approval=approval,
            )
        _event(
            approval,
            kind="approval_submitted",
            actor=actor,
            to_status=ApprovalStatus.PENDING,
            note=f"{approval.number} {title} {rmb(amount)}，需 {rule.steps} 级审批",
        )
        _tell_approvers(approval, why="")
    return approval


@dataclass(frozen=True)
class DecideResult:
    approval: ApprovalRequest
    outcome: str  # "step" | "approved" | "rejected" | "restarted" | "cancelled"

    @property
    def message(self) -> str:
        a = self.approval
        return {
            "step": f"已同意第 {a.steps_done} 级审批，等待第 {a.current_step} 级审批。",
            "approved": "审批通过，事项已办结。",
            "rejected": "已驳回，已通知提交人。",
            "restarted": "审批内容已发生变化（报价、价格或数量已更新），审批已重新开始，请查看最新内容后再审批。",
            "cancelled": "该事项已失效（已撤销、过期或不再可办），审批已终止。",
        }[self.outcome]


def _lock(approval: ApprovalRequest) -> ApprovalRequest:
    locked = ApprovalRequest.objects.select_for_update().filter(pk=approval.pk).first()
    if locked is None:
        raise NotFound("审批单不存在。")
    return locked


def _move(approval: ApprovalRequest, to: str, *, kind: str, actor, note: str) -> ApprovalRequest:
    if to not in APPROVAL_MOVES.get(approval.status, set()):
        labels = dict(ApprovalStatus.choices)
        raise IllegalTransition(f"审批单当前状态为“{labels[approval.status]}”，不能再办理。")
    before = approval.status
    approval.status = to
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decided_at", "updated_at"])
    _event(approval, kind=kind, actor=actor, from_status=before, to_status=to, note=note)
    return approval


def _release(approval: ApprovalRequest, *, actor, note: str) -> None:
    for commitment in BudgetCommitment.objects.filter(approval=approval, committed__gt=0):
        budget_release(commitment=commitment, actor=actor, note=note)


def _restart(approval: ApprovalRequest, *, snapshot: dict, actor, reason: str) -> ApprovalRequest:
    """Supersede the decisions, take the new snapshot, back to step one (still 待审批). A new
    amount re-commits the budget (refused if the line cannot carry it: then the approval ends)."""
    approval.decisions.filter(superseded=False).update(superseded=True)
    new_amount = Decimal(str(snapshot.get("total", approval.amount)))
    approval.snapshot, approval.snapshot_hash = snapshot, snapshot_hash(snapshot)
    approval.steps_done, approval.step_started_at = 0, timezone.now()
    approval.restarts += 1
    old_amount = approval.amount
    approval.amount = new_amount
    approval.save(
        update_fields=[
            "snapshot",
            "snapshot_hash",
            "steps_done",
            "step_started_at",
            "restarts",
            "amount",
            "updated_at",
        ]
    )
    _event(
        approval,
        kind="approval_restarted",
        actor=actor,
        from_status=ApprovalStatus.PENDING,
        to_status=ApprovalStatus.PENDING,
        note=f"{reason}（{rmb(old_amount)} → {rmb(new_amount)}）" if new_amount != old_amount else reason,
    )
    if approval.budget_line_id and new_amount != old_amount:
        previous = BudgetCommitment.objects.filter(approval=approval).select_related("order").first()
        _release(approval, actor=actor, note="审批内容变化，重新占用")
        budget_commit(
            line=approval.budget_line,
            amount=new_amount,
            kind=approval.kind,
            number=approval.subject_number,
            title=approval.title,
            actor=actor,
            approval=approval,
            order=previous.order if previous else None,
        )
    _tell_approvers(approval, why=f"内容已变化（{reason}），需重新审批。")
    _tell_submitter(
        approval,
        subject=f"审批已重新开始：{approval.title}",
        body=f"{reason}，审批单 {approval.number} 已回到第 1 级审批。",
        key=f"restart{approval.restarts}",
    )
    return approval


def _cancel(approval: ApprovalRequest, *, actor, reason: str) -> ApprovalRequest:
    approval = _move(approval, ApprovalStatus.CANCELLED, kind="approval_cancelled", actor=actor, note=reason)
    _release(approval, actor=actor, note=reason)
    _tell_submitter(
        approval,
        subject=f"审批已终止：{approval.title}",
        body=f"{reason}。审批单 {approval.number}。",
        key="cancelled",
    )
    return approval


def approval_decide(
    *, approval: ApprovalRequest, actor, decision: str, comment: str = "", seen_hash: str | None = None
) -> DecideResult:
    """An 审批人 approves or rejects the current step. Returns what happened; a change of the
    document since submission restarts the approval instead of deciding (``restarted``)."""
    comment = (comment or "").strip()[:2000]
    if decision not in Decision.values:
        raise Invalid("请选择同意或驳回。", fields={"decision": "请选择同意或驳回。"})
    if decision == Decision.REJECT and not comment:
        raise Invalid(MSG_NO_COMMENT, fields={"comment": MSG_NO_COMMENT})
    with transaction.atomic():
        locked = _lock(approval)
        member = membership(actor, fresh=True)
        if member is None or member.unit_id != locked.unit_id:
            raise NotFound("审批单不存在。")
        if not member_can(member, "approvals.decide"):
            raise PermissionDenied(refusal("approvals.decide"))
        if locked.submitted_by_id == actor.pk:
            raise PermissionDenied(MSG_OWN)
        if locked.status != ApprovalStatus.PENDING:
            raise IllegalTransition(f"审批单当前状态为“{locked.get_status_display()}”，不能再审批。")
        if locked.decisions.filter(superseded=False, approver_id=actor.pk).exists():
            raise Conflict(MSG_TWICE)
        if seen_hash is not None and seen_hash != locked.snapshot_hash:
            raise Conflict("审批内容已更新，请刷新页面查看最新内容后再审批。")
        subject = _subject(locked.kind)
        current = subject.snapshot(locked.subject_id)
        if current is None:
            why = "事项已失效，不能再审批"
            ended = _cancel(locked, actor=actor, reason=why)
            subject.on_ended(ended, actor, why)  # the document leaves 待审批 too
            return DecideResult(ended, "cancelled")
        if snapshot_hash(current) != locked.snapshot_hash:
            try:
                with transaction.atomic():
                    restarted = _restart(locked, snapshot=current, actor=actor, reason="审批内容已变化")
                return DecideResult(restarted, "restarted")
            except Conflict as exc:
                # the budget line cannot carry the new amount: the approval ends (its budget
                # released) and the document goes back, instead of refusing every decision
                locked.refresh_from_db()
                why = f"审批内容已变化；{exc.message}"
                ended = _cancel(locked, actor=actor, reason=why)
                subject.on_ended(ended, actor, why)
                return DecideResult(ended, "cancelled")
        ApprovalDecision.objects.create(
            approval=locked,
            step=locked.current_step,
            approver=actor,
            decision=decision,
            comment=comment,
            snapshot_hash=locked.snapshot_hash,
        )
        if decision == Decision.REJECT:
            locked = _move(
                locked,
                ApprovalStatus.REJECTED,
                kind="approval_rejected",
                actor=actor,
                note=f"第 {locked.current_step} 级驳回：{comment}",
            )
            _release(locked, actor=actor, note="审批驳回")
            subject.on_ended(locked, actor, f"审批驳回：{comment}")
            _tell_submitter(
                locked,
                subject=f"审批被驳回：{locked.title}",
                body=f"审批单 {locked.number} 被驳回。审批意见：{comment}",
                key="rejected",
            )
            return DecideResult(locked, "rejected")
        locked.steps_done += 1
        if locked.steps_done < locked.steps_required:
            locked.step_started_at = timezone.now()
            locked.save(update_fields=["steps_done", "step_started_at", "updated_at"])
            _event(
                locked,
                kind="approval_step_approved",
                actor=actor,
                from_status=ApprovalStatus.PENDING,
                to_status=ApprovalStatus.PENDING,
                note=f"第 {locked.steps_done}/{locked.steps_required} 级同意"
                + (f"：{comment}" if comment else ""),
            )
            _tell_approvers(locked, why=f"第 {locked.steps_done} 级已同意，")
            return DecideResult(locked, "step")
        locked.save(update_fields=["steps_done", "updated_at"])
        locked = _move(
            locked,
            ApprovalStatus.APPROVED,
            kind="approval_approved",
            actor=actor,
            note=f"第 {locked.steps_done}/{locked.steps_required} 级同意"
            + (f"：{comment}" if comment else ""),
        )
        subject.on_approved(locked, actor)
        _tell_submitter(
            locked,
            subject=f"审批通过：{locked.title}",
            body=f"审批单 {locked.number} 已通过全部 {locked.steps_required} 级审批。",
            key="approved",
        )
        return DecideResult(locked, "approved")


def approval_withdraw(*, approval: ApprovalRequest, actor, reason: str = "") -> ApprovalRequest:
    """The submitter (or a 管理员) takes a waiting document back."""
    with transaction.atomic():
        locked = _lock(approval)
        member = membership(actor, fresh=True)
        if member is None or member.unit_id != locked.unit_id:
            raise NotFound("审批单不存在。")
        if locked.submitted_by_id != actor.pk and not member_can(member, "members.manage"):
            raise PermissionDenied("只有提交人或本单位管理员可以撤回审批。")
        reason = (reason or "").strip()[:500] or "提交人撤回"
        locked = _move(locked, ApprovalStatus.WITHDRAWN, kind="approval_withdrawn", actor=actor, note=reason)
        _release(locked, actor=actor, note="撤回审批")
        _subject(locked.kind).on_ended(locked, actor, f"撤回审批：{reason}")
    return locked


def approval_cancel(*, kind: str, subject_id: int, actor=None, reason: str) -> ApprovalRequest | None:
    """The owning app ended the document itself (cancelled, expired): the waiting approval ends
    and its budget is released. Nothing waiting: nothing to do."""
    with transaction.atomic():
        pending = approval_pending_for(kind=kind, subject_id=subject_id)
        if pending is None:
            return None
        return _cancel(_lock(pending), actor=actor, reason=reason)


def approval_restart(*, kind: str, subject_id: int, actor=None, reason: str) -> ApprovalRequest | None:
    """The owning app changed a waiting document (new offer revision, price or quantity): the
    approval starts again with the document's current snapshot (or ends, if it can no longer be
    approved)."""
    with transaction.atomic():
        pending = approval_pending_for(kind=kind, subject_id=subject_id)
        if pending is None:
            return None
        locked = _lock(pending)
        subject = _subject(kind)
        current = subject.snapshot(subject_id)
        if current is None:
            ended = _cancel(locked, actor=actor, reason=reason)
            subject.on_ended(ended, actor, reason)  # the document leaves 待审批 too
            return ended
        if snapshot_hash(current) == locked.snapshot_hash:
            return locked
        try:
            with transaction.atomic():
                return _restart(locked, snapshot=current, actor=actor, reason=reason)
        except Conflict as exc:  # the budget line cannot carry the new amount
            locked.refresh_from_db()
            why = f"{reason}；{exc.message}"
            ended = _cancel(locked, actor=actor, reason=why)
            subject.on_ended(ended, actor, why)
            return ended


# --- reminders (Celery beat) ----------------------------------------------------------------------


def approvals_remind(*, now: datetime | None = None) -> list[str]:
    """Remind the 审批人 of each step left waiting two working days (Chinese holidays and 调休
    counted), and tell the submitter; once per step and round. Returns the approval numbers."""
    now = now or timezone.now()
    reminded = []
    for approval in ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING).order_by("pk"):
        if approval.reminded_step >= approval.current_step + approval.restarts * MAX_APPROVAL_STEPS:
            continue
        if after_workdays(approval.step_started_at, REMIND_AFTER_WORKDAYS) > now:
            continue
        with transaction.atomic():
            locked = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
            marker = locked.current_step + locked.restarts * MAX_APPROVAL_STEPS
            if locked.status != ApprovalStatus.PENDING or locked.reminded_step >= marker:
                continue
            if after_workdays(locked.step_started_at, REMIND_AFTER_WORKDAYS) > now:
                continue
            locked.reminded_step = marker
            locked.save(update_fields=["reminded_step", "updated_at"])
            _event(
                locked,
                kind="approval_reminded",
                from_status=ApprovalStatus.PENDING,
                to_status=ApprovalStatus.PENDING,
                note=f"第 {locked.current_step} 级已等待 {REMIND_AFTER_WORKDAYS} 个工作日",
            )
            key = f"remind:r{locked.restarts}:s{locked.current_step}"
            already = set(locked.decisions.filter(superseded=False).values_list("approver_id", flat=True))
            notify.tell(
                users=notify.members_with_role(
                    unit_id=locked.unit_id,
                    role=UnitRole.APPROVER,
                    exclude_user_ids=already | {locked.submitted_by_id},
                ),
                subject=f"催办：{locked.title} 已等待审批 {REMIND_AFTER_WORKDAYS} 个工作日",
                body=f"审批单 {locked.number}（{rmb(locked.amount)}）第 {locked.current_step} 级仍待审批。",
                path=_approval_path(locked),
                key=f"buyers:approval:{locked.pk}:{key}",
            )
            _tell_submitter(
                locked,
                subject=f"您提交的审批已催办：{locked.title}",
                body=f"审批单 {locked.number} 第 {locked.current_step} 级已等待 {REMIND_AFTER_WORKDAYS} 个工作日，已提醒审批人。",
                key=key,
            )
        reminded.append(locked.number)
    return reminded
