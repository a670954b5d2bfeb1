"""Writes for paying orders: recording a stage as paid (Oscar Source + PaymentEvent), bank
transfer slips and their confirmation, Stripe card payments and webhook events, invoice
requests and issued invoices, unpaid-order reminders and cancellation.

Every state change goes through ``shop.core.transitions.transition`` (row lock, allowed-moves
check, one PaymentAuditEvent)."""

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.signals import order_status_changed
from oscar.core.loading import get_model

from shop.buyers.models import INVOICE_FIELDS
from shop.core.enqueue import enqueue_on_commit, sweep_enqueue
from shop.core.exceptions import Conflict, DomainError, IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.core.mail import mail_queue
from shop.core.money import CENT, q2, rmb
from shop.core.tax import is_vat_rate
from shop.core.transitions import transition
from shop.core.uploads import check_upload
from shop.core.validators import validate_invoice_wish

from . import gateway, selectors
from .models import (
    MAX_AMOUNT,
    BankTransfer,
    InvoiceRequest,
    IssuedInvoice,
    OrderOrigin,
    OrderSource,
    PaymentAuditEvent,
    PaymentReminder,
    PaymentStage,
    PayMethod,
    SellerPaymentProfile,
    Settlement,
    StripeEvent,
    StripePayment,
    VendorBankAccount,
)

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
OrderStatusChange = get_model("order", "OrderStatusChange")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")

ORDER_PAID = "已付款"
ORDER_PART_PAID = "部分付款"
ORDER_CANCELLED = "已取消"
ORDER_AWAITING = "待付款"
ORDER_AWAITING_APPROVAL = "待审批"
ORDER_IN_FULFILMENT = "履约中"
ORDER_COMPLETED = "已完成"

STAGE_MOVES = {PaymentStage.Status.DUE: {PaymentStage.Status.PAID, PaymentStage.Status.CANCELLED}}
TRANSFER_MOVES = {
    BankTransfer.Status.SUBMITTED: {BankTransfer.Status.CONFIRMED, BankTransfer.Status.REJECTED}
}
_S = StripePayment.Status
ATTEMPT_MOVES = {
    _S.PENDING: {_S.REQUIRES_ACTION, _S.PROCESSING, _S.SUCCEEDED, _S.FAILED},
    _S.REQUIRES_ACTION: {_S.PROCESSING, _S.SUCCEEDED, _S.FAILED},
    _S.PROCESSING: {_S.SUCCEEDED, _S.FAILED},
    # a PaymentIntent that failed can still be paid with another method (Stripe.js retries)
    _S.FAILED: {_S.REQUIRES_ACTION, _S.PROCESSING, _S.SUCCEEDED},
}
EVENT_MOVES = {
    StripeEvent.Status.RECEIVED: {
        StripeEvent.Status.PROCESSED,
        StripeEvent.Status.IGNORED,
        StripeEvent.Status.FLAGGED,
    }
}
SLIP_KINDS = {"pdf", "png", "jpeg"}
INVOICE_FILE_KINDS = {"pdf", "png", "jpeg"}

SOURCE_TYPES = {
    PayMethod.BANK_TRANSFER: ("bank-transfer", "对公转账"),
    PayMethod.STRIPE: ("stripe", "在线支付（Stripe）"),
}


def _order_moves() -> dict[str, set[str]]:
    return {k: set(v) for k, v in settings.OSCAR_ORDER_STATUS_PIPELINE.items()}


def _audit(*, actor=None, kind: str, note: str = "", **subject) -> PaymentAuditEvent:
    return PaymentAuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, kind=kind, note=note, **subject
    )


ACCOUNT_MOVES = {
    VendorBankAccount.Status.SUBMITTED: {VendorBankAccount.Status.VERIFIED, VendorBankAccount.Status.REJECTED}
}

_MOVES = {
    VendorBankAccount: (ACCOUNT_MOVES, "bank_account"),
    PaymentStage: (STAGE_MOVES, "stage"),
    BankTransfer: (TRANSFER_MOVES, "transfer"),
    StripePayment: (ATTEMPT_MOVES, "stripe_payment"),
    StripeEvent: (EVENT_MOVES, "stripe_event"),
}


