"""Writes of the OEM domain: submit, review, offer, accept, sample, produce, ship, cancel.

Every state change goes through ``shop.core.transitions.transition`` (row lock, allowed-move
check, one ``OemOrderEvent``). E-mails are sent by Celery after commit, one per event
(``notifications.oem_event_notify`` is idempotent), and a periodic sweep re-enqueues anything
a lost message or a killed worker left behind."""

import logging
import os
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shop.buyers.access import member_can, membership, refusal, scope
from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS, ApprovalRequest, BudgetCommitment, DocumentKind
from shop.buyers.services import (
    approval_cancel,
    approval_pending_for,
    approval_restart,
    approval_rule_for,
    approval_submit,
    budget_commit,
    budget_line_for_document,
    buyer_organisation_remember,
)
from shop.core.enqueue import enqueue_on_commit, exclude_failed
from shop.core.exceptions import Conflict, DomainError, IllegalTransition, PermissionDenied
from shop.core.limits import MAX_ESTIMATED_LEAD_DAYS
from shop.core.models import next_document_number
from shop.core.money import q2, rmb
from shop.core.tax import product_vat_rate
from shop.core.transitions import transition
from shop.core.versions import require_seen_version
from shop.credit.services import refuse_if_suspended

from . import validators as v
from .models import (
    ALLOWED_MOVES,
    BUYER_CANCELLABLE,
    IN_PROGRESS,
    PAYMENT_MOVES,
    STATUS_LABELS,
    OemOrder,
    OemOrderEvent,
    OemStatus,
)
from .selectors import user_may_act_as_vendor

logger = logging.getLogger(__name__)
S = OemStatus

# Event kinds that send e-mails (see notifications.NOTICES).
NOTIFY_KINDS = {
    "reviewed",
    "review_rejected",
    "offer",
    "offer_revised",
    "accepted",
    "deposit_paid",
    "sampling",
    "sample_rejected",
    "sample_approved",
    "production",
    "shipped",
    "completed",
    "rejected",
    "cancelled",
    "unpaid_cancelled",
    "offer_reminder",
    "overdue",
}


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- lead time ---------------------------------------------------------------------------


