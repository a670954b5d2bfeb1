"""Writes of ratings and credit records. Every change of a vendor's credit record writes one
``CreditEvent`` in the same transaction; a suspension that starts or is lifted refreshes the
storefront (its products leave or come back) at once, and one that starts or ends later caps
how long the storefront keeps its pages (``shop.credit.cache``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.core.exceptions import Conflict, IllegalTransition, Invalid, NotFound, PermissionDenied

from . import selectors
from .cache import suspensions_changed
from .models import (
    SCORE_LABELS,
    SCORE_MAX,
    SCORE_MIN,
    SCORES,
    CreditEntry,
    CreditEvent,
    EntryKind,
    EntryStatus,
    SupplierRating,
)

REASON_MAX = 500
COMMENT_MAX = 500
MAX_SUSPENSION_DAYS = 3 * 366  # 政府采购法第七十七条: 一至三年内禁止参加政府采购活动


def _is_operator(actor) -> bool:
    from shop.core.access import is_operator

    return is_operator(actor)


def _require_operator(actor) -> None:
    if not _is_operator(actor):
        raise PermissionDenied("只有商城运营人员可以管理供应商信用记录。")


def _log(
    *, partner_id: int, entry: CreditEntry | None, kind: str, actor, note: str, from_status="", to_status=""
):
    return CreditEvent.objects.create(
        partner_id=partner_id,
        entry=entry,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        from_status=from_status,
        to_status=to_status,
    )


def _reason(value, *, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"请填写{label}。", fields={"reason": f"请填写{label}。"})
    if len(text) > REASON_MAX:
        raise Invalid(
            f"{label}最多 {REASON_MAX} 个字。", fields={"reason": f"{label}最多 {REASON_MAX} 个字。"}
        )
    return text


def _partner(partner_id):
    from shop.credit.selectors import Partner

    try:
        return Partner.objects.get(pk=int(partner_id))
    except (Partner.DoesNotExist, TypeError, ValueError):
        raise NotFound("供应商不存在。") from None


# --- credit records --------------------------------------------------------------------------


def credit_warn(*, partner_id: int, actor, reason: str) -> CreditEntry:
    """An operator records a warning (警告) against a vendor."""
    _require_operator(actor)
    reason = _reason(reason, label="警告原因")
    partner = _partner(partner_id)
    with transaction.atomic():
        entry = CreditEntry.objects.create(
            partner=partner, kind=EntryKind.WARNING, reason=reason, created_by=actor
        )
        _log(
            partner_id=partner.pk,
            entry=entry,
            kind="warned",
            actor=actor,
            note=reason,
            to_status=entry.status,
        )
    return entry


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def suspension_period(*, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """(starts_at, ends_at) of a suspension from its first to its last day (both included, local dates)."""
    return _local_midnight(first_day), _local_midnight(last_day + timedelta(days=1))


def credit_suspend(
    *,
    partner_id: int,
    actor,
    reason: str,
    first_day: date | None,
    last_day: date | None,
    now: datetime | None = None,
) -> CreditEntry:
    """An operator suspends a vendor (暂停交易) from ``first_day`` to ``last_day`` (local dates,
    both included). The first day is today or later; the period is at most three years and may
    not overlap a suspension of the same vendor that is not lifted."""
    _require_operator(actor)
    reason = _reason(reason, label="暂停原因")
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if not isinstance(first_day, date) or not isinstance(last_day, date):
        raise Invalid("请填写暂停交易的开始和结束日期。")
    if first_day < today:
        raise Invalid("暂停开始日期不能早于今天。", fields={"first_day": "暂停开始日期不能早于今天。"})
    if last_day < first_day:
        raise Invalid("暂停结束日期不能早于开始日期。", fields={"last_day": "暂停结束日期不能早于开始日期。"})
    if (last_day - first_day).days + 1 > MAX_SUSPENSION_DAYS:
        raise Invalid("暂停交易期最长三年。", fields={"last_day": "暂停交易期最长三年。"})
    starts_at, ends_at = suspension_period(first_day=first_day, last_day=last_day)
    if first_day == today:
        starts_at = min(starts_at, now)
    partner = _partner(partner_id)
    with transaction.atomic():
        from shop.credit.selectors import Partner

        Partner.objects.select_for_update().filter(pk=partner.pk).first()  # one suspension at a time
        overlap = CreditEntry.objects.filter(
            partner=partner,
            kind=EntryKind.SUSPENSION,
            lifted_at__isnull=True,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).first()
        if overlap is not None:
            raise Conflict(f"该供应商在 {overlap.period_label} 已被暂停交易，期间不能重叠。")
        entry = CreditEntry.objects.create(
            partner=partner,
            kind=EntryKind.SUSPENSION,
            reason=reason,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor,
        )
        _log(
            partner_id=partner.pk,
            entry=entry,
            kind="suspended",
            actor=actor,
            note=f"暂停交易 {entry.period_label}：{reason}",
            to_status=entry.status,
        )
        suspensions_changed()
    return entry


def credit_lift(
    *, entry_id: int, partner_id: int, actor, reason: str, now: datetime | None = None
) -> CreditEntry:
    """An operator lifts a suspension before its period ends (guarded: a suspension that is
    lifted or over cannot be lifted again)."""
    _require_operator(actor)
    reason = _reason(reason, label="解除原因")
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            CreditEntry.objects.select_for_update()
            .filter(pk=entry_id, partner_id=partner_id, kind=EntryKind.SUSPENSION)
            .first()
        )
        if entry is None:
            raise NotFound("暂停交易记录不存在。")
        if entry.status == EntryStatus.LIFTED:
            raise IllegalTransition("该暂停交易已提前解除，不能重复解除。")
        if entry.ends_at <= now:
            raise IllegalTransition("该暂停交易期已结束，无需解除。")
        entry.status = EntryStatus.LIFTED
        entry.lifted_at = now
        entry.lifted_by = actor
        entry.lift_reason = reason
        entry.save(update_fields=["status", "lifted_at", "lifted_by", "lift_reason", "updated_at"])
        _log(
            partner_id=entry.partner_id,
            entry=entry,
            kind="lifted",
            actor=actor,
            note=f"提前解除暂停交易（原定 {entry.period_label}）：{reason}",
            from_status=EntryStatus.RECORDED,
            to_status=EntryStatus.LIFTED,
        )
        suspensions_changed()
    return entry


def refuse_if_suspended(partner_id, *, doing: str, at: datetime | None = None, name: str = "") -> None:
    """Raise ``Conflict`` with the Chinese reason when the vendor is suspended at ``at``."""
    refusal = selectors.suspension_refusal(partner_id, doing=doing, at=at, name=name)
    if refusal:
        raise Conflict(refusal)


# --- ratings ---------------------------------------------------------------------------------


def _score(value, *, field: str) -> int:
    label = SCORE_LABELS[field]
    message = f"{label}评分应为 {SCORE_MIN}–{SCORE_MAX} 分的整数。"
    if isinstance(value, bool):
        raise Invalid(message, fields={field: message})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(message, fields={field: message}) from None
    if str(number) != str(value).strip() or not SCORE_MIN <= number <= SCORE_MAX:
        raise Invalid(message, fields={field: message})
    return number


def rating_give(
    *, order, actor, partner_id=None, quality, delivery, service, comment: str = ""
) -> SupplierRating:
    """The buying unit (管理员 or 经办人; a buyer without a unit: their own order) rates the
    supplier of an order once, after the whole order passed 履约验收."""
    from shop.buyers.access import refusal, scope

    origin_unit_id = getattr(getattr(order, "origin", None), "unit_id", None)
    s = scope(actor, "ratings.give")
    in_scope = scope(actor, "orders.view").owns(unit_id=origin_unit_id, user_id=order.user_id)
    if not in_scope:
        raise NotFound("订单不存在。")
    if not s.owns(unit_id=origin_unit_id, user_id=order.user_id):
        raise PermissionDenied(refusal("ratings.give"))
    scores = {
        f: _score(v, field=f) for f, v in (("quality", quality), ("delivery", delivery), ("service", service))
    }
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(
            f"评价内容最多 {COMMENT_MAX} 个字。", fields={"comment": f"评价内容最多 {COMMENT_MAX} 个字。"}
        )
    partners = selectors.order_partners(order)
    if partner_id in (None, ""):
        if len(partners) != 1:
            raise Invalid("请选择要评价的供应商。")
        partner = partners[0]
    else:
        partner = next((p for p in partners if str(p.pk) == str(partner_id)), None)
        if partner is None:
            raise Invalid("该供应商不是本订单的供应商。")
    if not selectors.order_is_accepted(order):
        raise Conflict("订单全部验收合格后才能评价供应商。")
    try:
        with transaction.atomic():
            if SupplierRating.objects.filter(order=order, partner=partner).exists():
                raise Conflict("本订单已评价过该供应商，每个订单只能评价一次。")
            return SupplierRating.objects.create(
                order=order,
                partner=partner,
                unit_id=origin_unit_id,
                rated_by=actor,
                comment=comment,
                **scores,
            )
    except IntegrityError:  # two submissions at once: the second meets the unique constraint
        raise Conflict("本订单已评价过该供应商，每个订单只能评价一次。") from None


__all__ = [
    "SCORES",
    "credit_warn",
    "credit_suspend",
    "credit_lift",
    "refuse_if_suspended",
    "rating_give",
    "suspension_period",
]