def _move(obj, to: str, *, kind: str, actor=None, note: str = "", extra: dict | None = None):
    """``transition`` for the payment models: their allowed moves, labels and audit link."""
    allowed, fk = _MOVES[type(obj)]
    return transition(
        obj=obj,
        to=to,
        allowed=allowed,
        labels=dict(type(obj).Status.choices),
        event_model=PaymentAuditEvent,
        event_fk=fk,
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


# --- order status ------------------------------------------------------------------------------


def order_status_move(*, order, to: str, actor=None, note: str = "", kind: str = "order_status"):
    """Move an Oscar order along OSCAR_ORDER_STATUS_PIPELINE: guarded and audited, with Oscar's
    own line cascade, OrderStatusChange row and ``order_status_changed`` signal.

    部分付款 / 已付款 are reached only when the recorded payment stages justify them
    (``selectors.order_payment_status``): no caller, the dashboard included, can mark an order
    paid without the money."""
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        old = current.status
        if to in selectors.PAYMENT_ORDER_STATUSES and to != old:
            justified = selectors.order_payment_status(current)
            if justified != to:
                raise DomainError(
                    _(
                        "订单款项不支持变更为“%(to)s”：已收 %(paid)s，应付 %(total)s。"
                        "收款须在“收款与发票”中确认到账或在线支付，订单状态会随之自动更新。"
                    )
                    % {
                        "to": to,
                        "paid": rmb(selectors.order_paid_total(current)),
                        "total": rmb(current.total_incl_tax),
                    }
                )
        locked = transition(
            obj=order,
            to=to,
            allowed=_order_moves(),
            labels={},
            event_model=PaymentAuditEvent,
            event_fk="order",
            actor=actor,
            note=note,
            kind=kind,
        )
        line_status = settings.OSCAR_ORDER_STATUS_CASCADE.get(to)
        if line_status:
            for line in locked.lines.all():
                if line.status != line_status:
                    line.status = line_status
                    line.save(update_fields=["status"])
        OrderStatusChange.objects.create(order=locked, old_status=old, new_status=to)
        if to == ORDER_CANCELLED:
            _order_cancelled_release(order=locked, actor=actor, note=note)
        order_status_changed.send(sender=locked, order=locked, old_status=old, new_status=to)
    return locked


def _order_cancelled_release(*, order, actor, note: str) -> None:
    """A cancelled order holds nothing of its unit's budget: an approval still waiting for it
    ends, and what its commitments still hold is released (both do nothing when done already)."""
    from shop.buyers.services import approval_cancel, budget_release_for_order

    reason = note or _("订单已取消")
    approval_cancel(kind="order", subject_id=order.pk, actor=actor, reason=reason)
    budget_release_for_order(order=order, actor=actor, note=reason)


def order_status_change(*, order, to: str, actor, note: str = "") -> "Order":
    """An operator changes an order's status by hand (Oscar's order dashboard, one order or a
    batch). Same guard and audit as every other move (``order_status_move``); cancelling also
    cancels the stages still due, so nothing stays payable on a cancelled order."""
    to = (to or "").strip()
    if not to or to not in settings.OSCAR_ORDER_STATUS_PIPELINE:
        raise DomainError(_("请选择有效的订单状态。"))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == to:
            raise DomainError(_("订单 %(n)s 已是“%(s)s”状态。") % {"n": locked.number, "s": to})
        if ORDER_IN_FULFILMENT in (locked.status, to) and to != ORDER_CANCELLED:
            # the payable opens with its due date only through 履约验收 (payable_open)
            raise DomainError(
                _("订单 %(n)s 为验收后付款：履约验收合格后系统自动转为待付款，不能手工变更。")
                % {"n": locked.number}
            )
        if to == ORDER_CANCELLED and to in settings.OSCAR_ORDER_STATUS_PIPELINE.get(locked.status, ()):
            reason = note or _("平台运营取消订单。")
            for stage in locked.payment_stages.filter(status=PaymentStage.Status.DUE):
                _move(stage, PaymentStage.Status.CANCELLED, kind="stage_cancelled", actor=actor, note=reason)
        locked = order_status_move(order=locked, to=to, actor=actor, note=note, kind="order_status_manual")
    return locked


# --- recording a paid stage -------------------------------------------------------------------


def _source_type(method: str):
    code, name = SOURCE_TYPES[method]
    st = SourceType.objects.filter(code=code).first()
    return st or SourceType.objects.create(code=code, name=name)


def _paid_event_type():
    et = PaymentEventType.objects.filter(Q(code="paid") | Q(name="已收款")).first()
    return et or PaymentEventType.objects.create(code="paid", name="已收款")


def _record_receipt(*, order, method: str, amount: Decimal, reference: str) -> None:
    """Money that arrived, on the Oscar order: its Source (allocated + debited) and a PaymentEvent."""
    source = Source.objects.filter(order=order, source_type=_source_type(method)).first()
    if source is None:
        source = Source.objects.create(
            order=order,
            source_type=_source_type(method),
            currency=order.currency,
            label=str(PayMethod(method).label),
        )
    source.allocate(amount, reference=reference, status="success")
    source.debit(amount, reference=reference, status="success")
    PaymentEvent.objects.create(
        order=order, amount=amount, reference=reference[:128], event_type=_paid_event_type()
    )
    # the buying unit's budget: what the order committed becomes spent as the money arrives
    from shop.buyers.services import budget_spend_for_order

    budget_spend_for_order(order=order, amount=amount)


def stage_mark_paid(
    *,
    stage: PaymentStage,
    method: str,
    reference: str,
    actor=None,
    note: str = "",
    amount: Decimal | None = None,
) -> PaymentStage:
    """Mark ``stage`` paid and record the money received now (``amount``, by default what is
    still outstanding on it) on the Oscar order (Source + PaymentEvent), then move the order to
    部分付款 / 已付款. Raises IllegalTransition if the stage is not due."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=stage.order_id)
        if amount is None:
            amount = selectors.stage_outstanding(PaymentStage.objects.get(pk=stage.pk))
        stage = _move(
            stage,
            PaymentStage.Status.PAID,
            kind=f"paid_{method}",
            actor=actor,
            note=note or reference,
            extra={"paid_at": timezone.now(), "paid_via": method},
        )
        _record_receipt(order=order, method=method, amount=amount, reference=reference)
        remaining = order.payment_stages.exclude(pk=stage.pk).filter(status=PaymentStage.Status.DUE)
        target = ORDER_PART_PAID if remaining.exists() else ORDER_PAID
        if order.status != target:
            order_status_move(order=order, to=target, actor=actor, note=f"{stage.label} 已收款")
        if target == ORDER_PAID and _accepted(order):
            # paid after 履约验收: nothing is left to do on the order
            order_status_move(order=order, to=ORDER_COMPLETED, actor=actor, note="已验收并付清。")
    return stage


def _accepted(order) -> bool:
    from shop.fulfilment.selectors import order_accepted

    return order_accepted(order)


MSG_AWAITING_APPROVAL = "订单正在等待本单位审批，审批通过后才能付款。"


def _ensure_payable(stage: PaymentStage) -> None:
    order = stage.order
    if order.status == ORDER_AWAITING_APPROVAL:
        raise Conflict(MSG_AWAITING_APPROVAL)
    if stage.status != PaymentStage.Status.DUE:
        raise DomainError(_("该款项当前为“%(s)s”，无需支付。") % {"s": stage.get_status_display()})
    if order.status not in selectors.PAYABLE_ORDER_STATUSES:
        raise DomainError(_("订单当前状态为“%(s)s”，不能付款。") % {"s": order.status})
    nxt = selectors.payable_stage(order)
    if nxt is None or nxt.pk != stage.pk:
        raise DomainError(_("请先支付“%(label)s”。") % {"label": nxt.label if nxt else ""})


def checked_amount(value, *, label: str, allow_zero: bool = False) -> Decimal:
    """A money figure from outside (form, API, task) as Decimal with two places, between
    MIN_AMOUNT (0.00 with ``allow_zero``) and MAX_AMOUNT; anything else (NaN, 1e-9, 10^30,
    text) is a DomainError."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(_("%(label)s不是有效的金额。") % {"label": label})
    if amount > MAX_AMOUNT:
        raise DomainError(_("%(label)s不能超过 %(max)s。") % {"label": label, "max": rmb(MAX_AMOUNT)})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(
            (_("%(label)s不能为负。") if allow_zero else _("%(label)s必须大于零。")) % {"label": label}
        )
    if amount != amount.quantize(CENT):  # 0 <= amount <= MAX_AMOUNT here: quantize cannot overflow
        raise DomainError(_("%(label)s最多保留两位小数（精确到分）。") % {"label": label})
    return q2(amount)


def _ensure_buyer(order, user, action: str = "orders.pay") -> None:
    """Who may pay (``orders.pay``) or handle invoices (``invoices.handle``) of an order: for a
    buying unit's order, a member of that unit with the role (财务); for an order without a
    unit, the buyer who placed it. Someone outside the unit is told the order does not exist."""
    from shop.buyers.access import refusal

    if not (user and user.is_authenticated):
        raise PermissionDenied(_("只能为自己的订单付款。"))
    unit_id = selectors.order_unit_id(order)
    if unit_id is None:
        if order.user_id != user.pk:
            raise PermissionDenied(_("只能为自己的订单付款。"))
        return
    if not selectors.buyer_may(user, order, "orders.view", fresh=True):
        raise NotFound(_("订单不存在。"))
    if not selectors.buyer_may(user, order, action, fresh=True):
        raise PermissionDenied(refusal(action))


# --- bank transfer (对公转账) ----------------------------------------------------------------


def bank_transfer_submit(
    *,
    stage: PaymentStage,
    user,
    payer_name: str,
    amount: Decimal,
    remitted_on: date,
    slip,
    note: str = "",
) -> BankTransfer:
    """The buyer uploads the remittance slip for the stage it pays next."""
    _ensure_buyer(stage.order, user)
    checked = check_upload(slip, allowed=SLIP_KINDS)
    with transaction.atomic():
        stage = PaymentStage.objects.select_for_update().select_related("order").get(pk=stage.pk)
        _ensure_payable(stage)
        if selectors.pending_transfer(stage):
            raise DomainError(_("该款项已提交汇款凭证，正在等待确认到账，请勿重复提交。"))
        amount = checked_amount(amount, label=_("汇款金额"))
        transfer = BankTransfer.objects.create(
            order=stage.order,
            stage=stage,
            payer_name=payer_name.strip(),
            amount=q2(amount),
            remitted_on=remitted_on,
            slip=slip,
            slip_name=checked.display_name,
            slip_kind=checked.kind,
            note=note.strip(),
            uploaded_by=user,
        )
        _audit(
            actor=user,
            kind="transfer_submitted",
            transfer=transfer,
            to_status=BankTransfer.Status.SUBMITTED,
            note=f"{payer_name} ¥{q2(amount)} {remitted_on:%Y-%m-%d}",
        )
    return transfer


def _ensure_can_confirm(user, order) -> None:
    from shop.core.access import is_operator

    if not selectors.can_confirm_receipt(user, order):
        if selectors.order_is_mall_sale(order):
            raise PermissionDenied(_("商城自营订单的到账由平台运营确认。"))
        if is_operator(user):
            raise PermissionDenied(
                _("供应商的货款直接汇入供应商自己的对公账户，到账由供应商确认，平台不代收、不确认。")
            )
        raise PermissionDenied(_("该订单包含其他销售方的商品，本供应商不能确认整笔到账。"))


@dataclass(frozen=True)
class ConfirmResult:
    transfer: BankTransfer
    changed: bool
    # what is still missing on the stage after this receipt (0.00: the stage is paid)
    shortfall: Decimal = Decimal("0.00")


def bank_transfer_confirm(
    *, transfer: BankTransfer, actor, received_amount: Decimal, note: str = ""
) -> ConfirmResult:
    """The vendor or an operator confirms what arrived on the account (``received_amount``,
    read off the bank statement, not the buyer's slip) and it is compared with what is still
    due on the stage:

    - equal: the stage is paid (and the order moves to 部分付款 / 已付款);
    - less: the receipt is recorded, the stage stays due with the difference open (还差 ¥x;
      the buyer uploads a slip for the rest and that one is confirmed the same way);
    - more: refused. The mall never books money beyond what a stage asks for: an overpayment
      is the buyer's money, to be returned, not credited to a later stage. The confirming party
      enters the amount due once the excess is settled with the buyer.

    Confirming an already confirmed slip changes nothing."""
    _ensure_can_confirm(actor, transfer.order)
    received = checked_amount(received_amount, label=_("实收金额"))
    with transaction.atomic():
        locked = BankTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status == BankTransfer.Status.CONFIRMED:
            return ConfirmResult(transfer=locked, changed=False)
        stage = PaymentStage.objects.select_for_update().get(pk=locked.stage_id)
        if stage.status != PaymentStage.Status.DUE:
            raise DomainError(
                _("该款项已是“%(s)s”状态，不能再确认此凭证；如为重复汇款，请驳回并安排退款。")
                % {"s": stage.get_status_display()}
            )
        outstanding = selectors.stage_outstanding(stage)
        if received > outstanding:
            raise DomainError(
                _(
                    "实收金额 %(got)s 超过该款项尚需支付的 %(due)s，不能确认。"
                    "多付的款项请与采购方核对后退回，再按应收金额确认。"
                )
                % {"got": rmb(received), "due": rmb(outstanding)}
            )
        shortfall = outstanding - received
        locked = _move(
            locked,
            BankTransfer.Status.CONFIRMED,
            kind="transfer_short" if shortfall else "transfer_confirmed",
            actor=actor,
            note=_("实收 %(got)s，还差 %(left)s") % {"got": rmb(received), "left": rmb(shortfall)}
            if shortfall
            else note,
            extra={**_reviewed(actor, note), "received_amount": received},
        )
        reference = f"{selectors.payment_reference(stage)} 凭证#{locked.pk} ¥{received}"
        if shortfall:
            _record_receipt(
                order=stage.order, method=PayMethod.BANK_TRANSFER, amount=received, reference=reference
            )
        else:
            stage_mark_paid(
                stage=stage,
                method=PayMethod.BANK_TRANSFER,
                reference=reference,
                actor=actor,
                note=note,
                amount=received,
            )
    return ConfirmResult(transfer=locked, changed=True, shortfall=shortfall)


def _reviewed(actor, note: str) -> dict:
    return {"reviewed_by": actor, "reviewed_at": timezone.now(), "review_note": note[:200]}


def bank_transfer_reject(*, transfer: BankTransfer, actor, note: str) -> BankTransfer:
    """Not received (or wrong slip): the buyer may upload again."""
    _ensure_can_confirm(actor, transfer.order)
    if not (note or "").strip():
        raise DomainError(_("请填写驳回原因，方便采购方核对。"))
    note = note.strip()
    return _move(
        transfer,
        BankTransfer.Status.REJECTED,
        kind="transfer_rejected",
        actor=actor,
        note=note,
        extra=_reviewed(actor, note),
    )


# --- Stripe -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardDetails:
    number: str
    exp_month: int
    exp_year: int
    cvc: str


def _stage_metadata(stage: PaymentStage, attempt: StripePayment) -> dict:
    return {
        "order_number": stage.order.number,
        "stage_id": str(stage.pk),
        "stage_sequence": str(stage.sequence),
        "attempt": str(attempt.attempt),
    }


def stripe_attempt_start(*, stage: PaymentStage, user, token: str) -> StripePayment:
    """The attempt row for this form submission (``token``), created before Stripe is called.

    The same token always gives the same row, hence the same idempotency keys: a resubmitted
    form or a retried request cannot create a second PaymentIntent."""
    _ensure_buyer(stage.order, user)
    token = (token or "").strip()[:64]
    if not token:
        raise DomainError(_("页面已过期，请刷新后重试。"))
    payee = selectors.card_payee(stage.order)
    if not selectors.stage_within_card_limit(stage):
        raise DomainError(
            _("该款项金额超过在线支付单笔上限（¥%(max)s），请使用对公转账或分期付款。")
            % {"max": selectors.STRIPE_MAX_CHARGE}
        )
    with transaction.atomic():
        stage = PaymentStage.objects.select_for_update().select_related("order").get(pk=stage.pk)
        existing = StripePayment.objects.filter(stage=stage, client_token=token).first()
        if existing:
            return existing
        _ensure_payable(stage)
        if not payee.allowed:  # never a vendor's money on the mall's Stripe account (二清)
            raise DomainError(payee.reason)
        if selectors.pending_transfer(stage):
            raise DomainError(_("该款项已提交对公转账凭证，正在等待确认到账，请勿重复付款。"))
        if selectors.stage_received(stage) > 0:
            raise DomainError(
                _("该款项已部分到账，还差 %(left)s，请继续通过对公转账补足。")
                % {"left": rmb(selectors.stage_outstanding(stage))}
            )
        n = (stage.stripe_payments.aggregate(m=Max("attempt"))["m"] or 0) + 1
        attempt = StripePayment.objects.create(
            order=stage.order,
            stage=stage,
            attempt=n,
            client_token=token,
            idempotency_key=f"xh-{stage.order.number}-{stage.sequence}-{n}",
            stripe_account=payee.stripe_account,
            amount=stage.amount,
            currency=stage.order.currency or "CNY",
            created_by=user,
        )
        _audit(actor=user, kind="stripe_attempt", stripe_payment=attempt, note=attempt.idempotency_key)
    return attempt


def _attempt_move(attempt: StripePayment, to: str, *, note: str = "", actor=None, **extra) -> StripePayment:
    current = StripePayment.objects.get(pk=attempt.pk)
    if current.status == to:
        return current
    return _move(current, to, kind="stripe_status", actor=actor, note=note, extra=extra or None)


def _intent_matches(amount: Decimal, currency: str, intent: gateway.Intent) -> str:
    """'' when the PaymentIntent is for exactly this amount and currency, else the reason."""
    expected = gateway.amount_to_fen(amount)
    if intent.amount_fen != expected or intent.currency.upper() != currency.upper():
        return _("金额或币种与订单不符：Stripe %(got)s %(cur)s，应付 %(exp)s %(ecur)s") % {
            "got": gateway.fen_to_amount(intent.amount_fen),
            "cur": intent.currency.upper(),
            "exp": q2(amount),
            "ecur": currency.upper(),
        }
    return ""


def stripe_intent_apply(*, attempt: StripePayment, intent: gateway.Intent, actor=None) -> StripePayment:
    """Bring the attempt (and, on success, the stage) in line with the PaymentIntent's state.
    Safe to call any number of times (page return, 3-D Secure, webhook)."""
    with transaction.atomic():
        attempt = (
            StripePayment.objects.select_for_update().select_related("stage", "order").get(pk=attempt.pk)
        )
        if attempt.status == _S.SUCCEEDED:
            return attempt
        if intent.status == "succeeded":
            stage = PaymentStage.objects.select_for_update().get(pk=attempt.stage_id)
            mismatch = _intent_matches(stage.amount, attempt.order.currency or "CNY", intent)
            if mismatch:
                attempt.flagged = mismatch[:300]
                attempt.save(update_fields=["flagged", "updated_at"])
                _audit(kind="stripe_flagged", stripe_payment=attempt, note=mismatch)
                return attempt
            attempt = _attempt_move(attempt, _S.SUCCEEDED, note=intent.id, actor=actor)
            # a transfer confirmed short while this card payment was under way: the card paid the
            # whole stage, so the earlier receipt is an overpayment an operator must return
            received_before = selectors.stage_received(stage)
            try:
                with transaction.atomic():
                    stage_mark_paid(
                        stage=stage,
                        method=PayMethod.STRIPE,
                        reference=f"{selectors.payment_reference(stage)} {intent.id}",
                        actor=actor,
                        amount=stage.amount,
                    )
                if received_before:
                    reason = _(
                        "该款项已对公转账到账 %(got)s，又在线全额付款 %(pi)s，需人工核对并退还多收款项。"
                    ) % {
                        "got": rmb(received_before),
                        "pi": intent.id,
                    }
                    attempt.flagged = reason[:300]
                    attempt.save(update_fields=["flagged", "updated_at"])
                    _audit(kind="stripe_flagged", stripe_payment=attempt, note=reason)
            except IllegalTransition:
                reason = _("款项已是“%(s)s”状态时又收到在线付款 %(pi)s，需人工核对并退款。") % {
                    "s": stage.get_status_display(),
                    "pi": intent.id,
                }
                attempt.flagged = reason[:300]
                attempt.save(update_fields=["flagged", "updated_at"])
                _audit(kind="stripe_flagged", stripe_payment=attempt, note=reason)
            return attempt
        if intent.status == "requires_action":
            return _attempt_move(attempt, _S.REQUIRES_ACTION, note=intent.id)
        if intent.status == "processing":
            return _attempt_move(attempt, _S.PROCESSING, note=intent.id)
        if intent.status == "canceled" or (intent.status == "requires_payment_method" and intent.error_code):
            message = gateway.decline_message(intent.error_code) if intent.error_code else _("支付未完成。")
            return _attempt_move(attempt, _S.FAILED, note=message, last_error=message[:300])
        return attempt


def _attempt_failed(attempt: StripePayment, message: str) -> StripePayment:
    return _attempt_move(attempt, _S.FAILED, note=message, last_error=message[:300])


def stripe_card_pay(
    *,
    stage: PaymentStage,
    user,
    token: str,
    card: CardDetails | None = None,
    payment_method_id: str = "",
) -> StripePayment:
    """Pay ``stage`` by card: PaymentMethod (server-side only against localstripe), then a
    PaymentIntent created with it and confirmed. Returns the attempt (succeeded or
    requires_action); raises DomainError with a Chinese message when the card is declined.

    Runs outside the request transaction: Stripe is never called while a row is locked."""
    attempt = stripe_attempt_start(stage=stage, user=user, token=token)
    if attempt.status in {_S.SUCCEEDED, _S.REQUIRES_ACTION, _S.PROCESSING}:
        return attempt
    if attempt.status == _S.FAILED:
        raise DomainError(attempt.last_error or _("本次支付未成功，请刷新页面后重试。"))
    key = attempt.idempotency_key
    try:
        if card is not None:
            payment_method_id = gateway.create_card_payment_method(
                number=card.number,
                exp_month=card.exp_month,
                exp_year=card.exp_year,
                cvc=card.cvc,
                idempotency_key=f"{key}-pm",
                stripe_account=attempt.stripe_account,
            )
        if not payment_method_id:
            raise DomainError(_("请填写银行卡信息。"))
        if not attempt.payment_intent_id:
            intent = gateway.create_payment_intent(
                amount=attempt.amount,
                currency=attempt.currency,
                payment_method=payment_method_id,
                metadata=_stage_metadata(attempt.stage, attempt),
                idempotency_key=f"{key}-pi",
                stripe_account=attempt.stripe_account,
            )
            StripePayment.objects.filter(pk=attempt.pk).update(payment_intent_id=intent.id)
            attempt.refresh_from_db()
        intent = gateway.confirm_payment_intent(
            intent_id=attempt.payment_intent_id,
            idempotency_key=f"{key}-confirm",
            stripe_account=attempt.stripe_account,
        )
    except gateway.CardDeclined as exc:
        _attempt_failed(attempt, exc.message)
        raise DomainError(exc.message) from exc
    except gateway.GatewayError:
        raise
    return stripe_intent_apply(attempt=attempt, intent=intent, actor=user)


def stripe_authenticate(*, attempt: StripePayment, user, success: bool) -> StripePayment:
    """Finish 3-D Secure on the local test server (the simulated bank page)."""
    _ensure_buyer(attempt.order, user)
    if attempt.status != _S.REQUIRES_ACTION:
        return attempt
    try:
        intent = gateway.simulate_authentication(
            intent_id=attempt.payment_intent_id, success=success, stripe_account=attempt.stripe_account
        )
    except gateway.CardDeclined as exc:
        _attempt_failed(attempt, exc.message)
        raise DomainError(exc.message) from exc
    attempt = stripe_intent_apply(attempt=attempt, intent=intent, actor=user)
    if attempt.status == _S.FAILED:
        raise DomainError(attempt.last_error)
    return attempt


def stripe_intent_prepare(*, stage: PaymentStage, user, token: str) -> tuple[StripePayment, str]:
    """Stripe.js mode: a PaymentIntent without a payment method for the Payment Element;
    returns the attempt and the client secret the browser confirms with. An unfinished
    PaymentIntent of the stage is reused (a reload does not make a new one)."""
    _ensure_buyer(stage.order, user)
    for open_attempt in stage.stripe_payments.exclude(payment_intent_id=None).exclude(status=_S.SUCCEEDED)[
        :1
    ]:
        intent = gateway.retrieve_payment_intent(
            open_attempt.payment_intent_id, stripe_account=open_attempt.stripe_account
        )
        if intent.status in {"requires_payment_method", "requires_confirmation", "requires_action"}:
            return open_attempt, intent.client_secret
    attempt = stripe_attempt_start(stage=stage, user=user, token=token)
    if not attempt.payment_intent_id:
        intent = gateway.create_payment_intent(
            amount=attempt.amount,
            currency=attempt.currency,
            metadata=_stage_metadata(attempt.stage, attempt),
            payment_method_types=list(settings.STRIPE_PAYMENT_METHOD_TYPES),
            idempotency_key=f"{attempt.idempotency_key}-pi",
            stripe_account=attempt.stripe_account,
        )
        StripePayment.objects.filter(pk=attempt.pk).update(payment_intent_id=intent.id)
        attempt.refresh_from_db()
    else:
        intent = gateway.retrieve_payment_intent(
            attempt.payment_intent_id, stripe_account=attempt.stripe_account
        )
    return attempt, intent.client_secret


def stripe_payment_sync(*, attempt: StripePayment, actor=None) -> StripePayment:
    """Read the PaymentIntent back from Stripe and apply it (the return page after Stripe.js)."""
    if not attempt.payment_intent_id or attempt.status == _S.SUCCEEDED:
        return attempt
    return stripe_intent_apply(
        attempt=attempt,
        intent=gateway.retrieve_payment_intent(
            attempt.payment_intent_id, stripe_account=attempt.stripe_account
        ),
        actor=actor,
    )


# --- Stripe webhooks ----------------------------------------------------------------------------


def stripe_event_receive(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify and store a webhook event by its id (first write wins), then enqueue processing.
    Raises gateway.WebhookSignatureInvalid. A replayed or duplicated event changes nothing."""
    event = gateway.construct_event(payload, signature)
    obj = (event.get("data") or {}).get("object") or {}
    pi_id = obj.get("id", "") if obj.get("object") == "payment_intent" else obj.get("payment_intent") or ""
    try:
        with transaction.atomic():
            stored, created = StripeEvent.objects.get_or_create(
                event_id=event["id"],
                defaults={
                    "type": str(event["type"])[:80],
                    "payment_intent_id": str(pi_id or "")[:64],
                    "payload": payload.decode("utf-8"),
                },
            )
    except IntegrityError:
        stored, created = StripeEvent.objects.get(event_id=event["id"]), False
    if created:
        from .tasks import process_stripe_event

        enqueue_on_commit(process_stripe_event, stored.pk)
    return stored, created


def _event_outcome(event: StripeEvent) -> tuple[str, str]:
    data = json.loads(event.payload)
    obj = (data.get("data") or {}).get("object") or {}
    if event.type not in {"payment_intent.succeeded", "payment_intent.payment_failed"}:
        return StripeEvent.Status.IGNORED, _("无需处理的事件类型。")
    intent = gateway.Intent(
        id=obj.get("id", ""),
        status=obj.get("status")
        or ("succeeded" if event.type.endswith("succeeded") else "requires_payment_method"),
        amount_fen=int(obj.get("amount") or 0),
        currency=(obj.get("currency") or "").upper(),
        metadata=dict(obj.get("metadata") or {}),
        error_code=((obj.get("last_payment_error") or {}).get("code") or ""),
    )
    attempt = StripePayment.objects.filter(payment_intent_id=intent.id).select_related("stage").first()
    if attempt is None:
        order_number = intent.metadata.get("order_number", "")
        if order_number and Order.objects.filter(number=order_number).exists():
            note = _("PaymentIntent %(pi)s 声称属于订单 %(n)s，但不是本系统创建的，未记账。") % {
                "pi": intent.id,
                "n": order_number,
            }
            return StripeEvent.Status.FLAGGED, note
        return StripeEvent.Status.IGNORED, _("与本商城订单无关的 PaymentIntent。")
    account = data.get("account") or ""
    if account and account != attempt.stripe_account:
        note = _("事件来自 Stripe 账户 %(got)s，与该笔支付的收款账户不符，未记账。") % {"got": account}
        return StripeEvent.Status.FLAGGED, note
    if event.type == "payment_intent.payment_failed":
        if attempt.status in {_S.SUCCEEDED, _S.FAILED}:
            return StripeEvent.Status.PROCESSED, _("支付失败（已记录）。")
        message = gateway.decline_message(intent.error_code)
        _attempt_failed(attempt, message)
        return StripeEvent.Status.PROCESSED, message
    mismatch = _intent_matches(attempt.stage.amount, attempt.order.currency or "CNY", intent)
    if mismatch:
        StripePayment.objects.filter(pk=attempt.pk).update(flagged=mismatch[:300])
        _audit(kind="stripe_flagged", stripe_payment=attempt, note=mismatch)
        return StripeEvent.Status.FLAGGED, mismatch
    attempt = stripe_intent_apply(attempt=attempt, intent=intent)
    if attempt.flagged:
        return StripeEvent.Status.FLAGGED, attempt.flagged
    return StripeEvent.Status.PROCESSED, _("已记账：%(ref)s") % {"ref": attempt.idempotency_key}


def stripe_event_process(*, event_id: int) -> str:
    """Act on a stored event once; processing it again changes nothing."""
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_id)
        if event.status != StripeEvent.Status.RECEIVED:
            return event.status
        try:
            with transaction.atomic():
                outcome, note = _event_outcome(event)
        except DomainError as exc:  # e.g. a move the state machine refuses: an operator looks
            outcome, note = StripeEvent.Status.FLAGGED, exc.message
        _move(
            event,
            outcome,
            kind="stripe_event",
            note=note,
            extra={"note": note[:300], "processed_at": timezone.now()},
        )
    return outcome


def stripe_events_sweep(*, older_than_seconds: int = 60) -> list[int]:
    """Enqueue again events received but not processed (broker outage, killed worker), except
    those the task gave up on; returns their ids."""
    from .tasks import process_stripe_event

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return sweep_enqueue(
        process_stripe_event,
        StripeEvent.objects.filter(status=StripeEvent.Status.RECEIVED, received_at__lte=cutoff),
    )


# --- invoices -------------------------------------------------------------------------------------


def invoice_request_update(*, order, user, data: dict) -> InvoiceRequest:
    """The buyer states or edits the invoice it needs (the shared invoice rules:
    shop.core.validators.validate_invoice_wish; refused input changes nothing). A unit's
    order: its 财务 (``invoices.handle``)."""
    _ensure_buyer(order, user, "invoices.handle")
    if IssuedInvoice.objects.filter(order=order).exists():
        raise DomainError(_("发票已开具，开票信息不能再修改；如需更正请联系供应商。"))
    if order.status == ORDER_CANCELLED:
        raise DomainError(_("订单已取消，不能申请开票。"))
    values = {f: (data.get(f) or "") for f in INVOICE_FIELDS}
    try:
        values = validate_invoice_wish(values, issuing=True)
    except ValidationError as exc:
        fields = exc.message_dict
        raise DomainError(next(iter(fields.values()))[0], fields=fields) from exc
    with transaction.atomic():
        request, created = InvoiceRequest.objects.update_or_create(order=order, defaults=values)
        _audit(
            actor=user,
            kind="invoice_request_created" if created else "invoice_request_updated",
            order=order,
            note=f"{request.get_invoice_type_display()} {request.invoice_title}",
        )
    return request


def _invoice_number_taken(partner, number: str) -> DomainError:
    return DomainError(_("发票号码 %(n)s 已登记过（%(p)s），请核对号码。") % {"n": number, "p": partner.name})


def invoice_issue(
    *,
    order,
    actor,
    partner,
    number: str,
    issued_on: date,
    tax_rate: Decimal,
    amount: Decimal,
    tax: Decimal,
    document=None,
) -> IssuedInvoice:
    """The vendor records an invoice it issued for its own share of the order.

    The order row is locked first and the remaining amount per tax rate is read under that
    lock, so two recordings at the same moment cannot together exceed the order; the partner
    row is locked too, so a number is checked once per vendor at a time. The unique
    (partner, number) constraint stays as the last line and answers with the same message."""
    allowed = {p.pk for p in selectors.invoice_partners_for(actor, order)}
    if partner is None or partner.pk not in allowed:
        raise PermissionDenied(_("只能为本供应商在该订单中的商品登记发票。"))
    amount = checked_amount(amount, label=_("发票金额"))
    tax = checked_amount(tax, label=_("税额"), allow_zero=True)
    if not is_vat_rate(tax_rate):
        raise DomainError(_("税率只能是 13%、9%、6%、3%、1% 或 0%。"))
    tax_rate = Decimal(tax_rate).quantize(CENT)
    number = normalise_invoice_number(number)
    checked = None
    if document is not None:
        try:
            checked = check_upload(document, allowed=INVOICE_FILE_KINDS)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], fields={"document": exc.messages[0]}) from exc
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        request = InvoiceRequest.objects.filter(order=order).first()
        if request is None:
            raise DomainError(_("采购方尚未提交开票信息，请先联系采购方填写。"))
        if order.status == ORDER_CANCELLED:
            raise DomainError(_("订单已取消，不能登记发票。"))
        share = {row.rate: row for row in selectors.partner_share(order, partner.pk)}
        if tax_rate not in share:
            raise DomainError(
                _("该订单中本供应商没有税率为 %(r)s 的商品。") % {"r": f"{tax_rate * 100:.0f}%"}
            )
        if abs(q2(amount * tax_rate) - tax) > Decimal("0.05"):
            raise DomainError(_("税额与金额 × 税率不符（应约为 %(t)s）。") % {"t": rmb(amount * tax_rate)})
        already = selectors.invoiced_by_rate(order, partner.pk).get(tax_rate, Decimal("0.00"))
        if already + amount + tax > share[tax_rate].amount_incl:
            raise DomainError(
                _("价税合计超出该税率商品的订单金额（剩余可开 %(left)s）。")
                % {"left": rmb(share[tax_rate].amount_incl - already)}
            )
        if IssuedInvoice.objects.filter(partner=partner, number=number).exists():
            raise _invoice_number_taken(partner, number)
        try:
            with transaction.atomic():
                invoice = IssuedInvoice.objects.create(
                    order=order,
                    partner=partner,
                    invoice_type=request.invoice_type,
                    number=number,
                    issued_on=issued_on,
                    tax_rate=tax_rate,
                    amount=amount,
                    tax=tax,
                    created_by=actor,
                    document=document if checked else "",
                    document_name=checked.display_name if checked else "",
                    document_kind=checked.kind if checked else "",
                )
        except IntegrityError:
            raise _invoice_number_taken(partner, number) from None
        _audit(
            actor=actor,
            kind="invoice_issued",
            order=order,
            note=f"{partner.name} 发票 {number} ¥{invoice.total}",
        )
    return invoice


def normalise_invoice_number(number) -> str:
    """发票号码 as printed: 8–20 digits or letters, letters upper-cased (one number, one spelling)."""
    number = re.sub(r"\s", "", str(number or "")).upper()
    if not re.fullmatch(r"[0-9A-Z]{8,20}", number):
        raise DomainError(_("发票号码应为 8–20 位数字或字母。"))
    return number


# --- orders placed through Oscar's basket checkout ------------------------------------------------


@dataclass(frozen=True)
class DirectOrderPlan:
    """What a basket checkout's order will be for the buyer's unit, checked before it is placed:
    the unit, the budget line it is paid from, and the approval rule it waits for (if any)."""

    unit_id: int | None = None
    budget_line: object | None = None
    rule: object | None = None

    @property
    def status(self) -> str | None:
        """The order's first status: 待审批 when a rule applies (else Oscar's initial one)."""
        return ORDER_AWAITING_APPROVAL if self.rule is not None else None


def direct_order_plan(*, user, total: Decimal, category_ids=(), budget_line_id=None) -> DirectOrderPlan:
    """Check a basket checkout of ``total`` (tax included) for the buyer's unit. A buyer without
    a unit buys alone, as before. A member needs the 经办人 role (``purchases.act``), names one of
    the unit's budget lines of this year when the unit has any, and the line must still have
    ``total`` available (checked again under the line's lock when the order is placed); the
    unit's approval rules decide whether the order waits in 待审批. Raises DomainError."""
    from shop.buyers.access import member_can, membership, refusal
    from shop.buyers.services import approval_rule_for, budget_line_for_document

    member = membership(user, fresh=True)
    if member is None:
        budget_line_for_document(unit_id=None, budget_line_id=budget_line_id)
        return DirectOrderPlan()
    if not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    line = budget_line_for_document(unit_id=member.unit_id, budget_line_id=budget_line_id)
    if line is not None and line.available < total:
        raise Conflict(
            _("预算“%(name)s”可用余额 %(left)s，不足以承担本次采购 %(amount)s。")
            % {"name": line.name, "left": rmb(line.available), "amount": rmb(total)},
            fields={"budget_line": _("预算可用余额不足。")},
        )
    rule = approval_rule_for(unit_id=member.unit_id, amount=total, category_ids=category_ids)
    return DirectOrderPlan(unit_id=member.unit_id, budget_line=line, rule=rule)


def one_seller_check(*, partners) -> None:
    """One order, one seller. Each order is contracted with its seller, paid straight to that
    seller's own account (never through the mall) and invoiced by it, so a basket holding
    several sellers' goods is checked out seller by seller. Raises Invalid naming them."""
    names = sorted({p.name for p in partners if p is not None})
    if len(names) > 1:
        raise Invalid(
            _(
                "一张订单只能向一个销售方采购：采购车中有%(names)s的商品。"
                "请把其他销售方的商品点“稍后购买”移出采购车，按销售方分别结算"
                "（每张订单与该销售方签订合同、直接付款给该销售方、由该销售方开票）。"
            )
            % {"names": "、".join(names)}
        )


def direct_settlement(*, unit_id: int | None, partners) -> tuple[str, str]:
    """The settlement of a basket checkout of the unit ``unit_id`` (None: a buyer alone)."""
    from shop.buyers.models import BuyingUnit

    unit = BuyingUnit.objects.filter(pk=unit_id).first() if unit_id else None
    return selectors.settlement_for(unit=unit, partners=partners)


def order_direct_finalise(*, order, invoice: dict | None = None, plan: DirectOrderPlan | None = None) -> None:
    """A basket checkout (direct purchase at list price): one 全款 stage, origin (the buyer's
    unit and budget line), invoice request. A unit's order then either waits for the unit's
    approval (placed in 待审批 and submitted with a snapshot of its lines; the approval commits
    the budget) or commits its budget line at once. A line that cannot carry the amount any
    more (another order took it meanwhile: the line's row lock orders them) raises Conflict and
    the caller's transaction undoes the whole order."""
    plan = plan or DirectOrderPlan()
    with transaction.atomic():
        settlement, reason = direct_settlement(unit_id=plan.unit_id, partners=selectors.order_sellers(order))
        OrderOrigin.objects.get_or_create(
            order=order,
            defaults={
                "source": OrderSource.DIRECT,
                "reference": "",
                "unit_id": plan.unit_id,
                "budget_line": plan.budget_line,
                "settlement": settlement,
                "settlement_reason": reason,
            },
        )
        if not order.payment_stages.exists():
            PaymentStage.objects.create(
                order=order, sequence=1, label="全款", amount=q2(order.total_incl_tax)
            )
        if invoice and not hasattr(order, "invoice_request"):
            InvoiceRequest.objects.create(
                order=order, **{f: invoice.get(f, "") or "" for f in INVOICE_FIELDS}
            )
        _audit(actor=order.user, kind="order_placed", order=order, to_status=order.status, note="直接购买")
        order_unit_controls(order=order, plan=plan, actor=order.user)


def order_unit_controls(*, order, plan: DirectOrderPlan, actor) -> None:
    """The buying unit's rules for a placed order: submitted for the unit's approval when an
    approval rule applies (the order must wait in 待审批; the approval commits the budget), else
    its budget line (if any) committed at once. Nothing for a buyer without a unit."""
    from shop.buyers.services import approval_submit, budget_commit

    from .approvals import order_snapshot, order_title

    if plan.unit_id is None:
        return
    order = Order.objects.select_related("origin").get(pk=order.pk)
    title = order_title(order)
    if plan.rule is not None:
        if order.status != ORDER_AWAITING_APPROVAL:  # pragma: no cover - a caller's mistake
            raise IllegalTransition(_("需审批的订单应以“待审批”状态提交。"))
        approval_submit(
            unit_id=plan.unit_id,
            actor=actor,
            kind="order",
            subject_id=order.pk,
            subject_number=order.number,
            title=title,
            amount=q2(order.total_incl_tax),
            snapshot=order_snapshot(order),
            rule=plan.rule,
            budget_line=plan.budget_line,
            order=order,
        )
    elif plan.budget_line is not None:
        budget_commit(
            line=plan.budget_line,
            amount=q2(order.total_incl_tax),
            kind="order",
            number=order.number,
            title=title,
            actor=actor,
            order=order,
        )


def order_cancel_unapproved(*, order, actor=None, reason: str) -> None:
    """The unit's approval of a 待审批 order ended without approval (rejected, withdrawn): the
    order is cancelled with its due stages; the budget it held is released."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != ORDER_AWAITING_APPROVAL:
            return
        for stage in locked.payment_stages.filter(status=PaymentStage.Status.DUE):
            _move(stage, PaymentStage.Status.CANCELLED, kind="stage_cancelled", actor=actor, note=reason)
        order_status_move(
            order=locked, to=ORDER_CANCELLED, actor=actor, note=reason, kind="order_not_approved"
        )


# --- paid after acceptance: the payable, its due date, its reminders ----------------------------


def payment_due_date(accepted_on: date, term_days: int) -> date:
    """The last day to pay: the date of acceptance + ``term_days`` calendar days; when that day
    is not a working day, the next working day (《民法典》第二百零三条: a period ending on a
    法定休假日 ends on the day after the holiday)."""
    from shop.core.workdays import next_workday

    return next_workday(accepted_on + timedelta(days=term_days))


def order_term_days(order) -> int:
    """The payment term of ``order``: its contract's, else PAYMENT_TERM_DAYS."""
    contract = getattr(order, "contract", None)
    term = getattr(contract, "payment_term_days", None) if contract is not None else None
    return int(term) if term else settings.PAYMENT_TERM_DAYS


def initial_order_status(*, settlement: str) -> str:
    """Where a placed (or approved) order starts: 待付款, or 履约中 when paid after acceptance."""
    if settlement == Settlement.AFTER_ACCEPTANCE:
        return ORDER_IN_FULFILMENT
    return settings.OSCAR_INITIAL_ORDER_STATUS


def payable_open(*, order, accepted_at: datetime, actor) -> list[PaymentStage]:
    """The whole order was accepted (履约验收) at ``accepted_at``: its stages still due become
    payable with their due date (``payment_due_date`` of the local acceptance date and the
    order's term), and the order moves 履约中 → 待付款. Idempotent: a second call changes
    nothing and returns the same stages; a prepaid order (or one already paid or cancelled)
    changes nothing and returns []."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if selectors.order_settlement(locked) != Settlement.AFTER_ACCEPTANCE:
            return []
        stages = list(
            locked.payment_stages.select_for_update()
            .filter(status=PaymentStage.Status.DUE)
            .order_by("sequence")
        )
        if locked.status != ORDER_IN_FULFILMENT:
            return [s for s in stages if s.due_on is not None]
        accepted_on = timezone.localtime(accepted_at).date()
        term = order_term_days(locked)
        due_on = payment_due_date(accepted_on, term)
        for stage in stages:
            stage.accepted_at = accepted_at
            stage.due_on = due_on
            stage.save(update_fields=["accepted_at", "due_on"])
        order_status_move(
            order=locked,
            to=ORDER_AWAITING,
            actor=actor,
            note=_("履约验收合格（%(d)s），应于 %(due)s 前付款（验收后 %(n)s 天）。")
            % {"d": f"{accepted_on:%Y-%m-%d}", "due": f"{due_on:%Y-%m-%d}", "n": term},
            kind="payable_opened",
        )
    return stages


def _unit_finance_emails(order) -> list[str]:
    """The e-mail addresses of the order's unit's 财务 (orders.pay), else the buyer's."""
    from shop.buyers.access import roles_for
    from shop.buyers.models import UnitMember

    unit_id = selectors.order_unit_id(order)
    if unit_id is None:
        return [order.email] if order.email else []
    roles = roles_for("orders.pay")
    emails = [
        m.user.email
        for m in UnitMember.objects.filter(unit_id=unit_id, is_active=True).select_related("user")
        if set(m.roles) & set(roles) and m.user.email
    ]
    return emails or ([order.email] if order.email else [])


def _reminder_kind(stage: PaymentStage, today: date) -> str | None:
    if today > stage.due_on:
        return PaymentReminder.Kind.OVERDUE
    if today == stage.due_on:
        return PaymentReminder.Kind.DUE
    if today >= stage.due_on - timedelta(days=settings.PAYMENT_REMIND_DAYS_BEFORE):
        return PaymentReminder.Kind.BEFORE
    return None


_REMINDER_TEXT = {
    PaymentReminder.Kind.BEFORE: ("将于 %(due)s 到期", "付款即将到期提醒"),
    PaymentReminder.Kind.DUE: ("今天（%(due)s）到期", "付款今日到期提醒"),
    PaymentReminder.Kind.OVERDUE: ("已于 %(due)s 到期，现已逾期", "付款逾期提醒"),
}


def payables_remind(*, today: date | None = None) -> list[tuple[str, str]]:
    """Remind the unit's 财务 of each payable 7 days before its due date, on the day and once
    overdue — each kind at most once per stage (a PaymentReminder row, unique per kind, is
    written in the same transaction as the mail). A late run sends only the reminder of the
    day it runs (an overdue payable never gets a "due in 7 days" mail). Returns (order number,
    kind) of what was sent."""
    today = today or timezone.localdate()
    sent = []
    for stage_id in open_payables_ids(today=today):
        with transaction.atomic():
            stage = (
                PaymentStage.objects.select_for_update(skip_locked=True)
                .select_related("order")
                .filter(pk=stage_id, status=PaymentStage.Status.DUE, due_on__isnull=False)
                .first()
            )
            if stage is None or stage.order.status not in selectors.PAYABLE_ORDER_STATUSES:
                continue
            kind = _reminder_kind(stage, today)
            if kind is None or PaymentReminder.objects.filter(stage=stage, kind=kind).exists():
                continue
            PaymentReminder.objects.create(stage=stage, kind=kind, sent_on=today)
            order = stage.order
            when, subject = _REMINDER_TEXT[kind]
            due_text = _(when) % {"due": f"{stage.due_on:%Y-%m-%d}"}
            outstanding = selectors.stage_outstanding(stage)
            _audit(kind=f"payable_reminded_{kind}", stage=stage, order=order, note=due_text)
            body = _(
                "您好：\n\n订单 %(n)s 的%(label)s %(amount)s %(when)s。\n"
                "请按订单页面所示的收款账户（供应商的对公账户）付款，并上传汇款凭证。\n\n"
                "付款页面：%(url)s\n\n此邮件由系统自动发送，请勿直接回复。\n湘慧商城\n"
            ) % {
                "n": order.number,
                "label": stage.label,
                "amount": rmb(outstanding),
                "when": due_text,
                "url": _order_url(order),
            }
            mail_queue(
                to=_unit_finance_emails(order),
                subject=_("【湘慧商城】订单 %(n)s %(s)s") % {"n": order.number, "s": _(subject)},
                body=body,
                dedupe_key=f"payments:payable-reminder:{stage.pk}:{kind}",
            )
            sent.append((order.number, str(kind)))
    return sent


def open_payables_ids(*, today: date) -> list[int]:
    """Due stages within the reminder window (from 7 days before their due date on)."""
    horizon = today + timedelta(days=settings.PAYMENT_REMIND_DAYS_BEFORE)
    return list(selectors.open_payables().filter(due_on__lte=horizon).values_list("pk", flat=True))


# --- the vendor's own 对公账户 ------------------------------------------------------------------

PROOF_KINDS = {"pdf", "png", "jpeg"}


def _company_key(name: str) -> str:
    """A company name compared as registered: spaces gone, full-width brackets as half-width."""
    return re.sub(r"\s", "", str(name or "")).replace("（", "(").replace("）", ")")


def registered_company_name(partner) -> str:
    """The vendor's registered name: the company of its approved VendorApplication ('' if none)."""
    from shop.vendors.models import ApplicationStatus, VendorApplication

    application = (
        VendorApplication.objects.filter(partner=partner, status=ApplicationStatus.APPROVED)
        .order_by("-decided_at", "-pk")
        .first()
    )
    return application.company_name if application else ""


def normalise_account_number(value) -> str:
    """A bank account number as digits (spaces and hyphens people type are dropped): 9–30 digits."""
    number = re.sub(r"[\s-]", "", str(value or ""))
    if not re.fullmatch(r"\d{9,30}", number):
        raise DomainError(
            _("银行账号应为 9–30 位数字，请核对开户证明上的账号。"),
            fields={"account_number": _("银行账号应为 9–30 位数字。")},
        )
    return number


def _check_account_fields(
    *, partner, account_name: str, bank_name: str, account_number
) -> tuple[str, str, str]:
    registered = registered_company_name(partner)
    if not registered:
        raise DomainError(_("未找到贵司已通过审核的入驻申请，暂不能登记对公账户。"))
    account_name = " ".join(str(account_name or "").split())
    if _company_key(account_name) != _company_key(registered):
        raise DomainError(
            _("开户名须与贵司入驻登记的企业名称“%(name)s”完全一致（对公账户不能是个人或其他单位的账户）。")
            % {"name": registered},
            fields={"account_name": _("开户名须与入驻登记的企业名称一致。")},
        )
    bank_name = " ".join(str(bank_name or "").split())
    if not 4 <= len(bank_name) <= 128 or not re.search(r"银行|信用社|信用合作联社|农商行", bank_name):
        raise DomainError(
            _("请填写开户银行全称（到支行），例如“中国建设银行长沙麓谷支行”。"),
            fields={"bank_name": _("请填写开户银行全称。")},
        )
    return registered, bank_name, normalise_account_number(account_number)


def bank_account_submit(
    *, partner, actor, account_name: str, bank_name: str, account_number, proof
) -> VendorBankAccount:
    """The vendor records (or replaces) its own 对公账户 with a proof document (开户许可证 / the
    bank's account certificate). 开户名 must be the vendor's registered company name. Until an
    operator verifies it, no buyer is shown the account (a replaced account included)."""
    from shop.core.access import user_partner_ids

    if partner is None or partner.pk not in user_partner_ids(actor):
        raise PermissionDenied(_("只能登记本供应商自己的对公账户。"))
    registered, bank_name, number = _check_account_fields(
        partner=partner, account_name=account_name, bank_name=bank_name, account_number=account_number
    )
    try:
        checked = check_upload(proof, allowed=PROOF_KINDS)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], fields={"proof": exc.messages[0]}) from exc
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        account = VendorBankAccount.objects.filter(partner=partner).first()
        old = account.status if account else ""
        account = account or VendorBankAccount(partner=partner)
        account.account_name = registered
        account.bank_name = bank_name
        account.account_number = number
        account.proof = proof
        account.proof_name = checked.display_name
        account.proof_kind = checked.kind
        account.status = VendorBankAccount.Status.SUBMITTED
        account.review_note = ""
        account.reviewed_by = None
        account.reviewed_at = None
        account.submitted_by = actor
        account.save()
        _audit(
            actor=actor,
            kind="bank_account_submitted",
            bank_account=account,
            from_status=old,
            to_status=VendorBankAccount.Status.SUBMITTED,
            note=f"{bank_name} ****{number[-4:]}",
        )
    return account


