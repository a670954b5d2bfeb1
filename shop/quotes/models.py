"""Quote requests (询价): the buyer's quote list, requests, per-vendor quotes and their audit trail.

A buyer collects products in a quote list (询价单, like a basket), submits it as a
``QuoteRequest``; processing splits it into one ``VendorQuote`` per vendor (unique by request
and partner), each with one ``VendorQuoteLine`` per requested product it quotes. Every state
change goes through ``shop.core.transitions.transition`` and leaves an event row."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS, InvoiceWish, OrganisationSnapshot
from shop.core.limits import MAX_AMOUNT, MAX_QUOTE_LEAD_DAYS, MAX_QUOTE_QUANTITY, MAX_UNIT_PRICE
from shop.core.models import AuditEvent
from shop.core.money import q2, split_tax_inclusive
from shop.core.tax import DEFAULT_VAT_RATE, VAT_RATES, validate_vat_rate
from shop.core.uploads import PrivateUploadTo, private_storage

MAX_LINE_QUANTITY = MAX_QUOTE_QUANTITY


class QuoteList(models.Model):
    """The 询价单 being assembled: one per user, or one per anonymous session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quote_list",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("询价单")
        verbose_name_plural = _("询价单")

    def __str__(self):
        return f"询价单 #{self.pk}"


class QuoteListLine(models.Model):
    quote_list = models.ForeignKey(QuoteList, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(
        _("数量"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LINE_QUANTITY)]
    )
    remark = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quote_list", "product"], name="uniq_quote_list_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUOTE_QUANTITY),
                name="quote_list_line_quantity_range",
            ),
        ]
        verbose_name = _("询价单明细")

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"


class ProcurementMethod(models.TextChoices):
    # 直购 places a direct order at the list price (the items go to the basket and checkout);
    # it never becomes a request. The other three are requests vendors answer with a quote.
    DIRECT = "direct", _("直购")
    NEGOTIATED = "negotiated", _("协商报价")
    INQUIRY = "inquiry", _("询价采购")
    SINGLE_SOURCE = "single_source", _("单一来源")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    PROCESSING = "processing", _("处理中")
    QUOTED = "quoted", _("已报价")
    # a buying unit's acceptance over its approval threshold waits for its 审批人
    AWAITING_APPROVAL = "approval", _("待审批")
    ACCEPTED = "accepted", _("已接受报价")
    ORDERED = "ordered", _("已下单")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


REQUEST_MOVES = {
    RequestStatus.SUBMITTED: {RequestStatus.PROCESSING, RequestStatus.CANCELLED},
    RequestStatus.PROCESSING: {RequestStatus.QUOTED, RequestStatus.CANCELLED},
    RequestStatus.QUOTED: {
        RequestStatus.AWAITING_APPROVAL,
        RequestStatus.ACCEPTED,
        RequestStatus.CANCELLED,
        RequestStatus.EXPIRED,
    },
    # approved → accepted; rejected, withdrawn or void (quote revised beyond the budget, expired,
    # declined) → back to quoted; the buyer may still cancel the whole request
    RequestStatus.AWAITING_APPROVAL: {RequestStatus.QUOTED, RequestStatus.ACCEPTED, RequestStatus.CANCELLED},
    RequestStatus.ACCEPTED: {RequestStatus.ORDERED},
    RequestStatus.ORDERED: set(),
    RequestStatus.CANCELLED: set(),
    RequestStatus.EXPIRED: set(),
}
OPEN_REQUEST_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.PROCESSING,
    RequestStatus.QUOTED,
    RequestStatus.AWAITING_APPROVAL,
)
# the request's vendors may still (re)quote: while the buyer compares, and while its unit approves
QUOTING_REQUEST_STATUSES = (RequestStatus.QUOTED, RequestStatus.AWAITING_APPROVAL)


class VendorQuoteStatus(models.TextChoices):
    PENDING = "pending", _("待报价")
    INDICATIVE = "indicative", _("参考报价")
    ANSWERED = "answered", _("已报价")
    REVISION_REQUESTED = "revision_requested", _("待修改报价")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    EXPIRED = "expired", _("已过期")


