"""Reads for the payment pages: the buyer's orders, the dashboard's scoped querysets, the
payable stage, tax splits and who may confirm what."""

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids
from shop.core.money import q2, split_tax_inclusive
from shop.core.tax import DEFAULT_VAT_RATE, RATE_PLACES, is_vat_rate

from .gateway import STRIPE_MAX_AMOUNT_FEN, amount_to_fen
from .models import (
    BankTransfer,
    IssuedInvoice,
    PaymentAuditEvent,
    PaymentStage,
    SellerPaymentProfile,
    Settlement,
    StripeEvent,
    StripePayment,
    VendorBankAccount,
)

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Partner = get_model("partner", "Partner")

ORDER_AWAITING_APPROVAL = "待审批"
ORDER_AWAITING = "待付款"
ORDER_PART_PAID = "部分付款"
ORDER_PAID = "已付款"
ORDER_IN_FULFILMENT = "履约中"
PAYABLE_ORDER_STATUSES = (ORDER_AWAITING, ORDER_PART_PAID)
# Statuses that only payments may set (a recorded stage), never a hand in the dashboard.
PAYMENT_ORDER_STATUSES = (ORDER_PART_PAID, ORDER_PAID)
STRIPE_MAX_CHARGE = Decimal(STRIPE_MAX_AMOUNT_FEN) / 100


# --- buyers ---------------------------------------------------------------------------------


def _buyer_q(user, action: str = "orders.view") -> Q:
    """Orders in the user's scope for ``action``: a unit member's, the unit's orders (by the
    order's origin); a buyer without a unit, their own orders that belong to no unit."""
    from shop.buyers.access import scope

    return scope(user, action).q(unit_field="origin__unit", user_field="user")


def _due_amount() -> Subquery:
    """The sum of an order's stages still due (an annotation)."""
    due = (
        PaymentStage.objects.filter(order=OuterRef("pk"), status=PaymentStage.Status.DUE)
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return Subquery(due, output_field=DecimalField(max_digits=14, decimal_places=2))


def _overdue_stage(today):
    return PaymentStage.objects.filter(
        order=OuterRef("pk"), status=PaymentStage.Status.DUE, due_on__isnull=False, due_on__lt=today
    )


def with_overdue(qs, *, today):
    """Only orders with a payable past its due date, each with ``overdue_since`` (the earliest
    due date missed) and ``due_amount``."""
    first_due = _overdue_stage(today).order_by("due_on").values("due_on")[:1]
    return (
        qs.filter(status__in=PAYABLE_ORDER_STATUSES)
        .filter(Exists(_overdue_stage(today)))
        .annotate(overdue_since=Subquery(first_due), due_amount=_due_amount())
    )


def buyer_orders(*, user, show: str = "", today=None):
    """The orders the buyer's list shows (``show="due"``: only those with money to pay now;
    ``show="overdue"``: payables past their due date, for those who pay — a unit's 财务)."""
    if show == "overdue":
        from django.utils import timezone

        qs = with_overdue(
            Order.objects.filter(_buyer_q(user, "orders.pay")), today=today or timezone.localdate()
        )
        return (
            qs.select_related("origin", "user")
            .prefetch_related("payment_stages")
            .order_by("overdue_since", "pk")
        )
    qs = Order.objects.filter(_buyer_q(user))
    if show == "due":
        qs = qs.filter(status__in=PAYABLE_ORDER_STATUSES).annotate(due_amount=_due_amount())
    return (
        qs.select_related("origin", "origin__budget_line", "user")
        .prefetch_related("payment_stages")
        .order_by("-date_placed", "-pk")
    )


def buyer_order_get(*, user, number: str):
    """The buyer's order (a unit member: the unit's order), or 404 (an order outside their
    scope does not exist for them)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Order.objects.select_related("origin", "origin__budget_line").get(
            _buyer_q(user), number=number
        )
    except Order.DoesNotExist:
        raise Http404


def unit_orders_due(*, unit):
    """The unit's orders with money to pay now (待付款 / 部分付款; a 待审批 order is not payable
    yet), each annotated with ``due_amount`` (what is still unpaid on its stages) and
    ``next_due_on`` (the earliest due date, after 履约验收), the most urgent first."""
    next_due = (
        PaymentStage.objects.filter(
            order=OuterRef("pk"), status=PaymentStage.Status.DUE, due_on__isnull=False
        )
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return (
        Order.objects.filter(origin__unit=unit, status__in=PAYABLE_ORDER_STATUSES)
        .annotate(due_amount=_due_amount(), next_due_on=Subquery(next_due))
        .select_related("origin", "user")
        .order_by(F("next_due_on").asc(nulls_last=True), "date_placed", "pk")
    )


def order_unit_id(order) -> int | None:
    origin = getattr(order, "origin", None)  # no origin row: a plain Oscar order of one buyer
    return origin.unit_id if origin is not None else None


def buyer_may(user, order, action: str, *, fresh: bool = False) -> bool:
    """Whether the user may do ``action`` on an order they can see: a unit's order needs the
    role (``shop.buyers.access``); a buyer's own order without a unit is theirs to handle."""
    from shop.buyers.access import member_can, membership

    unit_id = order_unit_id(order)
    if unit_id is None:
        return order.user_id == getattr(user, "pk", None)
    member = membership(user, fresh=fresh)
    return bool(member and member.unit_id == unit_id and member_can(member, action))


