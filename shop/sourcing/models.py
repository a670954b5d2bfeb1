"""Sourcing events of buying units: sealed 网上询价 and 反向竞价 (reverse auctions).

财政部令第74号《政府采购非招标采购方式管理办法》 for 询价: at least 3 qualified suppliers are
invited (or the event is open to every qualified supplier of the category), at least 3 working
days from the notice to the deadline, each supplier quotes once a price it cannot change, the
lowest price among the responses meeting the requirements wins, and fewer than 3 valid
responses end the procedure (失败). Prices are sealed until the deadline: they are stored here,
but no selector returns them before ``opened_at`` is set (see ``selectors``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.limits import MAX_AMOUNT, MAX_QUOTE_QUANTITY, MAX_UNIT_PRICE
from shop.core.models import AuditEvent


class Mode(models.TextChoices):
    INQUIRY = "inquiry", _("网上询价")
    AUCTION = "auction", _("反向竞价")


class Invitation(models.TextChoices):
    INVITED = "invited", _("邀请供应商")
    OPEN = "open", _("公开征集（本品目全部合格供应商）")


class EventStatus(models.TextChoices):
    OPEN = "open", _("报价中")
    EVALUATED = "evaluated", _("待确认成交")
    AWAITING_APPROVAL = "awaiting_approval", _("成交待审批")
    AWARDED = "awarded", _("已成交")
    FAILED = "failed", _("采购失败")
    NOT_AWARDED = "not_awarded", _("未成交")
    CANCELLED = "cancelled", _("已撤销")


ES = EventStatus
EVENT_MOVES = {
    ES.OPEN: {ES.EVALUATED, ES.FAILED, ES.CANCELLED},
    ES.EVALUATED: {ES.AWAITING_APPROVAL, ES.AWARDED, ES.NOT_AWARDED},
    ES.AWAITING_APPROVAL: {ES.AWARDED, ES.EVALUATED},
    ES.AWARDED: set(),
    ES.FAILED: set(),
    ES.NOT_AWARDED: set(),
    ES.CANCELLED: set(),
}
DECIDED_STATUSES = (ES.AWARDED, ES.FAILED, ES.NOT_AWARDED)


class SourcingEvent(models.Model):
    number = models.CharField(_("项目编号"), max_length=20, unique=True)
    mode = models.CharField(_("采购方式"), max_length=8, choices=Mode.choices)
    title = models.CharField(_("项目名称"), max_length=120)
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        on_delete=models.PROTECT,
        related_name="sourcing_events",
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "catalogue.Category", verbose_name=_("品目"), on_delete=models.PROTECT, related_name="+"
    )
    budget_line = models.ForeignKey(
        "buyers.BudgetLine",
        verbose_name=_("预算"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivery_place = models.CharField(_("交货地点"), max_length=200)
    delivery_date = models.DateField(_("交货日期"))
    max_total = models.DecimalField(
        _("最高限价（含税）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    qualifications = models.TextField(_("资格要求"), blank=True)
    invitation = models.CharField(_("供应商范围"), max_length=8, choices=Invitation.choices)
    # 询价: the response deadline; 竞价: the end of bidding (extended by late bids)
    starts_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"), db_index=True)
    start_price = models.DecimalField(
        _("起始价（含税）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decrement = models.DecimalField(_("最小降价幅度"), max_digits=14, decimal_places=2, null=True, blank=True)
    extend_minutes = models.PositiveSmallIntegerField(_("延时竞价（分钟）"), default=0)
    min_valid = models.PositiveSmallIntegerField(_("最少有效响应数"), default=3)
    status = models.CharField(
        _("状态"), max_length=20, choices=EventStatus.choices, default=ES.OPEN, db_index=True
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    result_note = models.TextField(_("结果说明"), blank=True)
    winner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("成交供应商"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    award_total = models.DecimalField(_("成交金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    order = models.OneToOneField(
        "order.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="sourcing_event"
    )
    reissued_from = models.ForeignKey(
        "self", verbose_name=_("原项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("采购项目")
        verbose_name_plural = _("采购项目")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_total__isnull=True)
                | models.Q(max_total__gt=0, max_total__lte=MAX_AMOUNT),
                name="sourcing_max_total_range",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("starts_at")), name="sourcing_window"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == ES.OPEN

    @property
    def sealed(self) -> bool:
        """询价 prices stay sealed until the event is opened at its deadline."""
        return self.opened_at is None


class SourcingLine(models.Model):
    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("商品"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("名称"), max_length=255)
    spec = models.TextField(_("技术参数与要求"), blank=True)
    quantity = models.PositiveIntegerField(_("数量"))
    unit = models.CharField(_("单位"), max_length=16)
    tax_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2, default=0)

    class Meta:
        ordering = ["event", "sequence"]
        verbose_name = _("采购明细")
        constraints = [
            models.UniqueConstraint(fields=["event", "sequence"], name="sourcing_line_sequence_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUOTE_QUANTITY),
                name="sourcing_line_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.title} × {self.quantity}"


class SourcingInvite(models.Model):
    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="invites")
    partner = models.ForeignKey("partner.Partner", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("受邀供应商")
        constraints = [models.UniqueConstraint(fields=["event", "partner"], name="sourcing_invite_once")]


class SupplierResponse(models.Model):
    """One supplier's sealed response to a 询价: one price per line, given once."""

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="responses")
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("报价时间"), default=timezone.now)
    delivery_days = models.PositiveSmallIntegerField(_("承诺交货期（天）"))
    notes = models.TextField(_("说明"), blank=True)
    total = models.DecimalField(_("报价总额（含税）"), max_digits=14, decimal_places=2)
    # set when the event is opened
    valid = models.BooleanField(_("有效"), null=True)
    exclusion_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)

    class Meta:
        verbose_name = _("供应商响应")
        ordering = ["event", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "partner"], name="sourcing_one_response_per_supplier"),
            models.CheckConstraint(
                condition=models.Q(total__gt=0, total__lte=MAX_AMOUNT), name="sourcing_response_total_range"
            ),
        ]

    def __str__(self):
        return f"{self.event.number} · {self.partner_id}"


class ResponseLine(models.Model):
    response = models.ForeignKey(SupplierResponse, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(SourcingLine, on_delete=models.CASCADE, related_name="+")
    unit_price = models.DecimalField(_("单价（含税）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("响应明细")
        constraints = [
            models.UniqueConstraint(fields=["response", "line"], name="sourcing_response_line_once"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gt=0, unit_price__lte=MAX_UNIT_PRICE),
                name="sourcing_response_price_range",
            ),
        ]


class Bid(models.Model):
    """One bid of a 反向竞价: the supplier's total price for all lines."""

    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="bids")
    partner = models.ForeignKey("partner.Partner", on_delete=models.PROTECT, related_name="+")
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("报价（含税）"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("出价时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("竞价出价")
        ordering = ["event", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="sourcing_bid_range"
            ),
        ]


LOG_LABELS = {
    "published": _("发布"),
    "responded": _("供应商报价"),
    "bid": _("供应商出价"),
    "opened": _("开启并评审"),
    "failed": _("采购失败"),
    "award_submitted": _("成交结果提交审批"),
    "award_returned": _("审批未通过，退回待确认"),
    "awarded": _("确认成交"),
    "not_awarded": _("不确认成交"),
    "cancelled": _("撤销"),
}


class SourcingEventLog(AuditEvent):
    event = models.ForeignKey(SourcingEvent, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("采购项目记录")

    @property
    def label(self) -> str:
        return str(LOG_LABELS.get(self.kind, self.kind))