VQ = VendorQuoteStatus
VENDOR_QUOTE_MOVES = {
    VQ.PENDING: {VQ.INDICATIVE, VQ.ANSWERED, VQ.DECLINED, VQ.EXPIRED},
    VQ.INDICATIVE: {VQ.ANSWERED, VQ.REVISION_REQUESTED, VQ.ACCEPTED, VQ.DECLINED, VQ.EXPIRED},
    VQ.ANSWERED: {VQ.ANSWERED, VQ.REVISION_REQUESTED, VQ.ACCEPTED, VQ.DECLINED, VQ.EXPIRED},
    VQ.REVISION_REQUESTED: {VQ.ANSWERED, VQ.DECLINED, VQ.EXPIRED},
    VQ.ACCEPTED: set(),
    VQ.DECLINED: set(),
    VQ.EXPIRED: set(),
}
LIVE_VENDOR_QUOTE_STATUSES = (VQ.PENDING, VQ.INDICATIVE, VQ.ANSWERED, VQ.REVISION_REQUESTED)
AWAITING_VENDOR_STATUSES = (VQ.PENDING, VQ.INDICATIVE, VQ.REVISION_REQUESTED)


class StepState(models.TextChoices):
    """Side effects done by tasks (PDF, e-mails): pending until done, failed past the retry cap."""

    PENDING = "pending", _("待处理")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# What a buyer fills in when submitting (form, API and service share this list).
REQUEST_INPUT_FIELDS = (
    *ORG_FIELDS,
    "contact_name",
    "contact_mobile",
    "contact_email",
    "delivery_region",
    "delivery_address",
    "needed_by",
    "budget",
    "procurement_method",
    "remark",
    *INVOICE_FIELDS,
)


