"""OEM orders (OEM定制): a buyer's own brand on one of the mall's products.

An OEM order is a custom production order, not a basket purchase. It is saved first, then a
Celery task reviews it (MOQ, lead-time estimate) and routes it to the product's vendor, who
makes an offer; the buyer accepts (an Oscar order with 定金/尾款 stages is created), and the
vendor moves it through sampling and production. Every state change goes through
``shop.core.transitions.transition`` and writes one ``OemOrderEvent``."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.models import InvoiceWish, OrganisationSnapshot
from shop.core.limits import (
    MAX_AMOUNT,
    MAX_ESTIMATED_LEAD_DAYS,
    MAX_OEM_LEAD_DAYS,
    MAX_OEM_QUANTITY,
    MAX_UNIT_PRICE,
)
from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class OemStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    REVIEWING = "reviewing", _("待报价")
    OFFERED = "offered", _("已报价")
    # a buying unit's acceptance over its approval threshold waits for its 审批人
    AWAITING_APPROVAL = "approval", _("待审批")
    CONFIRMED = "confirmed", _("已确认（待付定金）")
    SAMPLING = "sampling", _("打样中")
    SAMPLE_APPROVED = "sample_approved", _("样品已确认")
    IN_PRODUCTION = "in_production", _("生产中")
    SHIPPED = "shipped", _("已发货")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")


S = OemStatus

# The state machine. ``offered -> offered`` is a revised offer and ``sampling -> sampling`` a
# rejected sample (events in the same state). Two moves only the payments app triggers, with
# their own maps (PAYMENT_MOVES): the deposit arriving (confirmed -> confirmed, an event) and
# the shop order cancelled unpaid (confirmed -> cancelled).
ALLOWED_MOVES: dict[str, set[str]] = {
    S.SUBMITTED: {S.REVIEWING, S.REJECTED, S.CANCELLED},
    S.REVIEWING: {S.OFFERED, S.REJECTED, S.CANCELLED},
    S.OFFERED: {S.OFFERED, S.AWAITING_APPROVAL, S.CONFIRMED, S.REJECTED, S.CANCELLED},
    # a revised offer restarts the approval (approval -> approval); approved -> confirmed;
    # rejected, withdrawn or void -> offered again
    S.AWAITING_APPROVAL: {S.AWAITING_APPROVAL, S.OFFERED, S.CONFIRMED, S.REJECTED, S.CANCELLED},
    S.CONFIRMED: {S.SAMPLING, S.IN_PRODUCTION},
    S.SAMPLING: {S.SAMPLING, S.SAMPLE_APPROVED},
    S.SAMPLE_APPROVED: {S.IN_PRODUCTION},
    S.IN_PRODUCTION: {S.SHIPPED},
    S.SHIPPED: {S.COMPLETED},
    S.COMPLETED: set(),
    S.REJECTED: set(),
    S.CANCELLED: set(),
}
PAYMENT_MOVES: dict[str, dict[str, set[str]]] = {
    "deposit_paid": {S.CONFIRMED: {S.CONFIRMED}},
    "unpaid_cancelled": {S.CONFIRMED: {S.CANCELLED}},
}
STATUS_LABELS = {value: str(label) for value, label in OemStatus.choices}
# Buyers may cancel until they accept an offer.
BUYER_CANCELLABLE = {S.SUBMITTED, S.REVIEWING, S.OFFERED, S.AWAITING_APPROVAL}
# States in which the promised delivery date matters (overdue warnings).
IN_PROGRESS = {S.CONFIRMED, S.SAMPLING, S.SAMPLE_APPROVED, S.IN_PRODUCTION}
# Plain fields a buyer fills in (form and API); product, logo and customisations come apart.
BUYER_INPUT_FIELDS = (
    "quantity",
    "brand_name",
    "sample_required",
    "target_date",
    "delivery_contact",
    "delivery_phone",
    "delivery_address",
    "remarks",
)


class OemOrder(OrganisationSnapshot, InvoiceWish):
    number = models.CharField(_("OEM 单号"), max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("采购人"),
        on_delete=models.PROTECT,
        related_name="oem_orders",
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oem_orders",
    )
    budget_line = models.ForeignKey(
        "buyers.BudgetLine",
        verbose_name=_("预算"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=OemStatus.choices, default=S.SUBMITTED, db_index=True
    )

    # What is ordered
    product = models.ForeignKey(
        "catalogue.Product", verbose_name=_("基础产品"), on_delete=models.PROTECT, related_name="+"
    )
    variant = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("规格型号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(
        _("数量"),
        validators=[MaxValueValidator(MAX_OEM_QUANTITY, message=_("数量不能超过 %(limit_value)s。"))],
    )
    brand_name = models.CharField(_("品牌名称"), max_length=60)
    logo = models.FileField(
        _("Logo 文件"), storage=private_storage, upload_to=PrivateUploadTo("oem/logos"), blank=True
    )
    logo_name = models.CharField(_("Logo 原文件名"), max_length=120, blank=True)
    logo_kind = models.CharField(_("Logo 类型"), max_length=8, blank=True)
    # [{"code": OemCustomisation value, "detail": "..."}]
    customisations = models.JSONField(_("定制项"), default=list, blank=True)
    sample_required = models.BooleanField(_("需要先打样"), default=False)
    target_date = models.DateField(_("期望交货日期"))
    delivery_contact = models.CharField(_("收货人"), max_length=40)
    delivery_phone = models.CharField(_("联系电话"), max_length=20)
    delivery_address = models.CharField(_("收货地址"), max_length=200)
    remarks = models.TextField(_("其他要求"), blank=True)

    # Routing and the feasibility review (done by the Celery task)
    partner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("供应商"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oem_orders",
    )
    stockrecord = models.ForeignKey(
        "partner.StockRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enqueued_at = models.DateTimeField(_("最近排队时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    estimated_lead_days = models.PositiveIntegerField(_("预计交期（天）"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    # The vendor's offer (tax-inclusive)
    unit_price = models.DecimalField(
        _("单价（含税）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    tooling_fee = models.DecimalField(
        _("开模/设置费"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    deposit = models.DecimalField(_("定金"), max_digits=14, decimal_places=2, null=True, blank=True)
    offer_lead_days = models.PositiveIntegerField(_("承诺交期（天）"), null=True, blank=True)
    offer_note = models.TextField(_("报价说明"), blank=True)
    offered_at = models.DateTimeField(_("报价时间"), null=True, blank=True)
    # The offer's version: 0 before any offer, +1 on each offer or revision. The buyer's
    # acceptance names the version it saw; a newer one refuses it.
    offer_revision = models.PositiveIntegerField(_("报价版本"), default=0)
    offer_reminded_at = models.DateTimeField(_("最近报价提醒"), null=True, blank=True)

    # After acceptance
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    promised_date = models.DateField(_("承诺交货日期"), null=True, blank=True)
    overdue_warned_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)
    oscar_order = models.OneToOneField(
        "order.Order",
        verbose_name=_("商城订单"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oem_order",
    )

    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("OEM 订单")
        verbose_name_plural = _("OEM 订单")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="oem_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(quantity__lte=MAX_OEM_QUANTITY), name="oem_quantity_max"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__isnull=True)
                | models.Q(unit_price__gt=0, unit_price__lte=MAX_UNIT_PRICE),
                name="oem_unit_price_range",
            ),
            models.CheckConstraint(
                condition=models.Q(tooling_fee__gte=0, tooling_fee__lte=MAX_AMOUNT),
                name="oem_tooling_fee_range",
            ),
            models.CheckConstraint(
                condition=models.Q(deposit__isnull=True) | models.Q(deposit__gt=0, deposit__lte=MAX_AMOUNT),
                name="oem_deposit_range",
            ),
            models.CheckConstraint(
                condition=models.Q(offer_lead_days__isnull=True)
                | models.Q(offer_lead_days__gte=1, offer_lead_days__lte=MAX_OEM_LEAD_DAYS),
                name="oem_offer_lead_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_lead_days__isnull=True)
                | models.Q(estimated_lead_days__lte=MAX_ESTIMATED_LEAD_DAYS),
                name="oem_estimated_lead_days_max",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def ordered_product(self):
        """The product that is produced: the chosen variant, or the standalone product."""
        return self.variant or self.product

    @property
    def offer_total(self) -> Decimal | None:
        if self.unit_price is None:
            return None
        return self.unit_price * self.quantity + (self.tooling_fee or Decimal("0.00"))

    @property
    def balance(self) -> Decimal | None:
        total = self.offer_total
        if total is None or self.deposit is None:
            return None
        return total - self.deposit

    @property
    def customisation_rows(self) -> list[dict]:
        from shop.apps.catalogue.models import OemCustomisation

        labels = dict(OemCustomisation.choices)
        return [
            {
                "code": c.get("code"),
                "label": labels.get(c.get("code"), c.get("code")),
                "detail": c.get("detail"),
            }
            for c in self.customisations or []
        ]

    @property
    def buyer_can_cancel(self) -> bool:
        return self.status in BUYER_CANCELLABLE


# Timeline labels of event kinds (``AuditEvent.kind``).
EVENT_LABELS = {
    "submitted": _("提交订单"),
    "reviewed": _("可行性审核通过，已转交供应商"),
    "review_rejected": _("可行性审核未通过"),
    "offer": _("供应商报价"),
    "offer_revised": _("供应商修改报价"),
    "accepted": _("采购方接受报价，待付定金"),
    "approval_submitted": _("采购单位审批中"),
    "approval_ended": _("采购单位审批未通过，报价待接受"),
    "deposit_paid": _("定金已到账"),
    "sampling": _("开始打样"),
    "sample_rejected": _("样品未通过，需重新打样"),
    "sample_approved": _("样品已确认"),
    "production": _("开始生产"),
    "shipped": _("已发货"),
    "completed": _("订单完成"),
    "rejected": _("供应商拒绝"),
    "cancelled": _("订单取消"),
    "unpaid_cancelled": _("未付定金，订单取消"),
    "offer_reminder": _("提醒供应商报价"),
    "overdue": _("生产逾期提醒"),
}


class OemOrderEvent(AuditEvent):
    """One line of an OEM order's timeline."""

    order = models.ForeignKey(OemOrder, on_delete=models.CASCADE, related_name="events")
    # E-mails for this event were sent (set once; the sweep re-sends events left unsent).
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))

    class Meta(AuditEvent.Meta):
        verbose_name = _("OEM 订单事件")
        verbose_name_plural = _("OEM 订单事件")

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.from_status}->{self.to_status}"
