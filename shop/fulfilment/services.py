"""Writes of delivery and 履约验收 (thin views and the OEM receiver call these).

Every write locks the order's ``Fulfilment`` row first (one writer per order at a time), then
changes one line through ``shop.core.transitions.transition`` (one ``FulfilmentEvent`` per
state change). Bad input raises a Chinese ``DomainError`` before anything is stored. The last
acceptance that completes the order moves the ``Fulfilment`` to 已验收 and opens the payment
(``shop.payments.services.payable_open``) in the same transaction, under the same lock: a
repeated or concurrent post finds nothing left to accept and changes nothing."""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.transitions import transition
from shop.core.uploads import DOCUMENT_KINDS, check_upload

from . import selectors
from .models import (
    Acceptance,
    AcceptanceResult,
    Attachment,
    Delivery,
    DeliveryKind,
    Fulfilment,
    FulfilmentEvent,
    LineFulfilment,
)

Order = get_model("order", "Order")
Line = get_model("order", "Line")
ShippingEvent = get_model("order", "ShippingEvent")
ShippingEventType = get_model("order", "ShippingEventType")
ShippingEventQuantity = get_model("order", "ShippingEventQuantity")

LS = LineFulfilment.Status
FS = Fulfilment.Status
LINE_MOVES: dict[str, set[str]] = {
    LS.PENDING: {LS.DELIVERED},
    # another delivery, a part accepted or rejected while more waits: same state, an event
    LS.DELIVERED: {LS.DELIVERED, LS.PENDING, LS.REJECTED, LS.ACCEPTED},
    LS.REJECTED: {LS.DELIVERED},
    LS.ACCEPTED: set(),
}
LINE_LABELS = {value: str(label) for value, label in LS.choices}
ORDER_MOVES: dict[str, set[str]] = {FS.OPEN: {FS.ACCEPTED}, FS.ACCEPTED: set()}
ORDER_LABELS = {value: str(label) for value, label in FS.choices}

MAX_ATTACHMENTS = 5
MAX_TEXT = 1000
# Oscar order statuses an accepted order completes from (the payment already received)
COMPLETABLE_STATUSES = ("已付款", "处理中", "已发货")
ORDER_COMPLETED = "已完成"
ACCEPTED_EVENT_TYPE = ("accepted", "已验收")


# --- input ------------------------------------------------------------------------------------


def _quantity(value) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 7:
        raise Invalid("请填写正整数数量。", fields={"quantity": "请填写正整数数量。"})
    number = int(text)
    if number <= 0:
        raise Invalid("数量必须大于零。", fields={"quantity": "数量必须大于零。"})
    return number