def bank_account_review(
    *, account: VendorBankAccount, actor, verify: bool, note: str = ""
) -> VendorBankAccount:
    """An operator checks the account against its proof: verified (buyers are shown it for the
    vendor's sales) or rejected with the reason (the vendor submits again)."""
    from shop.core.access import is_operator

    if not is_operator(actor):
        raise PermissionDenied(_("只有平台运营人员可以核验供应商对公账户。"))
    note = (note or "").strip()[:200]
    if not verify and not note:
        raise DomainError(_("请填写驳回原因，方便供应商更正。"))
    if verify and _company_key(account.account_name) != _company_key(
        registered_company_name(account.partner)
    ):
        raise DomainError(_("开户名与供应商入驻登记的企业名称不一致，不能核验通过。"))
    return _move(
        account,
        VendorBankAccount.Status.VERIFIED if verify else VendorBankAccount.Status.REJECTED,
        kind="bank_account_verified" if verify else "bank_account_rejected",
        actor=actor,
        note=note,
        extra={"review_note": note, "reviewed_by": actor, "reviewed_at": timezone.now()},
    )


def seller_profile_update(*, partner, actor, allows_prepay: bool) -> SellerPaymentProfile:
    """The vendor decides whether companies may pay it before delivery (government units pay
    after acceptance whatever it says)."""
    from shop.core.access import is_operator, user_partner_ids

    if partner is None or not (is_operator(actor) or partner.pk in user_partner_ids(actor)):
        raise PermissionDenied(_("只能修改本供应商自己的收款设置。"))
    with transaction.atomic():
        profile, _created = SellerPaymentProfile.objects.select_for_update().get_or_create(partner=partner)
        if profile.allows_prepay != bool(allows_prepay):
            profile.allows_prepay = bool(allows_prepay)
            profile.save(update_fields=["allows_prepay", "updated_at"])
            _audit(
                actor=actor,
                kind="seller_prepay_on" if allows_prepay else "seller_prepay_off",
                note=partner.name,
            )
    return profile