def order_approval(order):
    """The unit's latest approval of this order (a direct order that waited in 待审批), or None."""
    from shop.buyers.models import ApprovalRequest

    if order_unit_id(order) is None:
        return None
    return ApprovalRequest.objects.filter(kind="order", subject_id=order.pk).order_by("-pk").first()


def payable_stage(order) -> PaymentStage | None:
    """The stage the buyer pays next: the first due stage, while the order takes payments."""
    if order.status not in PAYABLE_ORDER_STATUSES:
        return None
    stages = order.payment_stages.filter(status=PaymentStage.Status.DUE)
    if order_settlement(order) == Settlement.AFTER_ACCEPTANCE:
        # paid after acceptance: only a stage whose acceptance opened it (a monthly engagement
        # opens one month at a time; payable_open dates every stage of a whole order at once)
        stages = stages.filter(due_on__isnull=False)
    return stages.order_by("sequence").first()


def payment_reference(stage: PaymentStage) -> str:
    """What the buyer writes in the transfer's 附言: order number and stage number."""
    return f"{stage.order.number}-{stage.sequence}"


def mall_payee() -> dict:
    """The mall's own account (自营 sales only), from the environment."""
    return {
        "seller": settings.MALL_COMPANY_NAME,
        "name": settings.MALL_PAYEE_NAME,
        "bank": settings.MALL_PAYEE_BANK,
        "account": settings.MALL_PAYEE_ACCOUNT,
        "mall": True,
        "configured": bool(
            settings.MALL_PAYEE_NAME and settings.MALL_PAYEE_BANK and settings.MALL_PAYEE_ACCOUNT
        ),
    }


def is_mall_partner(partner) -> bool:
    return partner is not None and partner.code == settings.PAYMENT_MALL_PARTNER_CODE


def order_sellers(order) -> list:
    """The partners selling the order's lines (a line without one counts as None)."""
    ids = sorted({pid for pid in order.lines.values_list("partner_id", flat=True)}, key=lambda i: i or 0)
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=[i for i in ids if i])}
    return [partners.get(i) if i else None for i in ids]


def order_parties(order) -> dict:
    """Who is in the order, by name: the buyer (its unit, else the buyer's own name), who
    placed it, the seller(s), and where it is delivered (None for a service without address)."""
    origin = getattr(order, "origin", None)
    unit = origin.unit if origin is not None and origin.unit_id else None
    user = order.user
    placed_by = (user.get_full_name() or user.email or user.get_username()) if user else ""
    address = order.shipping_address
    return {
        "buyer": unit.org_name if unit is not None else placed_by,
        "placed_by": placed_by,
        "sellers": [p.name for p in order_sellers(order) if p is not None],
        "address": (
            {
                "name": address.first_name,
                "phone": str(address.phone_number or ""),
                "text": " ".join(x for x in (address.state, address.line4, address.line1) if x),
            }
            if address is not None
            else None
        ),
    }


