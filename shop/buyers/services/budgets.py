"""Budget lines (采购计划 / 预算) and what documents hold of them.

A document (direct order, accepted quote, OEM order, sourcing event) that names a budget line
**commits** its amount when it is submitted (for approval, or straight out when no approval is
needed); the amount becomes **spent** as it is paid, and what is left is **released** when the
document is rejected, cancelled or expires. Every change locks the line row first
(``select_for_update``; on PostgreSQL two submissions against the last yuan of a line queue on
the lock and the second sees the first's commitment), checks, and writes one ``UnitEvent``; the
database's CHECK constraints (``buyers_budget_never_overspent``) hold the line whatever writes it.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.money import q2, rmb

from ..access import member_can, membership, refusal
from ..models import MAX_BUDGET, BudgetCommitment, BudgetLine, BuyingUnit, FundNature, UnitEvent

__all__ = [
    "budget_amount",
    "budget_line_create",
    "budget_line_update",
    "budget_line_for_document",
    "budget_commit",
    "budget_spend",
    "budget_release",
    "budget_spend_for_order",
    "budget_release_for_order",
    "unit_needs_budget_line",
]

MIN_YEAR, MAX_YEAR = 2000, 2100


def budget_amount(
    value, *, label: str = "金额", allow_zero: bool = False, max_value: Decimal = MAX_BUDGET
) -> Decimal:
    """A money figure typed by a person: a number, > 0 (or ≥ 0), at most two decimals, at most
    ``max_value`` (the store's bound by default). Anything else is a Chinese ``Invalid``."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise Invalid(f"{label}不是有效的金额。", fields={"amount": f"{label}不是有效的金额。"})
    if not amount.is_finite():
        raise Invalid(f"{label}不是有效的金额。", fields={"amount": f"{label}不是有效的金额。"})
    if amount < 0 or (amount == 0 and not allow_zero):
        msg = f"{label}必须大于零。" if not allow_zero else f"{label}不能为负数。"
        raise Invalid(msg, fields={"amount": msg})
    # the bound first: quantizing an absurd figure (1e30) overflows the decimal context
    if amount > max_value:
        msg = f"{label}不能超过 {max_value} 元。"
        raise Invalid(msg, fields={"amount": msg})
    if amount != amount.quantize(Decimal("0.01")):
        msg = f"{label}最多保留两位小数（精确到分）。"
        raise Invalid(msg, fields={"amount": msg})
    return q2(amount)


def _manager(unit: BuyingUnit, actor):
    member = membership(actor, fresh=True)
    if member is None or member.unit_id != unit.pk:
        raise NotFound("采购单位不存在。")
    if not member_can(member, "budgets.manage"):
        raise PermissionDenied(refusal("budgets.manage"))
    return member


def _event(*, line: BudgetLine, kind: str, actor=None, note: str = "", approval=None) -> UnitEvent:
    return UnitEvent.objects.create(
        unit_id=line.unit_id,
        budget_line=line,
        approval=approval,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:1000],
    )


def _clean_line_fields(*, name, year, fund_nature, category) -> tuple[str, int, str]:
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid("请填写预算名称。", fields={"name": "请填写预算名称。"})
    if len(name) > 100:
        raise Invalid("预算名称最多 100 个字。", fields={"name": "预算名称最多 100 个字。"})
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Invalid("预算年度应为四位年份。", fields={"year": "预算年度应为四位年份。"})
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(
            f"预算年度应在 {MIN_YEAR}–{MAX_YEAR} 之间。",
            fields={"year": f"预算年度应在 {MIN_YEAR}–{MAX_YEAR} 之间。"},
        )
    if fund_nature not in FundNature.values:
        raise Invalid("请选择资金性质。", fields={"fund_nature": "请选择资金性质。"})
    return name, year, fund_nature