# --- the vendor's own Stripe account (Stripe Connect, OAuth for Standard accounts) ---------------

CONNECT_STATE_SALT = "payments.stripe-connect"
CONNECT_STATE_MAX_AGE = 3600  # seconds between leaving for Stripe and coming back
MSG_CONNECT_STALE = "连接请求已失效，请在收款设置中重新点击“连接 Stripe 账户”。"


def stripe_connect_offered() -> bool:
    """Whether the mall offers vendors to connect their own Stripe account (a Connect client id)."""
    return bool(settings.STRIPE_CONNECT_CLIENT_ID)


def _own_seller(partner, actor) -> None:
    from shop.core.access import user_partner_ids

    if partner is None or partner.pk not in user_partner_ids(actor):
        raise PermissionDenied(_("只能连接本供应商自己的 Stripe 账户。"))
    if selectors.is_mall_partner(partner):
        raise DomainError(_("商城自营商品的在线付款收入平台自己的 Stripe 账户，无需连接。"))


def stripe_connect_start(*, partner, actor, redirect_uri: str) -> str:
    """Where to send the vendor to connect its own Stripe account: Stripe's authorisation page,
    with a signed ``state`` naming this vendor and member (checked when Stripe sends it back)."""
    from django.core import signing

    _own_seller(partner, actor)
    if not stripe_connect_offered():
        raise DomainError(_("平台尚未开通供应商自有 Stripe 账户收款，暂不能连接。"))
    state = signing.dumps({"p": partner.pk, "u": actor.pk}, salt=CONNECT_STATE_SALT)
    return gateway.connect_authorize_url(state=state, redirect_uri=redirect_uri)