def order_is_mall_sale(order) -> bool:
    """Every line is sold by the mall itself (自营)."""
    sellers = order_sellers(order)
    return bool(sellers) and all(is_mall_partner(p) for p in sellers)


def verified_bank_account(partner) -> VendorBankAccount | None:
    if partner is None:
        return None
    return VendorBankAccount.objects.filter(partner=partner, status=VendorBankAccount.Status.VERIFIED).first()


def payee_account(order) -> list[dict]:
    """Where the buyer transfers the money of ``order``, one entry per seller: the mall's own
    account for its 自营 lines, and for a vendor's lines that vendor's verified 对公账户 only
    (``configured`` False and no account shown while it has none). The mall's account never
    appears for a vendor's sale: a platform that collects its vendors' money is an unlicensed
    payment business (二清)."""
    out = []
    for partner in order_sellers(order):
        if is_mall_partner(partner):
            out.append(mall_payee())
            continue
        account = verified_bank_account(partner)
        out.append(
            {
                "seller": partner.name if partner else "",
                "name": account.account_name if account else "",
                "bank": account.bank_name if account else "",
                "account": account.account_number if account else "",
                "mall": False,
                "configured": account is not None,
            }
        )
    return out


# --- settlement: pay before delivery, or after 履约验收 -------------------------------------


def seller_allows_prepay(partner) -> bool:
    """Whether the seller lets a company pay before delivery: as its payment profile says; a
    seller that has not decided keeps the way companies have always bought (pay first)."""
    if partner is None:
        return True
    profile = SellerPaymentProfile.objects.filter(partner=partner).first()
    return profile.allows_prepay if profile is not None else True


def seller_stripe_account(partner) -> str:
    profile = SellerPaymentProfile.objects.filter(partner=partner).first() if partner else None
    return profile.stripe_account_id if profile else ""


@dataclass(frozen=True)
class CardPayee:
    """Whether ``order`` can be paid by card, and on whose Stripe account."""

    allowed: bool
    stripe_account: str = ""  # "" with allowed: the mall's own account
    reason: str = ""


def card_payee(order) -> CardPayee:
    """Card payment only where the seller owns the Stripe account: the mall's own sales on the
    mall's account; a vendor's sale only when that one vendor connected its own account (a
    Connect direct charge on it). Never a vendor's money on the mall's account (二清)."""
    if order_is_mall_sale(order):
        return CardPayee(allowed=True)
    sellers = order_sellers(order)
    if len(sellers) != 1 or sellers[0] is None:
        return CardPayee(
            allowed=False,
            reason=str(_("本订单包含多个销售方的商品，不支持在线支付，请分别向各销售方对公转账。")),
        )
    account = seller_stripe_account(sellers[0])
    if not account:
        return CardPayee(
            allowed=False,
            reason=str(
                _("供应商 %(name)s 尚未开通自有的在线收款账户，本订单请通过对公转账直接付款给供应商。")
                % {"name": sellers[0].name}
            ),
        )
    return CardPayee(allowed=True, stripe_account=account)


def settlement_for(*, unit, partners) -> tuple[str, str]:
    """The settlement of an order of ``unit`` (None: a buyer without a unit, as a company)
    with lines of ``partners``, and why, in plain Chinese.

    A 党政机关 or 事业单位 pays after 履约验收, within the term (《保障中小企业款项支付条例》第九条);
    a company pays before delivery only where every seller allows it, else after acceptance."""
    from shop.buyers.services import GOVERNMENT_TYPES

    if unit is not None and unit.org_type in GOVERNMENT_TYPES:
        return (
            Settlement.AFTER_ACCEPTANCE,
            str(
                _(
                    "采购单位为%(type)s：供应商交付、采购单位履约验收合格后付款，"
                    "付款期限自验收之日起算（《保障中小企业款项支付条例》）。"
                )
                % {"type": unit.get_org_type_display()}
            ),
        )
    partners = list(partners)
    if partners and all(seller_allows_prepay(p) for p in partners):
        return Settlement.PREPAY, str(_("供应商支持先付款后发货：付款确认后供应商安排发货。"))
    return (
        Settlement.AFTER_ACCEPTANCE,
        str(_("供应商要求验收后付款：供应商交付、验收合格后再付款，付款期限自验收之日起算。")),
    )