class QuoteRequest(OrganisationSnapshot, InvoiceWish):
    number = models.CharField(_("询价单号"), max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("采购人账号"),
        on_delete=models.PROTECT,
        related_name="quote_requests",
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quote_requests",
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
        _("状态"),
        max_length=16,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    contact_name = models.CharField(_("联系人"), max_length=64)
    contact_mobile = models.CharField(_("手机号码"), max_length=11)
    contact_email = models.EmailField(_("电子邮箱"))
    delivery_region = models.CharField(_("收货地区"), max_length=120)
    delivery_address = models.CharField(_("收货地址"), max_length=200)
    needed_by = models.DateField(_("需求日期"))
    budget = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    procurement_method = models.CharField(
        _("采购方式"), max_length=16, choices=ProcurementMethod.choices, default=ProcurementMethod.NEGOTIATED
    )
    remark = models.TextField(_("需求说明"), blank=True)

    buyer_mail_state = models.CharField(
        _("采购方通知"), max_length=8, choices=StepState.choices, default=StepState.PENDING
    )
    buyer_mail_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    accepted_quote = models.OneToOneField(
        "VendorQuote",
        verbose_name=_("接受的报价"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.OneToOneField(
        "order.Order",
        verbose_name=_("订单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quote_request",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("分发时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("询价")
        verbose_name_plural = _("询价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gt=0, budget__lte=MAX_AMOUNT),
                name="quote_request_budget_range",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def status_label(self) -> str:
        """The status as the buyer reads it: a request that no vendor has priced yet (only the
        catalogue's 参考报价 so far, or still being routed) is 等待报价, not 已报价. Reads the
        vendor quotes the page prefetched."""
        waiting = (RequestStatus.SUBMITTED, RequestStatus.PROCESSING, RequestStatus.QUOTED)
        if self.status not in waiting:
            return self.get_status_display()
        priced = {
            VendorQuoteStatus.ANSWERED,
            VendorQuoteStatus.REVISION_REQUESTED,
            VendorQuoteStatus.ACCEPTED,
        }
        if any(vq.status in priced for vq in self.vendor_quotes.all()):
            return self.get_status_display()
        return str(_("等待报价"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def has_failures(self) -> bool:
        return self.buyer_mail_state == StepState.FAILED or any(
            vq.has_failures for vq in self.vendor_quotes.all()
        )


class QuoteRequestLine(models.Model):
    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalogue.Product", null=True, on_delete=models.SET_NULL, related_name="quote_request_lines"
    )
    title = models.CharField(_("商品"), max_length=255)
    unit = models.CharField(_("单位"), max_length=16, default="台")
    quantity = models.PositiveIntegerField(
        _("数量"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LINE_QUANTITY)]
    )
    remark = models.CharField(_("备注"), max_length=200, blank=True)
    tax_rate = models.DecimalField(
        _("税率"), max_digits=4, decimal_places=2, default=DEFAULT_VAT_RATE, validators=[validate_vat_rate]
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("询价明细")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUOTE_QUANTITY),
                name="quote_request_line_quantity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__in=VAT_RATES), name="quote_request_line_vat_rate"
            ),
        ]

    def __str__(self):
        return f"{self.title} × {self.quantity}"


class QuoteAttachment(models.Model):
    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=PrivateUploadTo("quote-attachments"), max_length=255
    )
    display_name = models.CharField(_("文件名"), max_length=128)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveIntegerField(_("大小"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("询价附件")

    def __str__(self):
        return self.display_name


class VendorQuote(models.Model):
    """One vendor's quote for (its part of) a request."""

    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="vendor_quotes")
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="quotes"
    )
    number = models.CharField(_("报价单号"), max_length=20, unique=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=VendorQuoteStatus.choices, default=VQ.PENDING, db_index=True
    )
    is_indicative = models.BooleanField(_("参考价"), default=False)
    lead_time_days = models.PositiveIntegerField(_("交货期（天）"), null=True, blank=True)
    # The offer's version: 1 for the routed/indicative quote, +1 on each answer or revision.
    # Acceptance names the version the buyer saw; a newer one refuses it.
    revision = models.PositiveIntegerField(_("报价版本"), default=1)
    valid_until = models.DateTimeField(_("报价有效期至"), null=True, blank=True, db_index=True)
    terms = models.TextField(_("报价条款"), blank=True)
    revision_note = models.TextField(_("修改要求"), blank=True)
    answered_at = models.DateTimeField(_("报价时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("催办时间"), null=True, blank=True)

    pdf = models.FileField(
        _("报价单 PDF"),
        storage=private_storage,
        upload_to=PrivateUploadTo("quote-pdfs"),
        max_length=255,
        blank=True,
    )
    pdf_version = models.PositiveIntegerField(default=1)
    pdf_rendered_version = models.PositiveIntegerField(default=0)
    pdf_state = models.CharField(max_length=8, choices=StepState.choices, default=StepState.PENDING)
    pdf_attempts = models.PositiveSmallIntegerField(default=0)
    pdf_requested_at = models.DateTimeField(default=timezone.now)
    vendor_mail_state = models.CharField(max_length=8, choices=StepState.choices, default=StepState.PENDING)
    vendor_mail_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "partner"], name="uniq_vendor_quote_request_partner"),
            models.CheckConstraint(
                condition=models.Q(lead_time_days__isnull=True)
                | models.Q(lead_time_days__gte=0, lead_time_days__lte=MAX_QUOTE_LEAD_DAYS),
                name="vendor_quote_lead_time_range",
            ),
        ]
        verbose_name = _("供应商报价")
        verbose_name_plural = _("供应商报价")

    def __str__(self):
        return self.number

    @property
    def has_failures(self) -> bool:
        return StepState.FAILED in (self.pdf_state, self.vendor_mail_state)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_VENDOR_QUOTE_STATUSES

    def priced_lines(self):
        return [line for line in self.lines.all() if line.unit_price_incl_tax is not None]

    def totals(self) -> dict:
        """Totals of the priced lines: excl/tax/incl and a breakdown per tax rate."""
        excl = tax = incl = Decimal("0.00")
        by_rate: dict[Decimal, dict] = {}
        for line in self.priced_lines():
            l_incl = line.line_total_incl_tax
            l_excl, l_tax = split_tax_inclusive(l_incl, line.tax_rate)
            excl, tax, incl = excl + l_excl, tax + l_tax, incl + l_incl
            row = by_rate.setdefault(
                line.tax_rate, {"rate": line.tax_rate, "excl": Decimal("0.00"), "tax": Decimal("0.00")}
            )
            row["excl"] += l_excl
            row["tax"] += l_tax
        return {
            "excl": excl,
            "tax": tax,
            "incl": incl,
            "by_rate": [by_rate[r] for r in sorted(by_rate, reverse=True)],
            "priced": len(self.priced_lines()),
        }


class VendorQuoteLine(models.Model):
    vendor_quote = models.ForeignKey(VendorQuote, on_delete=models.CASCADE, related_name="lines")
    request_line = models.ForeignKey(QuoteRequestLine, on_delete=models.CASCADE, related_name="vendor_lines")
    stockrecord = models.ForeignKey(
        "partner.StockRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price_incl_tax = models.DecimalField(
        _("含税单价"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tax_rate = models.DecimalField(
        _("税率"), max_digits=4, decimal_places=2, default=DEFAULT_VAT_RATE, validators=[validate_vat_rate]
    )
    is_from_price = models.BooleanField(_("起价"), default=False)

    class Meta:
        ordering = ["request_line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_quote", "request_line"], name="uniq_vendor_quote_line_request_line"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUOTE_QUANTITY),
                name="vendor_quote_line_quantity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_incl_tax__isnull=True)
                | models.Q(unit_price_incl_tax__gt=0, unit_price_incl_tax__lte=MAX_UNIT_PRICE),
                name="vendor_quote_line_price_range",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__in=VAT_RATES), name="vendor_quote_line_vat_rate"
            ),
        ]
        verbose_name = _("报价明细")

    def __str__(self):
        return f"{self.request_line.title} @ {self.unit_price_incl_tax}"

    @property
    def unit_price_excl_tax(self) -> Decimal | None:
        if self.unit_price_incl_tax is None:
            return None
        return split_tax_inclusive(self.unit_price_incl_tax, self.tax_rate)[0]

    @property
    def unit_tax(self) -> Decimal | None:
        if self.unit_price_incl_tax is None:
            return None
        return split_tax_inclusive(self.unit_price_incl_tax, self.tax_rate)[1]

    @property
    def line_total_incl_tax(self) -> Decimal | None:
        if self.unit_price_incl_tax is None:
            return None
        return q2(self.unit_price_incl_tax * self.quantity)


class QuoteRequestEvent(AuditEvent):
    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("询价记录")
        verbose_name_plural = _("询价记录")


class VendorQuoteEvent(AuditEvent):
    vendor_quote = models.ForeignKey(VendorQuote, on_delete=models.CASCADE, related_name="events")
    # Events the other party is e-mailed about (an answer → buyer; a revision request,
    # decline or acceptance → vendor) carry a notification step; others leave it blank.
    notify_state = models.CharField(max_length=8, choices=StepState.choices, blank=True, db_index=True)
    notify_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("报价记录")
        verbose_name_plural = _("报价记录")


EVENT_KIND_LABELS = {
    "submitted": _("提交询价"),
    "status": _("状态变更"),
    "processing": _("开始分发"),
    "routed": _("已分发给供应商"),
    "indicative": _("生成参考报价"),
    "answered": _("供应商报价"),
    "revised": _("供应商修改报价"),
    "revision_requested": _("要求修改报价"),
    "accepted": _("接受报价"),
    "approval_submitted": _("提交单位审批"),
    "approval_ended": _("单位审批未通过"),
    "declined": _("拒绝报价"),
    "vendor_declined": _("供应商不参与报价"),
    "ordered": _("生成订单"),
    "cancelled": _("取消询价"),
    "expired": _("报价过期"),
    "reminded": _("催促供应商报价"),
    "failed": _("处理失败"),
    "retried": _("重新处理"),
}