def stripe_connect_complete(*, partner, actor, code: str, state: str) -> SellerPaymentProfile:
    """Stripe sent the vendor back with an authorisation ``code``: exchange it for the vendor's
    own account id and keep it, so buyers' card payments for this vendor's sales are direct
    charges on that account (never on the mall's). Audited; a stale or foreign ``state``, a
    missing code or Stripe's refusal change nothing (DomainError, Chinese)."""
    from django.core import signing

    _own_seller(partner, actor)
    try:
        data = signing.loads(state or "", salt=CONNECT_STATE_SALT, max_age=CONNECT_STATE_MAX_AGE)
    except signing.BadSignature:
        raise DomainError(_(MSG_CONNECT_STALE)) from None
    if data != {"p": partner.pk, "u": actor.pk}:
        raise DomainError(_(MSG_CONNECT_STALE))
    code = str(code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_]{1,200}", code):
        raise DomainError(_("Stripe 未返回有效的授权码，请重新连接。"))
    account = gateway.connect_token(code)
    with transaction.atomic():
        profile, _created = SellerPaymentProfile.objects.select_for_update().get_or_create(partner=partner)
        if profile.stripe_account_id != account:
            profile.stripe_account_id = account
            profile.save(update_fields=["stripe_account_id", "updated_at"])
            _audit(actor=actor, kind="stripe_connected", note=f"{partner.name}：{account}")
    return profile