def order_settlement(order) -> str:
    origin = getattr(order, "origin", None)
    return origin.settlement if origin is not None else Settlement.PREPAY


# --- payables (after acceptance): due dates, overdue ----------------------------------------


def open_payables():
    """Stages payable after acceptance and still due (each has ``due_on``)."""
    return PaymentStage.objects.filter(
        status=PaymentStage.Status.DUE,
        due_on__isnull=False,
        order__status__in=PAYABLE_ORDER_STATUSES,
    ).select_related("order", "order__origin", "order__origin__unit")


def overdue_payables(*, today, unit=None, partner_ids=None):
    """Payables past their due date (``today`` is the local date), oldest due first; only the
    unit's (``unit``) or only orders with a line of ``partner_ids`` when given."""
    qs = open_payables().filter(due_on__lt=today)
    if unit is not None:
        qs = qs.filter(order__origin__unit=unit)
    if partner_ids is not None:
        qs = qs.filter(Exists(Line.objects.filter(order=OuterRef("order"), partner_id__in=partner_ids)))
    return qs.order_by("due_on", "order__number", "sequence")


def stage_within_card_limit(stage: PaymentStage) -> bool:
    return amount_to_fen(stage.amount) <= STRIPE_MAX_AMOUNT_FEN


def stage_received(stage: PaymentStage) -> Decimal:
    """Money already confirmed on the account for a stage that is still due: receipts the
    confirming party recorded as short (还差). 0.00 when nothing arrived yet."""
    total = stage.bank_transfers.filter(status=BankTransfer.Status.CONFIRMED).aggregate(
        s=Sum("received_amount")
    )["s"]
    return q2(total or Decimal("0.00"))


def stage_outstanding(stage: PaymentStage) -> Decimal:
    """What is still to be paid on a stage: its amount less the money already received."""
    if stage.status != PaymentStage.Status.DUE:
        return Decimal("0.00")
    return q2(stage.amount) - stage_received(stage)


def with_outstanding(stages) -> list[PaymentStage]:
    """The stages, each with ``received`` and ``outstanding`` (还差) for the pages."""
    stages = list(stages)
    for stage in stages:
        stage.received = stage_received(stage) if stage.status == PaymentStage.Status.DUE else stage.amount
        stage.outstanding = stage_outstanding(stage)
    return stages


def order_payment_status(order) -> str:
    """The order status its payments justify: 已付款 when every stage is paid and the paid
    stages add up to the order total, 部分付款 when some stage is paid, else 待付款."""
    # a cancelled stage (a month an engagement ended before) is owed by nobody
    stages = [s for s in order.payment_stages.all() if s.status != PaymentStage.Status.CANCELLED]
    paid = [s for s in stages if s.status == PaymentStage.Status.PAID]
    paid_total = sum((q2(s.amount) for s in paid), Decimal("0.00"))
    if stages and len(paid) == len(stages) and paid_total == q2(order.total_incl_tax):
        return ORDER_PAID
    if paid:
        return ORDER_PART_PAID
    return ORDER_AWAITING


def order_paid_total(order) -> Decimal:
    return q2(
        order.payment_stages.filter(status=PaymentStage.Status.PAID).aggregate(s=Sum("amount"))["s"]
        or Decimal("0.00")
    )


def pending_transfer(stage: PaymentStage) -> BankTransfer | None:
    return stage.bank_transfers.filter(status=BankTransfer.Status.SUBMITTED).first()