def estimate_lead_days(*, quantity: int, base_lead_days: int, moq: int, sample_required: bool) -> int:
    """The feasibility review's lead-time estimate, in days:

        批量 batch      = max(MOQ, OEM_BATCH_SIZE)            (OEM_BATCH_SIZE default 50)
        批次 batches    = ⌈quantity / batch⌉
        预计交期        = base + (batches − 1) × ⌈base / 4⌉ + (OEM_SAMPLE_DAYS if sample else 0)

    i.e. the product's base lead time covers the first batch, every further batch adds a
    quarter of it (rounded up), and a sample round adds OEM_SAMPLE_DAYS (default 7).
    Example: base 15, MOQ 100, 250 units, sample → 15 + 2 × 4 + 7 = 30 days.
    The result is capped at MAX_ESTIMATED_LEAD_DAYS, so any stored figure (a huge quantity or
    base lead time) gives a date the calendar can hold; integer arithmetic only (no float)."""
    base = min(max(int(base_lead_days or 0), 1), MAX_ESTIMATED_LEAD_DAYS)
    batch = max(int(moq or 1), int(_setting("OEM_BATCH_SIZE", 50)), 1)
    batches = max(-(-max(int(quantity or 0), 0) // batch), 1)
    days = base + (batches - 1) * (-(-base // 4))
    if sample_required:
        days += max(int(_setting("OEM_SAMPLE_DAYS", 7)), 0)
    return min(days, MAX_ESTIMATED_LEAD_DAYS)


# --- helpers -------------------------------------------------------------------------------


def _enqueue(task_name: str, object_id: int) -> None:
    """After commit, hand an id to a Celery task (``shop.core.enqueue``). A broker outage only
    delays the work: the sweep re-enqueues orders still ``submitted`` and events not yet
    e-mailed (DB timestamps)."""
    from . import tasks

    enqueue_on_commit(getattr(tasks, task_name), object_id)


def _enqueue_process(order_id: int) -> None:
    _enqueue("oem_order_process", order_id)


def _enqueue_notify(event_id: int) -> None:
    _enqueue("oem_event_notify", event_id)


def _note_event(*, order: OemOrder, kind: str, note: str) -> OemOrderEvent:
    """A timeline entry without a state change (reminders, warnings), e-mailed after commit."""
    event = OemOrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, kind=kind, note=note
    )
    _enqueue_notify(event.pk)
    return event


def _move(
    *,
    order: OemOrder,
    to: str,
    actor,
    kind: str,
    note: str = "",
    extra: dict | None = None,
    allowed: dict | None = None,
) -> OemOrder:
    """One guarded transition plus its e-mail (after commit)."""
    with transaction.atomic():
        locked = transition(
            obj=order,
            to=to,
            allowed=allowed or ALLOWED_MOVES,
            labels=STATUS_LABELS,
            event_model=OemOrderEvent,
            event_fk="order",
            actor=actor,
            note=note,
            kind=kind,
            extra_updates=extra,
        )
        event = OemOrderEvent.objects.filter(order=locked).order_by("-pk").first()
        if kind in NOTIFY_KINDS:
            _enqueue_notify(event.pk)
    return locked


def _require_buyer(order: OemOrder, actor, action: str = "purchases.act") -> None:
    """The actor may ``action`` this order: a member of its buying unit whose role allows it (a
    member without the role gets the unit's refusal), or its buyer when it has no unit."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied("只有下单的采购人可以进行此操作。")
    buyer_scope = scope(actor, action, fresh=True)
    if buyer_scope.owns(unit_id=order.unit_id, user_id=order.buyer_id):
        return
    if buyer_scope.unit_id is not None and buyer_scope.unit_id == order.unit_id:
        raise PermissionDenied(refusal(action))
    raise PermissionDenied("只有下单的采购人可以进行此操作。")


def _require_vendor(order: OemOrder, actor) -> None:
    if not user_may_act_as_vendor(user=actor, order=order):
        raise PermissionDenied("您无权处理此 OEM 订单。")


# --- buyer: submit ---------------------------------------------------------------------------


def oem_order_submit(
    *,
    buyer,
    product,
    variant=None,
    quantity: int,
    brand_name: str,
    logo,
    customisations: list[dict],
    sample_required: bool,
    target_date,
    delivery_contact: str,
    delivery_phone: str,
    delivery_address: str,
    organisation: dict,
    remarks: str = "",
    budget_line_id: int | str | None = None,
) -> OemOrder:
    """Validate, save the order (and its logo, privately), remember the buyer's organisation,
    and enqueue the feasibility review after commit. Raises ValidationError (Chinese messages,
    by field) and writes nothing — no row, no file — when any rule fails.

    A member of a buying unit orders for the unit (only a 经办人 may): the order belongs to the
    unit and names one of its budget lines of this year (required when it has any)."""
    member = membership(buyer, fresh=True)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    unit_id = member.unit_id if member is not None else None
    budget_line = budget_line_for_document(unit_id=unit_id, budget_line_id=budget_line_id)
    errors: dict[str, list] = {}

    def check(field, fn, *args):
        try:
            return fn(*args)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    check("product", v.validate_oem_product, product)
    if errors:
        raise ValidationError(errors)
    check("variant", v.validate_variant, product, variant)
    check("quantity", v.validate_quantity, product, quantity)
    rows = check("customisations", v.validate_customisations, product, customisations)
    check("target_date", v.validate_target_date, target_date)
    check("delivery_phone", v.validate_delivery_phone, delivery_phone)
    checked = check("logo", v.check_logo, logo)
    if not (brand_name or "").strip():
        errors.setdefault("brand_name", []).append("请填写品牌名称。")
    if errors:
        raise ValidationError(errors)

    org_values = {f: organisation.get(f, "") or "" for f in ORG_FIELDS + INVOICE_FIELDS}
    order = OemOrder(
        buyer=buyer,
        unit_id=unit_id,
        budget_line=budget_line,
        product=product,
        variant=variant,
        quantity=int(quantity),
        brand_name=brand_name.strip(),
        logo_name=checked.display_name,
        logo_kind=checked.kind,
        customisations=rows,
        sample_required=bool(sample_required),
        target_date=target_date,
        delivery_contact=delivery_contact.strip(),
        delivery_phone=delivery_phone.strip(),
        delivery_address=delivery_address.strip(),
        remarks=(remarks or "").strip(),
        enqueued_at=timezone.now(),
        **org_values,
    )
    order.full_clean(exclude=["number", "logo", "buyer", "unit", "budget_line", "product", "variant"])

    stored_name = ""
    try:
        with transaction.atomic():
            order.number = next_document_number("OEM")
            logo.seek(0)
            order.logo.save(f"logo.{checked.kind}", logo, save=False)
            stored_name = order.logo.name
            order.save()
            OemOrderEvent.objects.create(
                order=order, actor=buyer, from_status="", to_status=S.SUBMITTED, kind="submitted"
            )
            buyer_organisation_remember(user=buyer, data=org_values)
            _enqueue_process(order.pk)
    except Exception:
        if stored_name:
            order.logo.storage.delete(stored_name)
        raise
    return order


# --- Celery side: review, sweep, reminders -------------------------------------------------------


def _test_only_pause() -> None:
    """A slow step for the worker-crash test; only honoured under the test settings."""
    delay = os.environ.get("OEM_TEST_REVIEW_DELAY_SECONDS")
    if delay and os.environ.get("DJANGO_SETTINGS_MODULE") == "shop.settings.test":
        time.sleep(float(delay))


def oem_order_review(*, order_id: int) -> OemOrder | None:
    """The feasibility review: quantity against MOQ, a vendor to route to, the lead-time
    estimate (``estimate_lead_days``) compared with the buyer's date. Idempotent: an order
    that is no longer ``submitted`` is left as it is."""
    with transaction.atomic():
        order = (
            OemOrder.objects.select_for_update(of=("self",))
            .select_related("product", "variant")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.status != S.SUBMITTED:
            return order
        _test_only_pause()
        product = order.product
        problems = []
        if not product.supports_oem:
            problems.append("该产品已不支持 OEM 定制。")
        try:
            v.validate_quantity(product, order.quantity)
        except ValidationError as exc:
            problems.extend(exc.messages)
        stockrecord = order.ordered_product.stockrecords.select_related("partner").order_by("pk").first()
        if stockrecord is None:
            problems.append("该产品暂无供应商，无法安排生产。")
        days = estimate_lead_days(
            quantity=order.quantity,
            base_lead_days=product.lead_time_days,
            moq=product.oem_min_quantity,
            sample_required=order.sample_required,
        )
        now = timezone.now()
        if problems:
            return _move(
                order=order,
                to=S.REJECTED,
                actor=None,
                kind="review_rejected",
                note="；".join(problems),
                extra={"reviewed_at": now, "estimated_lead_days": days, "review_note": "；".join(problems)},
            )
        note = f"预计交期 {days} 天（基础交期 {product.lead_time_days} 天）。"
        earliest = timezone.localdate() + timedelta(days=days)
        if order.target_date < earliest:
            note += f"期望交货日期早于预计最早交货日期 {earliest:%Y-%m-%d}，需与供应商协商。"
        return _move(
            order=order,
            to=S.REVIEWING,
            actor=None,
            kind="reviewed",
            note=note,
            extra={
                "reviewed_at": now,
                "estimated_lead_days": days,
                "review_note": note,
                "partner": stockrecord.partner,
                "stockrecord": stockrecord,
            },
        )


def oem_sweep(*, stale_seconds: int | None = None) -> dict:
    """Re-enqueue what was left behind: orders still ``submitted`` whose last enqueue is older
    than ``stale_seconds`` (DB timestamp), and e-mail events never marked as sent."""
    from . import tasks

    stale = int(stale_seconds if stale_seconds is not None else _setting("OEM_SWEEP_STALE_SECONDS", 300))
    now = timezone.now()
    cutoff = now - timedelta(seconds=stale)
    orders = 0
    pending = exclude_failed(
        OemOrder.objects.filter(status=S.SUBMITTED).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
        ),
        task=tasks.oem_order_process,
    )
    for pk in list(pending.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            claimed = (
                OemOrder.objects.filter(pk=pk, status=S.SUBMITTED)
                .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff))
                .update(enqueued_at=now)
            )
            if claimed:
                orders += 1
                _enqueue_process(pk)
    events = 0
    unsent = exclude_failed(
        OemOrderEvent.objects.filter(
            notified_at__isnull=True,
            kind__in=NOTIFY_KINDS,
            created_at__lte=cutoff,
            created_at__gte=now - timedelta(days=3),
        ),
        task=tasks.oem_event_notify,
    )
    for pk in list(unsent.values_list("pk", flat=True)[:500]):
        events += 1
        _enqueue_notify(pk)
    return {"orders": orders, "events": events}


def oem_remind_pending_offers(*, now=None) -> int:
    """Remind vendors of orders waiting for an offer longer than OEM_OFFER_REMINDER_HOURS,
    at most once per that period per order (``offer_reminded_at``)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=int(_setting("OEM_OFFER_REMINDER_HOURS", 24)))
    due = Q(offer_reminded_at__isnull=True) | Q(offer_reminded_at__lte=cutoff)
    count = 0
    ids = OemOrder.objects.filter(due, status=S.REVIEWING, reviewed_at__lte=cutoff).values_list(
        "pk", flat=True
    )
    for pk in list(ids[:500]):
        with transaction.atomic():
            order = OemOrder.objects.select_for_update().filter(due, pk=pk, status=S.REVIEWING).first()
            if order is None:
                continue
            order.offer_reminded_at = now
            order.save(update_fields=["offer_reminded_at", "updated_at"])
            waited = int((now - order.reviewed_at).total_seconds() // 3600)
            _note_event(order=order, kind="offer_reminder", note=f"已等待报价 {waited} 小时。")
            count += 1
    return count


def oem_warn_overdue(*, today=None) -> int:
    """Warn (once) when an order in sampling/production passes its promised delivery date."""
    today = today or timezone.localdate()
    count = 0
    ids = OemOrder.objects.filter(
        status__in=IN_PROGRESS, promised_date__lt=today, overdue_warned_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(ids[:500]):
        with transaction.atomic():
            order = (
                OemOrder.objects.select_for_update()
                .filter(pk=pk, status__in=IN_PROGRESS, overdue_warned_at__isnull=True)
                .first()
            )
            if order is None:
                continue
            order.overdue_warned_at = timezone.now()
            order.save(update_fields=["overdue_warned_at", "updated_at"])
            _note_event(
                order=order,
                kind="overdue",
                note=f"承诺交货日期 {order.promised_date:%Y-%m-%d} 已过，当前状态：{order.get_status_display()}。",
            )
            count += 1
    return count


# --- vendor side -------------------------------------------------------------------------------

VENDOR_KINDS = {
    S.REJECTED: "rejected",
    S.SAMPLING: "sampling",
    S.IN_PRODUCTION: "production",
    S.SHIPPED: "shipped",
    S.COMPLETED: "completed",
}


def vendor_next_states(order: OemOrder) -> list[str]:
    """The moves a vendor may offer as buttons for this order (offer is a form of its own)."""
    allowed = ALLOWED_MOVES.get(order.status, set())
    # a shipped order is completed by the buyer's 履约验收 (shop.fulfilment), not by the vendor
    out = [s for s in (S.SAMPLING, S.IN_PRODUCTION, S.SHIPPED, S.REJECTED) if s in allowed]
    if order.status == S.CONFIRMED:
        out = [S.SAMPLING] if order.sample_required else [S.IN_PRODUCTION]
    return out


def oem_order_make_offer(
    *,
    order: OemOrder,
    actor,
    unit_price: Decimal,
    tooling_fee: Decimal,
    deposit: Decimal,
    lead_days: int,
    note: str = "",
) -> OemOrder:
    """The vendor's offer (tax-inclusive unit price, tooling/setup fee, deposit, lead time);
    allowed while the order waits for an offer or to revise an offer not yet accepted."""
    _require_vendor(order, actor)
    v.validate_offer(
        quantity=order.quantity,
        unit_price=unit_price,
        tooling_fee=tooling_fee,
        deposit=deposit,
        lead_days=lead_days,
    )
    total = q2(Decimal(unit_price) * order.quantity + Decimal(tooling_fee))
    summary = (
        f"单价 {rmb(unit_price)}，开模/设置费 {rmb(tooling_fee)}，合计 {rmb(total)}，"
        f"定金 {rmb(deposit)}，交期 {lead_days} 天。"
    )
    with transaction.atomic():
        # the revision counter is read under the row lock: two revisions never share a number
        current = OemOrder.objects.select_for_update().get(pk=order.pk)
        waiting = current.status == S.AWAITING_APPROVAL
        kind = "offer_revised" if current.status in (S.OFFERED, S.AWAITING_APPROVAL) else "offer"
        revised = _move(
            order=order,
            # an order waiting for its unit's approval keeps waiting, on the new offer
            to=S.AWAITING_APPROVAL if waiting else S.OFFERED,
            actor=actor,
            kind=kind,
            note=summary + (f"\n{note.strip()}" if note and note.strip() else ""),
            extra={
                "unit_price": q2(unit_price),
                "tooling_fee": q2(tooling_fee),
                "deposit": q2(deposit),
                "offer_lead_days": int(lead_days),
                "offer_note": (note or "").strip(),
                "offered_at": timezone.now(),
                "offer_revision": current.offer_revision + 1,
            },
        )
        if waiting:
            _approval_changed(revised, actor=actor, reason="供应商更新了报价")
            revised.refresh_from_db()
        return revised


def _deposit_paid(order: OemOrder) -> bool:
    if order.oscar_order_id is None:
        return False
    first = order.oscar_order.payment_stages.order_by("sequence").first()
    return bool(first and first.status == "paid")


def _paid_after_acceptance(order: OemOrder) -> bool:
    origin = getattr(order.oscar_order, "origin", None) if order.oscar_order_id else None
    return origin is not None and origin.settlement == "after_acceptance"


def _start_blocker(order: OemOrder) -> str | None:
    """Why the vendor may not start sampling or production yet (Chinese), or None. An order paid
    after 履约验收 (a government unit's) has no deposit: its signed contract is the go-ahead;
    otherwise the deposit must have arrived."""
    if _paid_after_acceptance(order):
        from shop.fulfilment.selectors import contract_blocker

        if contract_blocker(order.oscar_order):
            return "该订单验收后付款，无需定金；合同由双方确认签订后即可开始打样或生产。"
        return None
    if not _deposit_paid(order):
        return "定金尚未到账，暂不能开始打样或生产。"
    return None


def oem_order_vendor_move(*, order: OemOrder, actor, to: str, note: str = "") -> OemOrder:
    """Vendor (or operator) moves: reject, start sampling, start production, ship, complete."""
    _require_vendor(order, actor)
    if to not in VENDOR_KINDS or to == S.COMPLETED:
        if to == S.COMPLETED and order.status == S.SHIPPED:
            raise IllegalTransition("已发货的订单由采购方履约验收，验收合格后订单自动完成。")
        raise IllegalTransition(f"供应商不能将订单变更为“{STATUS_LABELS.get(to, to)}”。")
    if to not in ALLOWED_MOVES.get(order.status, set()):
        raise IllegalTransition(
            f"当前状态为“{STATUS_LABELS[order.status]}”，不能变更为“{STATUS_LABELS.get(to, to)}”。"
        )
    if to == S.REJECTED and not (note or "").strip():
        raise DomainError("请填写拒绝原因。")
    if order.status == S.CONFIRMED:
        if to == S.IN_PRODUCTION and order.sample_required:
            raise DomainError("该订单需要先打样，样品经采购方确认后才能开始生产。")
        if to == S.SAMPLING and not order.sample_required:
            raise DomainError("该订单无需打样，请直接开始生产。")
        blocker = _start_blocker(order)
        if blocker:
            raise DomainError(blocker)
    with transaction.atomic():
        waiting = order.status == S.AWAITING_APPROVAL
        moved = _move(order=order, to=to, actor=actor, kind=VENDOR_KINDS[to], note=(note or "").strip())
        if waiting:
            approval_cancel(
                kind=DocumentKind.OEM, subject_id=order.pk, actor=actor, reason="供应商已拒绝订单"
            )
    return moved


# --- buyer actions --------------------------------------------------------------------------------


def _order_lines(order: OemOrder) -> list:
    """The shop order lines of an accepted offer: the products at the agreed unit price, and the
    tooling/setup fee as its own line."""
    from shop.payments.orders import OrderLineSpec

    product = order.ordered_product
    tax_rate = product_vat_rate(product)
    lines = [
        OrderLineSpec(
            product=product,
            stockrecord=order.stockrecord,
            quantity=order.quantity,
            unit_price_incl_tax=order.unit_price,
            tax_rate=tax_rate,
            title=f"{product.get_title()}（OEM：{order.brand_name}）",
        )
    ]
    if order.tooling_fee and order.tooling_fee > 0:
        lines.append(
            OrderLineSpec(
                product=product,
                stockrecord=order.stockrecord,
                quantity=1,
                unit_price_incl_tax=order.tooling_fee,
                tax_rate=tax_rate,
                title=f"OEM 开模/设置费（{order.number}）",
            )
        )
    return lines


def _approval_title(order: OemOrder) -> str:
    return f"OEM {order.number}：{order.ordered_product.get_title()}（{order.brand_name}）"


def _confirm(order: OemOrder, *, actor, approval: ApprovalRequest | None, note: str = "") -> OemOrder:
    """The acceptance itself (the offer checked): the order is confirmed and becomes payable —
    an Oscar order for the buyer (and unit, paid from its budget line) with 定金/尾款 stages.
    Without an approval the budget line's share is committed now; with one it was committed on
    submission and now points at the shop order."""
    from shop.payments.orders import order_place

    today = timezone.localdate()
    locked = _move(
        order=order,
        to=S.CONFIRMED,
        actor=actor,
        kind="accepted",
        note=note,
        extra={"confirmed_at": timezone.now()},
    )
    locked.promised_date = today + timedelta(days=locked.offer_lead_days or 0)
    total = q2(locked.offer_total)
    deposit = q2(locked.deposit)
    stages = [("定金", deposit), ("尾款", total - deposit)] if deposit < total else [("全款", total)]
    from shop.payments.selectors import settlement_for

    if settlement_for(unit=locked.unit, partners={locked.partner})[0] == "after_acceptance":
        stages = [("全款", total)]  # paid once, after 履约验收: no deposit before production
    oscar_order = order_place(
        user=locked.buyer,
        lines=_order_lines(locked),
        source="oem",
        reference=locked.number,
        stages=stages,
        invoice={f: getattr(locked, f) for f in INVOICE_FIELDS},
        shipping={
            "name": locked.delivery_contact,
            "phone": locked.delivery_phone,
            "address": locked.delivery_address,
            "city": locked.city,
            "province": locked.province,
        },
        unit=locked.unit,
        budget_line=locked.budget_line,
    )
    locked.oscar_order = oscar_order
    locked.save(update_fields=["promised_date", "oscar_order", "updated_at"])
    if approval is not None:
        BudgetCommitment.objects.filter(approval=approval).update(order=oscar_order)
    elif locked.budget_line_id is not None:
        budget_commit(
            line=locked.budget_line,
            amount=total,
            kind=DocumentKind.OEM,
            number=locked.number,
            title=_approval_title(locked),
            actor=actor,
            order=oscar_order,
        )
    return locked


def _category_ids(order: OemOrder) -> set[int]:
    top = order.product.parent if order.product.parent_id else order.product
    return set(top.categories.values_list("pk", flat=True))


def oem_order_accept_offer(*, order: OemOrder, actor, offer_revision: int | None) -> OemOrder:
    """The buyer accepts the offer it saw (``offer_revision``, the version shown on its page;
    a revised offer since then is refused and nothing changes): the order is confirmed and
    becomes payable — an Oscar order with the agreed unit price, the tooling/setup fee as its
    own line, and 定金/尾款 stages.

    A buying unit's order whose total (tax included) reaches one of the unit's approval rules is
    not confirmed yet: it waits in 待审批 for the unit's 审批人 (the budget line's share is
    committed now); the approval confirms it (``approval_accepted``)."""
    _require_buyer(order, actor)
    with transaction.atomic():
        current = OemOrder.objects.select_for_update().get(pk=order.pk)
        if current.status == S.AWAITING_APPROVAL:
            raise IllegalTransition("该订单正在本单位审批中，审批通过后将自动确认。")
        if current.status != S.OFFERED:
            raise IllegalTransition(
                f"当前状态为“{STATUS_LABELS[current.status]}”，不能变更为“{STATUS_LABELS[S.CONFIRMED]}”。"
            )
        require_seen_version(current=current.offer_revision, seen=offer_revision)
        # 暂停交易: a suspended vendor receives no order
        refuse_if_suspended(current.partner_id, doing="接收订单", name=getattr(current.partner, "name", ""))
        total = q2(current.offer_total)
        rule = None
        if current.unit_id is not None:
            rule = approval_rule_for(
                unit_id=current.unit_id, amount=total, category_ids=_category_ids(current)
            )
        if rule is None:
            _confirm(current, actor=actor, approval=None)
        else:
            _move(
                order=current,
                to=S.AWAITING_APPROVAL,
                actor=actor,
                kind="approval_submitted",
                note="接受报价需采购单位内部审批，审批通过后确认订单。",
            )
            approval_submit(
                unit_id=current.unit_id,
                actor=actor,
                kind=DocumentKind.OEM,
                subject_id=current.pk,
                subject_number=current.number,
                title=_approval_title(current),
                amount=total,
                snapshot=approval_snapshot(order_id=current.pk),
                rule=rule,
                budget_line=current.budget_line,
            )
    order.refresh_from_db()
    return order


# --- the unit's approval of an acceptance (shop.buyers approvals call these) ---------------------


def _money(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def approval_snapshot(*, order_id: int) -> dict | None:
    """What the unit approves: the offer as it can be accepted now (supplier, version, lines,
    prices, quantities, total); None when it can no longer be accepted (gone, withdrawn,
    rejected, cancelled)."""
    order = OemOrder.objects.select_related("product", "variant", "partner").filter(pk=order_id).first()
    if order is None or order.status not in (S.OFFERED, S.AWAITING_APPROVAL) or order.unit_price is None:
        return None
    rows = [
        {
            "title": line.title,
            "quantity": line.quantity,
            "unit": order.ordered_product.unit or "台",
            "unit_price": _money(line.unit_price_incl_tax),
            "tax_rate": f"{(line.tax_rate * 100).normalize():f}",  # percent
            "amount": _money(line.unit_price_incl_tax * line.quantity),
        }
        for line in _order_lines(order)
    ]
    for row in rows[1:]:  # the tooling/setup fee
        row["unit"] = "项"
    return {
        "kind": DocumentKind.OEM.value,
        "number": order.number,
        "title": _approval_title(order),
        "supplier": order.partner.name if order.partner_id else "",
        "lines": rows,
        "total": _money(order.offer_total),
        "revision": order.offer_revision,
        "budget_line": order.budget_line_id,
        "note": f"定金 {rmb(order.deposit)}，交期 {order.offer_lead_days} 天"
        + (f"。{order.offer_note}" if order.offer_note else ""),
    }


def approval_accepted(approval: ApprovalRequest, actor) -> None:
    """The unit approved: the offer (the version approved) is accepted as its submitter asked
    and the shop order placed for the unit; the approval's budget commitment follows it."""
    current = OemOrder.objects.select_for_update().filter(pk=approval.subject_id).first()
    if current is None:
        raise Conflict("OEM 订单已不存在，不能确认。")
    if current.status != S.AWAITING_APPROVAL:
        raise IllegalTransition(f"当前状态为“{STATUS_LABELS[current.status]}”，不能再确认。")
    require_seen_version(current=current.offer_revision, seen=approval.snapshot.get("revision"))
    # 暂停交易: a suspended vendor receives no order
    refuse_if_suspended(current.partner_id, doing="接收订单", name=getattr(current.partner, "name", ""))
    _confirm(current, actor=actor, approval=approval, note=f"审批单 {approval.number} 已通过。")


def _back_to_offered(order: OemOrder, *, actor, note: str) -> OemOrder:
    return _move(order=order, to=S.OFFERED, actor=actor, kind="approval_ended", note=note[:1000])


def approval_ended(approval: ApprovalRequest, actor, reason: str) -> None:
    """Rejected or withdrawn: the offer waits for the buyer again (已报价). The vendor sees the
    order's timeline: the note names what happened, not the approvers' comments."""
    current = OemOrder.objects.select_for_update().filter(pk=approval.subject_id).first()
    if current is not None and current.status == S.AWAITING_APPROVAL:
        what = reason.split("：", 1)[0] or "审批未通过"
        _back_to_offered(current, actor=actor, note=f"采购单位{what}，报价待重新接受。")


def approval_path(approval: ApprovalRequest) -> str:
    from django.urls import reverse

    return reverse("oem:detail", kwargs={"number": approval.subject_number})


def _approval_changed(order: OemOrder, *, actor, reason: str) -> None:
    """The offer waiting for approval changed (a new version): the approval starts again with
    it; when it can no longer go on (the budget line cannot carry the new total) the order is
    back to 已报价."""
    if approval_pending_for(kind=DocumentKind.OEM, subject_id=order.pk) is None:
        return
    approval = approval_restart(kind=DocumentKind.OEM, subject_id=order.pk, actor=actor, reason=reason)
    if approval is not None and not approval.is_pending:
        current = OemOrder.objects.get(pk=order.pk)
        if current.status == S.AWAITING_APPROVAL:
            _back_to_offered(current, actor=actor, note=f"采购单位审批已终止：{reason}")


def oem_order_deposit_received(*, order: OemOrder) -> OemOrder:
    """The shop order's first stage is paid: note it on the timeline (once) and tell both
    sides that sampling/production may start. Called by the payments app's status signal."""
    if order.status != S.CONFIRMED or not _deposit_paid(order):
        return order
    if order.events.filter(kind="deposit_paid").exists():
        return order
    stage = order.oscar_order.payment_stages.order_by("sequence").first()
    return _move(
        order=order,
        to=S.CONFIRMED,
        actor=None,
        allowed=PAYMENT_MOVES["deposit_paid"],
        kind="deposit_paid",
        note=f"{stage.label} {rmb(stage.amount)} 已到账（商城订单 {order.oscar_order.number}）。",
    )


def oem_order_cancel_unpaid(*, order: OemOrder, shop_order_number: str) -> OemOrder:
    """The shop order was cancelled before the deposit arrived: the OEM order ends too."""
    if _deposit_paid(order):
        return order
    return _move(
        order=order,
        to=S.CANCELLED,
        actor=None,
        allowed=PAYMENT_MOVES["unpaid_cancelled"],
        kind="unpaid_cancelled",
        note=f"商城订单 {shop_order_number} 未付定金已取消，OEM 订单随之取消。",
    )


def oem_order_approve_sample(*, order: OemOrder, actor, note: str = "") -> OemOrder:
    _require_buyer(order, actor)
    return _move(order=order, to=S.SAMPLE_APPROVED, actor=actor, kind="sample_approved", note=note.strip())


def oem_order_reject_sample(*, order: OemOrder, actor, reason: str) -> OemOrder:
    """The sample is not right: the order stays in sampling and the vendor is told why."""
    _require_buyer(order, actor)
    if not (reason or "").strip():
        raise DomainError("请填写样品不通过的原因。")
    if order.status != S.SAMPLING:
        raise IllegalTransition(f"当前状态为“{STATUS_LABELS[order.status]}”，没有待确认的样品。")
    return _move(order=order, to=S.SAMPLING, actor=actor, kind="sample_rejected", note=reason.strip())


def oem_order_confirm_receipt(*, order: OemOrder, actor) -> OemOrder:
    """确认收货 is the 履约验收 of the shipped goods (everything delivered, 合格); the
    acceptance completes the order (``oem_order_accepted``)."""
    _require_buyer(order, actor)
    if order.status != S.SHIPPED or order.oscar_order_id is None:
        raise IllegalTransition(f"当前状态为“{STATUS_LABELS[order.status]}”，不能确认收货。")
    from shop.fulfilment.services import acceptance_accept_delivered

    acceptance_accept_delivered(order=order.oscar_order, actor=actor, comments="采购方确认收货。")
    order.refresh_from_db()
    return order


def oem_order_accepted(*, order: OemOrder, actor) -> OemOrder:
    """The shop order of a shipped OEM order passed its 履约验收 (shop.fulfilment): the OEM
    order is completed. Does nothing in any other state."""
    if order.status != S.SHIPPED:
        return order
    return _move(order=order, to=S.COMPLETED, actor=actor, kind="completed", note="履约验收合格，订单完成。")


def oem_order_cancel(*, order: OemOrder, actor, reason: str = "") -> OemOrder:
    """The buyer (or an operator) cancels an order not yet confirmed."""
    from shop.core.access import is_operator

    if not is_operator(actor):
        _require_buyer(order, actor)
    if order.status not in BUYER_CANCELLABLE:
        raise IllegalTransition(
            f"当前状态为“{STATUS_LABELS[order.status]}”，已不能取消；如需变更请联系供应商或平台客服。"
        )
    with transaction.atomic():
        waiting = order.status == S.AWAITING_APPROVAL
        cancelled = _move(
            order=order, to=S.CANCELLED, actor=actor, kind="cancelled", note=(reason or "").strip()
        )
        if waiting:
            approval_cancel(kind=DocumentKind.OEM, subject_id=order.pk, actor=actor, reason="OEM 订单已取消")
    return cancelled