def stripe_connect_remove(*, partner, actor) -> SellerPaymentProfile:
    """The vendor disconnects its Stripe account: the mall's access is revoked at Stripe and
    buyers pay this vendor by transfer only from now on. Audited."""
    _own_seller(partner, actor)
    with transaction.atomic():
        profile, _created = SellerPaymentProfile.objects.select_for_update().get_or_create(partner=partner)
        account = profile.stripe_account_id
        if not account:
            return profile
        gateway.connect_deauthorize(account)
        profile.stripe_account_id = ""
        profile.save(update_fields=["stripe_account_id", "updated_at"])
        _audit(actor=actor, kind="stripe_disconnected", note=f"{partner.name}：{account}")
    return profile


# --- unpaid orders (Celery beat) -----------------------------------------------------------------


def _order_url(order) -> str:
    from django.urls import reverse

    path = reverse("payments:order-detail", kwargs={"number": order.number})
    return f"{getattr(settings, 'MALL_SITE_URL', '').rstrip('/')}{path}"


def _awaiting_orders(*, placed_before: datetime):
    """Orders 待付款 since before ``placed_before``: placed before it and not moved into 待付款
    after it (a unit's order that waited for approval counts from its approval, and an order
    still 待审批 is not awaiting payment at all)."""
    later = OrderStatusChange.objects.filter(
        order=OuterRef("pk"), new_status=ORDER_AWAITING, date_created__gt=placed_before
    )
    # an order paid after acceptance has its legal term (payables_remind), never this clock
    return (
        Order.objects.filter(status=ORDER_AWAITING, date_placed__lte=placed_before)
        .exclude(origin__settlement=Settlement.AFTER_ACCEPTANCE)
        .exclude(Exists(later))
    )