def card_form_mode() -> str:
    """``server``: the page posts card details to us and we call localstripe (dev, tests);
    ``stripejs``: Stripe.js collects the card in the browser (production)."""
    mode = settings.STRIPE_CARD_FORM
    if mode in {"server", "stripejs"}:
        return mode
    host = urlsplit(settings.STRIPE_API_BASE).hostname or ""
    return "server" if host in {"127.0.0.1", "localhost", "::1"} else "stripejs"


def wallet_methods() -> list[str]:
    """Alipay / WeChat Pay, offered only through Stripe.js and only when configured."""
    if card_form_mode() != "stripejs":
        return []
    return [m for m in settings.STRIPE_PAYMENT_METHOD_TYPES if m in {"alipay", "wechat_pay"}]


def open_stripe_payment(stage: PaymentStage) -> StripePayment | None:
    return (
        stage.stripe_payments.filter(
            status__in=[StripePayment.Status.REQUIRES_ACTION, StripePayment.Status.PROCESSING]
        )
        .order_by("-attempt")
        .first()
    )


# What the dashboard's 操作记录 says for each audit event kind (the codes stay in the table).
EVENT_KIND_LABELS = {
    "order_placed": _("下单"),
    "order_status": _("订单状态变更"),
    "order_status_manual": _("人工变更订单状态"),
    "order_approved": _("采购单位审批通过"),
    "order_not_approved": _("采购单位审批未通过，订单取消"),
    "transfer_short": _("确认到账（金额不足）"),
    "transfer_submitted": _("提交汇款凭证"),
    "transfer_confirmed": _("确认到账"),
    "transfer_rejected": _("驳回汇款凭证"),
    "paid_bank_transfer": _("对公转账已收款"),
    "paid_stripe": _("在线支付已收款"),
    "stage_cancelled": _("款项取消"),
    "stripe_attempt": _("发起在线支付"),
    "stripe_status": _("在线支付状态更新"),
    "stripe_flagged": _("在线支付异常"),
    "stripe_event": _("Stripe 通知"),
    "invoice_request_created": _("提交开票信息"),
    "invoice_request_updated": _("修改开票信息"),
    "invoice_issued": _("登记发票"),
    "unpaid_reminded": _("催付提醒"),
    "unpaid_cancelled": _("逾期未付款取消"),
}
# Which state names an event's from/to codes are, by the row it is about (orders: already Chinese).
_SUBJECT_STATES = (
    ("transfer_id", BankTransfer.Status),
    ("stripe_payment_id", StripePayment.Status),
    ("stripe_event_id", StripeEvent.Status),
    ("stage_id", PaymentStage.Status),
)


def order_audit_events(order) -> list[PaymentAuditEvent]:
    """The order's payment events, oldest first, each with ``kind_label``, ``from_label`` and
    ``to_label`` in Chinese for the dashboard."""
    events = list(
        PaymentAuditEvent.objects.filter(
            Q(order=order) | Q(stage__order=order) | Q(transfer__order=order) | Q(stripe_payment__order=order)
        )
        .select_related("actor", "stage")
        .order_by("created_at", "pk")
    )
    for event in events:
        states = next((dict(st.choices) for fk, st in _SUBJECT_STATES if getattr(event, fk)), {})
        event.kind_label = EVENT_KIND_LABELS.get(event.kind, event.kind)
        event.from_label = states.get(event.from_status, event.from_status)
        event.to_label = states.get(event.to_status, event.to_status)
    return events


# --- tax splits -------------------------------------------------------------------------------


def line_tax_rate(line) -> Decimal:
    """The line's VAT rate: its own (``tax_code``), else its product's; only a rate of
    ``shop.core.tax.VAT_RATES`` counts (an invoice cannot be split at 12% or 0.5), else 13%."""
    for candidate in (line.tax_code, getattr(line.product, "tax_rate", None) if line.product_id else None):
        if candidate in (None, "") or not is_vat_rate(str(candidate)):
            continue
        return Decimal(str(candidate)).quantize(RATE_PLACES)
    return DEFAULT_VAT_RATE


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal
    amount_excl: Decimal
    tax: Decimal
    amount_incl: Decimal

    @property
    def percent(self) -> str:
        return f"{(self.rate * 100).normalize():f}%"