def _text(value, *, label: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise Invalid(f"{label}含有不允许的字符。")
    if len(text) > limit:
        raise Invalid(f"{label}不能超过 {limit} 个字。")
    if required and not text:
        raise Invalid(f"请填写{label}。")
    return text


def _checked_files(files: Sequence) -> list:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_ATTACHMENTS:
        raise Invalid(f"附件最多 {MAX_ATTACHMENTS} 个。")
    out = []
    for upload in files:
        try:
            out.append((upload, check_upload(upload, allowed=DOCUMENT_KINDS)))
        except ValidationError as exc:
            raise Invalid(f"附件“{upload.name}”：{exc.messages[0]}")
    return out


def _attach(checked: list, **owner) -> None:
    for upload, info in checked:
        Attachment.objects.create(
            file=upload, display_name=info.display_name, kind=info.kind, size=info.size, **owner
        )


# --- rows -------------------------------------------------------------------------------------


def _locked_fulfilment(order) -> Fulfilment:
    """The order's Fulfilment (created with its line rows on first use), locked."""
    Fulfilment.objects.get_or_create(order_id=order.pk)
    fulfilment = Fulfilment.objects.select_for_update().get(order_id=order.pk)
    existing = set(fulfilment.lines.values_list("line_id", flat=True))
    missing = [line for line in Line.objects.filter(order_id=order.pk) if line.pk not in existing]
    LineFulfilment.objects.bulk_create(
        LineFulfilment(fulfilment=fulfilment, line=line, partner_id=line.partner_id, ordered=line.quantity)
        for line in missing
    )
    return fulfilment


def _line_move(state: LineFulfilment, *, to: str, kind: str, actor, note: str, **counters) -> LineFulfilment:
    return transition(
        obj=state,
        to=to,
        allowed=LINE_MOVES,
        labels=LINE_LABELS,
        event_model=FulfilmentEvent,
        event_fk="line",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=counters,
    )


def _site_path(name: str, number: str) -> str:
    return reverse(name, kwargs={"number": number})


def _vendor_users(partner_id):
    from django.contrib.auth import get_user_model

    if not partner_id:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(partners__id=partner_id, is_active=True).order_by("pk")


def _acceptors(order):
    """Who records the acceptance: the unit's members with the role, or the buyer."""
    from django.contrib.auth import get_user_model

    from shop.buyers.access import roles_for
    from shop.buyers.notify import members_with_role

    unit_id = selectors.order_unit_id(order)
    if unit_id is None:
        return get_user_model().objects.filter(pk=order.user_id, is_active=True)
    ids: set[int] = set()
    for role in roles_for("acceptance.record"):
        ids |= set(members_with_role(unit_id=unit_id, role=role).values_list("pk", flat=True))
    return get_user_model().objects.filter(pk__in=ids).order_by("pk")


# --- vendor: delivery -------------------------------------------------------------------------


def _require_vendor_line(*, actor, order, line_id) -> "Line":
    if not (getattr(actor, "is_authenticated", False) and (is_operator(actor) or user_partner_ids(actor))):
        raise PermissionDenied("只有该订单行的供应商可以登记交付。")
    line = Line.objects.filter(order_id=order.pk, pk=_int_or_none(line_id)).first()
    if line is None or not (is_operator(actor) or line.partner_id in user_partner_ids(actor)):
        raise NotFound("订单行不存在。")
    return line


def _int_or_none(value):
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else None


def delivery_record(
    *,
    order,
    line_id,
    actor,
    kind: str,
    quantity,
    carrier: str = "",
    tracking_number: str = "",
    description: str = "",
    attachments: Sequence = (),
) -> Delivery:
    """The vendor delivered ``quantity`` of one of its lines: a shipment (carrier and tracking
    number) or a service delivery (a description, attachments). What is delivered and not
    rejected never exceeds what was ordered; the order must have gone out (not 待审批/已取消),
    its contract (if it needs one) be signed and, paying before delivery, be paid."""
    line = _require_vendor_line(actor=actor, order=order, line_id=line_id)
    if kind not in DeliveryKind.values:
        raise Invalid("请选择交付方式（物流发货或服务交付）。")
    quantity = _quantity(quantity)
    carrier = _text(carrier, label="承运商", limit=40, required=kind == DeliveryKind.SHIPMENT)
    tracking_number = _text(tracking_number, label="运单号", limit=40, required=kind == DeliveryKind.SHIPMENT)
    description = _text(description, label="交付说明", required=kind == DeliveryKind.SERVICE)
    checked = _checked_files(attachments)
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        blocker = selectors.delivery_blocker(current)
        if blocker:
            raise Conflict(blocker)
        return _deliver(
            order=current,
            line=line,
            actor=actor,
            kind=kind,
            quantity=quantity,
            carrier=carrier,
            tracking_number=tracking_number,
            description=description,
            checked=checked,
        )


def _deliver(
    *, order, line, actor, kind, quantity, carrier, tracking_number, description, checked
) -> Delivery:
    fulfilment = _locked_fulfilment(order)
    if fulfilment.status == FS.ACCEPTED:
        raise Conflict("订单已验收完成，无需再交付。")
    state = LineFulfilment.objects.select_for_update().get(line_id=line.pk)
    if quantity > state.deliverable:
        raise Invalid(
            f"交付数量超过可交付数量：订购 {state.ordered}，已交付且未退回 {state.delivered - state.rejected}，"
            f"还可交付 {state.deliverable}。",
            fields={"quantity": f"最多还可交付 {state.deliverable}。"},
        )
    delivery = Delivery.objects.create(
        line=state,
        kind=kind,
        quantity=quantity,
        carrier=carrier,
        tracking_number=tracking_number,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _attach(checked, delivery=delivery)
    how = f"{carrier} {tracking_number}".strip() if kind == DeliveryKind.SHIPMENT else description[:200]
    _line_move(
        state,
        to=LS.DELIVERED,
        kind="delivered",
        actor=actor,
        note=f"{line.title} 交付 {quantity}（{DeliveryKind(kind).label}：{how}）",
        delivered=state.delivered + quantity,
    )
    from shop.buyers.notify import tell

    tell(
        users=_acceptors(order),
        subject=f"订单 {order.number} 已交付，请验收",
        body=f"供应商已交付订单 {order.number} 的“{line.title}” {quantity} 件/项，请核对后办理履约验收。",
        path=_site_path("fulfilment:detail", order.number),
        key=f"fulfilment-delivered:{delivery.pk}",
    )
    return delivery


# --- buyer: acceptance ------------------------------------------------------------------------


def _require_acceptor(*, actor, order) -> None:
    from shop.buyers.access import membership, refusal
    from shop.payments.selectors import buyer_may

    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if buyer_may(actor, order, "acceptance.record", fresh=True):
        return
    unit_id = selectors.order_unit_id(order)
    member = membership(actor, fresh=True)
    if unit_id is not None and member is not None and member.unit_id == unit_id:
        raise PermissionDenied(refusal("acceptance.record"))
    raise NotFound("订单不存在。")


def acceptance_record(
    *,
    order,
    line_id,
    actor,
    quantity,
    result: str,
    comments: str = "",
    attachments: Sequence = (),
) -> Acceptance:
    """The buyer unit inspects delivered quantity of one line: 合格 adds to what is accepted,
    不合格 goes back to the vendor with the reason (it may deliver again). The quantity is at
    most what is delivered and not yet inspected. The acceptance that completes the last line
    completes the order (``_order_accept``)."""
    _require_acceptor(actor=actor, order=order)
    line = Line.objects.filter(order_id=order.pk, pk=_int_or_none(line_id)).first()
    if line is None:
        raise NotFound("订单行不存在。")
    if result not in AcceptanceResult.values:
        raise Invalid("请选择验收结论（合格或不合格）。", fields={"result": "请选择验收结论。"})
    quantity = _quantity(quantity)
    comments = _text(comments, label="不合格原因" if result == AcceptanceResult.FAILED else "验收意见")
    if result == AcceptanceResult.FAILED and not comments:
        raise Invalid(
            "请填写不合格的原因，供应商将据此重新交付。", fields={"comments": "请填写不合格的原因。"}
        )
    checked = _checked_files(attachments)
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        fulfilment = _locked_fulfilment(current)
        if fulfilment.status == FS.ACCEPTED:
            raise Conflict("订单已验收完成。")
        state = LineFulfilment.objects.select_for_update().get(line_id=line.pk)
        waiting = state.awaiting_inspection
        if waiting <= 0:
            raise Conflict(f"“{line.title}”目前没有已交付待验收的数量。")
        if quantity > waiting:
            raise Invalid(
                f"验收数量不能超过已交付未验收的数量（{waiting}）。",
                fields={"quantity": f"最多可验收 {waiting}。"},
            )
        acceptance = _inspect(current, state, line, quantity, result, comments, checked, actor)
        _complete_if_all_accepted(current, fulfilment, actor, acceptance.created_at)
    return acceptance


def acceptance_accept_delivered(*, order, actor, comments: str = "") -> list[Acceptance]:
    """Accept (合格) everything delivered and not yet inspected, on every line (an OEM order's
    确认收货). Refused like ``acceptance_record`` when nothing waits for inspection."""
    _require_acceptor(actor=actor, order=order)
    comments = _text(comments, label="验收意见")
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        fulfilment = _locked_fulfilment(current)
        if fulfilment.status == FS.ACCEPTED:
            raise Conflict("订单已验收完成。")
        states = list(
            LineFulfilment.objects.select_for_update().filter(fulfilment=fulfilment).select_related("line")
        )
        out = [
            _inspect(
                current,
                state,
                state.line,
                state.awaiting_inspection,
                AcceptanceResult.PASSED,
                comments,
                [],
                actor,
            )
            for state in states
            if state.awaiting_inspection > 0
        ]
        if not out:
            raise Conflict("订单目前没有已交付待验收的数量。")
        _complete_if_all_accepted(current, fulfilment, actor, out[-1].created_at)
    return out


def _inspect(order, state, line, quantity, result, comments, checked, actor) -> Acceptance:
    acceptance = Acceptance.objects.create(
        line=state, quantity=quantity, result=result, comments=comments, created_by=actor
    )
    _attach(checked, acceptance=acceptance)
    if result == AcceptanceResult.PASSED:
        _accept_quantity(order, state, line, quantity, actor, acceptance)
    else:
        _reject_quantity(order, state, line, quantity, actor, comments, acceptance)
    return acceptance


def _complete_if_all_accepted(order, fulfilment, actor, at) -> None:
    fulfilment.refresh_from_db()
    if not fulfilment.lines.exclude(status=LS.ACCEPTED).exists():
        _order_accept(order=order, fulfilment=fulfilment, actor=actor, at=at)


def _accept_quantity(order, state, line, quantity, actor, acceptance) -> None:
    accepted = state.accepted + quantity
    remaining_waiting = state.awaiting_inspection - quantity
    if accepted == state.ordered:
        to, kind = LS.ACCEPTED, "accepted_line"
    elif remaining_waiting > 0:
        to, kind = LS.DELIVERED, "accepted_part"
    else:
        # nothing left to inspect: back with the vendor, to replace what failed since its last
        # delivery (验收不合格), or simply to deliver the rest
        to, kind = (LS.REJECTED if _failed_since_last_delivery(state) else LS.PENDING), "accepted_part"
    _line_move(
        state,
        to=to,
        kind=kind,
        actor=actor,
        note=f"{line.title} 验收合格 {quantity}（累计 {accepted}/{state.ordered}）"
        + (f"：{acceptance.comments}" if acceptance.comments else ""),
        accepted=accepted,
    )
    # Oscar's own record of the line: a shipping event "已验收" with the accepted quantity
    event_type, _ = ShippingEventType.objects.get_or_create(
        code=ACCEPTED_EVENT_TYPE[0], defaults={"name": ACCEPTED_EVENT_TYPE[1]}
    )
    event = ShippingEvent.objects.create(
        order=order, event_type=event_type, notes=f"履约验收合格 {quantity}（{actor.get_username()}）"
    )
    ShippingEventQuantity.objects.create(event=event, line=line, quantity=quantity)


def _failed_since_last_delivery(state: LineFulfilment) -> bool:
    last = FulfilmentEvent.objects.filter(line=state, kind="delivered").order_by("-pk").first()
    later = FulfilmentEvent.objects.filter(line=state, kind="rejected")
    return (later.filter(pk__gt=last.pk) if last else later).exists()


def _reject_quantity(order, state, line, quantity, actor, comments, acceptance) -> None:
    remaining_waiting = state.awaiting_inspection - quantity
    _line_move(
        state,
        to=LS.DELIVERED if remaining_waiting > 0 else LS.REJECTED,
        kind="rejected",
        actor=actor,
        note=f"{line.title} 验收不合格 {quantity}：{comments}",
        rejected=state.rejected + quantity,
    )
    from shop.buyers.notify import tell

    tell(
        users=_vendor_users(line.partner_id),
        subject=f"订单 {order.number} 验收不合格，请重新交付",
        body=f"采购方验收订单 {order.number} 的“{line.title}”时，{quantity} 件/项不合格。原因：{comments}",
        path=_site_path("dashboard:fulfilment-detail", order.number),
        key=f"fulfilment-rejected:{acceptance.pk}",
    )


def _order_accept(*, order, fulfilment: Fulfilment, actor, at: datetime) -> None:
    """Every line is accepted in full: the order is accepted (once, under the lock), its
    payment becomes due and the Oscar order and an OEM order follow."""
    transition(
        obj=fulfilment,
        to=FS.ACCEPTED,
        allowed=ORDER_MOVES,
        labels=ORDER_LABELS,
        event_model=FulfilmentEvent,
        event_fk="fulfilment",
        actor=actor,
        note=f"订单 {order.number} 全部订单行验收合格。",
        kind="order_accepted",
        extra_updates={"accepted_at": at, "accepted_by": actor},
    )
    from shop.payments import services as payments

    payments.payable_open(order=order, accepted_at=at, actor=actor)
    order.refresh_from_db()
    if order.status in COMPLETABLE_STATUSES and ORDER_COMPLETED in settings.OSCAR_ORDER_STATUS_PIPELINE.get(
        order.status, ()
    ):
        payments.order_status_move(order=order, to=ORDER_COMPLETED, actor=actor, note="履约验收完成。")
    oem = getattr(order, "oem_order", None) if _has_oem(order) else None
    if oem is not None:
        from shop.oem.services import oem_order_accepted

        oem_order_accepted(order=oem, actor=actor)
    from shop.buyers.notify import tell

    for partner_id in sorted({pid for pid in order.lines.values_list("partner_id", flat=True) if pid}):
        tell(
            users=_vendor_users(partner_id),
            subject=f"订单 {order.number} 已验收合格",
            body=f"采购方已完成订单 {order.number} 的履约验收，全部订单行合格。",
            path=_site_path("dashboard:fulfilment-detail", order.number),
            key=f"fulfilment-accepted:{fulfilment.pk}",
        )


def _has_oem(order) -> bool:
    from shop.oem.models import OemOrder

    return OemOrder.objects.filter(oscar_order_id=order.pk).exists()


# --- OEM: the shipped milestone is the delivery ---------------------------------------------------


def oem_shipped_deliver(*, oem_order, actor, note: str = "") -> list[Delivery]:
    """An OEM order reached 已发货: its shop order's lines are delivered in full (what is still
    deliverable), to be accepted like any other delivery. Safe to call twice."""
    if oem_order.oscar_order_id is None:
        return []
    order = Order.objects.select_for_update().get(pk=oem_order.oscar_order_id)
    fulfilment = _locked_fulfilment(order)
    if fulfilment.status == FS.ACCEPTED:
        return []
    out = []
    for state in (
        LineFulfilment.objects.select_for_update().filter(fulfilment=fulfilment).select_related("line")
    ):
        if state.deliverable <= 0 or state.status in (LS.DELIVERED, LS.ACCEPTED):
            continue
        out.append(
            _deliver(
                order=order,
                line=state.line,
                actor=actor,
                kind=DeliveryKind.SHIPMENT,
                quantity=state.deliverable,
                carrier="OEM 发货",
                tracking_number=oem_order.number,
                description=(note or "").strip()[:MAX_TEXT],
                checked=[],
            )
        )
    return out