def _awaiting_since(order) -> datetime:
    moved = (
        OrderStatusChange.objects.filter(order=order, new_status=ORDER_AWAITING)
        .order_by("-date_created")
        .values_list("date_created", flat=True)
        .first()
    )
    return max(order.date_placed, moved) if moved else order.date_placed


def unpaid_orders_remind(*, now: datetime | None = None) -> list[str]:
    """E-mail buyers of orders still 待付款 after UNPAID_ORDER_REMIND_HOURS (once per order)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UNPAID_ORDER_REMIND_HOURS)
    cancel_on = settings.UNPAID_ORDER_CANCEL_DAYS
    reminded = []
    candidates = _awaiting_orders(placed_before=cutoff).filter(
        payment_stages__status=PaymentStage.Status.DUE, payment_stages__reminded_at__isnull=True
    )
    for order_id in candidates.values_list("pk", flat=True).distinct():
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is None or order.status != ORDER_AWAITING:
                continue
            due = list(
                order.payment_stages.select_for_update().filter(
                    status=PaymentStage.Status.DUE, reminded_at__isnull=True
                )
            )
            if not due:
                continue
            PaymentStage.objects.filter(pk__in=[s.pk for s in due]).update(reminded_at=now)
            _audit(kind="unpaid_reminded", order=order, note=order.email or "")
            if order.email:
                deadline = timezone.localtime(_awaiting_since(order) + timedelta(days=cancel_on))
                body = _(
                    "您好：\n\n您在湘慧商城的订单 %(n)s（应付 %(t)s）尚未付款。\n"
                    "请在 %(d)s 前完成付款（对公转账或在线支付），逾期订单将自动取消。\n\n"
                    "付款页面：%(url)s\n\n此邮件由系统自动发送，请勿直接回复。\n湘慧商城\n"
                ) % {
                    "n": order.number,
                    "t": rmb(order.total_incl_tax),
                    "d": f"{deadline:%Y-%m-%d %H:%M}",
                    "url": _order_url(order),
                }
                mail_queue(
                    to=[order.email],
                    subject=_("【湘慧商城】订单 %(n)s 待付款提醒") % {"n": order.number},
                    body=body,
                    dedupe_key=f"payments:unpaid-reminder:{order.pk}:{now.timestamp()}",
                )
            reminded.append(order.number)
    return reminded


def unpaid_orders_cancel(*, now: datetime | None = None) -> list[str]:
    """Cancel orders still 待付款 after UNPAID_ORDER_CANCEL_DAYS, unless a transfer slip is
    waiting for confirmation or a card payment is in flight."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.UNPAID_ORDER_CANCEL_DAYS)
    cancelled = []
    for order_id in _awaiting_orders(placed_before=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is None or order.status != ORDER_AWAITING:
                continue
            if BankTransfer.objects.filter(order=order, status=BankTransfer.Status.SUBMITTED).exists():
                continue
            in_flight = StripePayment.objects.filter(order=order).filter(
                Q(status__in=[_S.REQUIRES_ACTION, _S.PROCESSING, _S.SUCCEEDED])
                | Q(status=_S.PENDING, updated_at__gte=now - timedelta(hours=1))
            )
            if in_flight.exists():
                continue
            note = _("超过 %(d)s 天未付款，系统自动取消。") % {"d": settings.UNPAID_ORDER_CANCEL_DAYS}
            for stage in order.payment_stages.filter(status=PaymentStage.Status.DUE):
                _move(stage, PaymentStage.Status.CANCELLED, kind="stage_cancelled", note=note)
            order_status_move(order=order, to=ORDER_CANCELLED, note=note, kind="unpaid_cancelled")
            if order.email:
                body = _(
                    "您好：\n\n您在湘慧商城的订单 %(n)s 超过 %(d)s 天未付款，已自动取消。\n"
                    "如仍需采购，请重新下单或联系供应商。\n\n此邮件由系统自动发送，请勿直接回复。\n湘慧商城\n"
                ) % {"n": order.number, "d": settings.UNPAID_ORDER_CANCEL_DAYS}
                mail_queue(
                    to=[order.email],
                    subject=_("【湘慧商城】订单 %(n)s 已取消") % {"n": order.number},
                    body=body,
                    dedupe_key=f"payments:unpaid-cancelled:{order.pk}",
                )
            cancelled.append(order.number)
    return cancelled


def new_form_token() -> str:
    return uuid.uuid4().hex