def tax_split(lines) -> list[TaxRow]:
    """Tax-inclusive line totals grouped by rate (13% goods / 6% services), split exactly."""
    totals: dict[Decimal, Decimal] = OrderedDict()
    for line in lines:
        rate = line_tax_rate(line)
        totals[rate] = totals.get(rate, Decimal("0.00")) + q2(line.line_price_incl_tax)
    rows = []
    for rate in sorted(totals, reverse=True):
        excl, tax = split_tax_inclusive(totals[rate], rate)
        rows.append(TaxRow(rate=rate, amount_excl=excl, tax=tax, amount_incl=excl + tax))
    return rows


def partner_share(order, partner_id) -> list[TaxRow]:
    return tax_split(order.lines.filter(partner_id=partner_id).select_related("product"))


def invoiced_by_rate(order, partner_id) -> dict[Decimal, Decimal]:
    out: dict[Decimal, Decimal] = {}
    for inv in IssuedInvoice.objects.filter(order=order, partner_id=partner_id):
        out[inv.tax_rate] = out.get(inv.tax_rate, Decimal("0.00")) + inv.total
    return out


# --- dashboard scoping --------------------------------------------------------------------------


def dashboard_orders(*, user):
    """Orders a dashboard user may see on the payments pages: operators all, vendors only
    orders with at least one line of their own partner, once they have gone out (an order
    waiting for the buying unit's approval, 待审批, is not the vendor's business yet)."""
    qs = Order.objects.select_related("origin", "user").order_by("-date_placed", "-pk")
    if is_operator(user):
        return qs
    partner_ids = user_partner_ids(user)
    if not partner_ids:
        return qs.none()
    return qs.exclude(status=ORDER_AWAITING_APPROVAL).filter(
        Exists(Line.objects.filter(order=OuterRef("pk"), partner_id__in=partner_ids))
    )


def dashboard_order_get(*, user, number: str):
    try:
        return dashboard_orders(user=user).get(number=number)
    except Order.DoesNotExist:
        raise Http404


def order_partner_ids(order) -> set:
    return set(order.lines.values_list("partner_id", flat=True))


def can_confirm_receipt(user, order) -> bool:
    """Who confirms that a transfer arrived: the seller whose account received it. A vendor
    confirms its own sales (every line of the order is its own); operators confirm only the
    mall's own sales (自营, paid to MALL_PAYEE_*). A vendor's money never passes through the
    mall, so no operator confirms it, and an order of several sellers is confirmed by none of
    them alone (each is paid its share on its own account)."""
    if order_is_mall_sale(order):
        return is_operator(user)
    partner_ids = set(user_partner_ids(user))
    lines = order_partner_ids(order)
    return bool(partner_ids) and bool(lines) and None not in lines and lines <= partner_ids


def invoice_partners_for(user, order) -> list:
    """Partners whose share of ``order`` this user may record invoices for: the invoice is
    issued by the seller — a vendor for its own lines, an operator for the mall's own (自营)."""
    ids = {pid for pid in order_partner_ids(order) if pid}
    partners = Partner.objects.filter(pk__in=ids).order_by("name")
    if is_operator(user):
        return [p for p in partners if is_mall_partner(p)]
    return [p for p in partners if p.pk in set(user_partner_ids(user))]


def visible_lines(user, order):
    """The lines a dashboard user may see: operators all, vendors their own."""
    qs = order.lines.select_related("product", "partner")
    if is_operator(user):
        return qs
    return qs.filter(partner_id__in=user_partner_ids(user))


def awaiting_confirmation(*, user):
    """Submitted remittance slips this user can see, oldest first (first in, first checked)."""
    return (
        BankTransfer.objects.filter(
            status=BankTransfer.Status.SUBMITTED, order__in=dashboard_orders(user=user)
        )
        .select_related("order", "stage")
        .order_by("created_at")
    )