def _taken(unit, year, name, exclude_pk=None) -> bool:
    qs = BudgetLine.objects.filter(unit=unit, year=year, name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def budget_line_create(
    *, unit: BuyingUnit, actor, name: str, year: int, amount, fund_nature: str, category=None
) -> BudgetLine:
    """管理员 or 财务 records a budget line."""
    name, year, fund_nature = _clean_line_fields(
        name=name, year=year, fund_nature=fund_nature, category=category
    )
    amount = budget_amount(amount, label="预算金额")
    with transaction.atomic():
        locked = BuyingUnit.objects.select_for_update().get(pk=unit.pk)
        _manager(locked, actor)
        if _taken(locked, year, name):
            raise Conflict(
                f"{year} 年已有名为“{name}”的预算。", fields={"name": "同一年度的预算名称不能重复。"}
            )
        line = BudgetLine.objects.create(
            unit=locked, name=name, year=year, amount=amount, fund_nature=fund_nature, category=category
        )
        _event(line=line, kind="budget_created", actor=actor, note=f"{year} {name}：{rmb(amount)}")
    return line


def budget_line_update(
    *, line: BudgetLine, actor, name: str, amount, fund_nature: str, category=None
) -> BudgetLine:
    """Rename, re-amount or re-classify a line; never below what is committed and spent."""
    name, _year, fund_nature = _clean_line_fields(
        name=name, year=line.year, fund_nature=fund_nature, category=category
    )
    amount = budget_amount(amount, label="预算金额")
    with transaction.atomic():
        locked = BudgetLine.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None:
            raise NotFound("预算不存在。")
        _manager(locked.unit, actor)
        used = locked.committed + locked.spent
        if amount < used:
            raise Conflict(
                f"预算金额不能低于已占用和已支付的合计 {rmb(used)}。",
                fields={"amount": f"不能低于 {rmb(used)}。"},
            )
        if _taken(locked.unit, locked.year, name, exclude_pk=locked.pk):
            raise Conflict(
                f"{locked.year} 年已有名为“{name}”的预算。", fields={"name": "同一年度的预算名称不能重复。"}
            )
        before = (locked.name, locked.amount, locked.fund_nature, locked.category_id)
        locked.name, locked.amount, locked.fund_nature, locked.category = name, amount, fund_nature, category
        if before == (name, amount, fund_nature, getattr(category, "pk", None)):
            return locked
        locked.save(update_fields=["name", "amount", "fund_nature", "category", "updated_at"])
        _event(
            line=locked,
            kind="budget_changed",
            actor=actor,
            note=f"{locked.year} {name}：{rmb(before[1])} → {rmb(amount)}",
        )
    return locked


def unit_needs_budget_line(*, unit_id: int | None, today: date | None = None) -> bool:
    """A unit with any budget line of this year must name one on its documents."""
    if unit_id is None:
        return False
    year = (today or timezone.localdate()).year
    return BudgetLine.objects.filter(unit_id=unit_id, year=year).exists()


def budget_line_for_document(
    *, unit_id: int | None, budget_line_id, today: date | None = None
) -> BudgetLine | None:
    """The budget line a document names, checked: it belongs to the unit and to this year; it
    is required when the unit has lines this year. ``None`` when no line is needed."""
    year = (today or timezone.localdate()).year
    if budget_line_id in (None, ""):
        if unit_needs_budget_line(unit_id=unit_id, today=today):
            raise Invalid("请选择本次采购使用的预算。", fields={"budget_line": "请选择预算。"})
        return None
    if unit_id is None:
        raise Invalid("只有采购单位的成员可以选择预算。", fields={"budget_line": "无效的预算。"})
    try:
        pk = int(budget_line_id)
    except (TypeError, ValueError):
        raise Invalid("预算选择无效。", fields={"budget_line": "预算选择无效。"})
    line = BudgetLine.objects.filter(pk=pk, unit_id=unit_id).first()
    if line is None:
        raise Invalid("预算选择无效。", fields={"budget_line": "预算选择无效。"})
    if line.year != year:
        raise Invalid(
            f"只能使用 {year} 年度的预算。", fields={"budget_line": f"只能使用 {year} 年度的预算。"}
        )
    return line


def budget_commit(
    *,
    line: BudgetLine,
    amount: Decimal,
    kind: str,
    number: str,
    title: str = "",
    actor=None,
    order=None,
    approval=None,
) -> BudgetCommitment:
    """Hold ``amount`` of the line for one document. Refused (nothing changes) when the line's
    available amount is smaller."""
    amount = budget_amount(amount)
    with transaction.atomic():
        locked = BudgetLine.objects.select_for_update().get(pk=line.pk)
        available = locked.amount - locked.committed - locked.spent
        if amount > available:
            raise Conflict(
                f"预算“{locked.name}”可用余额 {rmb(available)}，不足以承担本次采购 {rmb(amount)}。",
                fields={"budget_line": "预算可用余额不足。"},
            )
        BudgetLine.objects.filter(pk=locked.pk).update(
            committed=F("committed") + amount, updated_at=timezone.now()
        )
        commitment = BudgetCommitment.objects.create(
            line=locked,
            kind=kind,
            number=number,
            title=title[:200],
            order=order,
            approval=approval,
            amount=amount,
            committed=amount,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _event(
            line=locked,
            kind="budget_committed",
            actor=actor,
            approval=approval,
            note=f"{number}：{rmb(amount)}",
        )
    return commitment


def budget_spend(
    *, commitment: BudgetCommitment, amount: Decimal, actor=None, note: str = ""
) -> BudgetCommitment:
    """Move up to ``amount`` of a commitment from committed to spent (a payment came in)."""
    with transaction.atomic():
        locked = BudgetCommitment.objects.select_for_update().get(pk=commitment.pk)
        line = BudgetLine.objects.select_for_update().get(pk=locked.line_id)
        moved = min(q2(Decimal(amount)), locked.committed)
        if moved <= 0:
            return locked
        locked.committed -= moved
        locked.spent += moved
        locked.save(update_fields=["committed", "spent", "updated_at"])
        BudgetLine.objects.filter(pk=line.pk).update(
            committed=F("committed") - moved, spent=F("spent") + moved, updated_at=timezone.now()
        )
        _event(
            line=line, kind="budget_spent", actor=actor, note=f"{locked.number}：{rmb(moved)} {note}".strip()
        )
    return locked


def budget_release(*, commitment: BudgetCommitment, actor=None, note: str = "") -> BudgetCommitment:
    """Give back what a commitment still holds (rejected, cancelled, expired). Twice = once."""
    with transaction.atomic():
        locked = BudgetCommitment.objects.select_for_update().get(pk=commitment.pk)
        line = BudgetLine.objects.select_for_update().get(pk=locked.line_id)
        moved = locked.committed
        if moved <= 0:
            return locked
        locked.committed = Decimal("0.00")
        locked.released += moved
        locked.save(update_fields=["committed", "released", "updated_at"])
        BudgetLine.objects.filter(pk=line.pk).update(
            committed=F("committed") - moved, updated_at=timezone.now()
        )
        _event(
            line=line,
            kind="budget_released",
            actor=actor,
            note=f"{locked.number}：{rmb(moved)} {note}".strip(),
        )
    return locked


def budget_spend_for_order(*, order, amount: Decimal, actor=None) -> None:
    """A payment of ``amount`` on ``order`` spends what the order's commitments hold."""
    left = q2(Decimal(amount))
    for commitment in BudgetCommitment.objects.filter(order=order, committed__gt=0).order_by("pk"):
        if left <= 0:
            break
        take = min(left, commitment.committed)
        budget_spend(commitment=commitment, amount=take, actor=actor, note=f"订单 {order.number} 付款")
        left -= take


def budget_release_for_order(*, order, actor=None, note: str = "") -> None:
    for commitment in BudgetCommitment.objects.filter(order=order, committed__gt=0).order_by("pk"):
        budget_release(commitment=commitment, actor=actor, note=note)
