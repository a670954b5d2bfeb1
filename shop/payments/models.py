"""Payment plans and invoice requests attached to Oscar orders.

Every order the mall creates (accepted quote, confirmed OEM order, direct purchase) has a
payment plan of one or more stages (全款, or 定金/进度款/尾款 for large or OEM orders) and may
carry the buyer's invoice request."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.models import InvoiceType, InvoiceWish
from shop.core.models import AuditEvent
from shop.core.tax import VAT_RATES
from shop.core.uploads import PrivateUploadTo, private_storage

# Sane bounds of every number the payment pages accept (forms, services and CHECK constraints
# in the database use the same figures): one stage, slip, receipt or invoice is at most
# ¥99,999,999.99 (under 一亿元; larger contracts are split into stages), an order line at
# most 1,000,000 units.
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")
MAX_QUANTITY = 1_000_000


def amount_in_range(field: str, *, nullable: bool = False, allow_zero: bool = False) -> Q:
    """CHECK condition: ``field`` between 0.01 (or 0) and MAX_AMOUNT (or NULL when allowed)."""
    low = Decimal("0.00") if allow_zero else MIN_AMOUNT
    condition = Q(**{f"{field}__gte": low, f"{field}__lte": MAX_AMOUNT})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


class OrderSource(models.TextChoices):
    QUOTE = "quote", _("询价成交")
    OEM = "oem", _("OEM 定制")
    DIRECT = "direct", _("直接购买")
    SOURCING = "sourcing", _("询价竞价成交")


class Settlement(models.TextChoices):
    """When the buyer pays: before delivery, or after its 履约验收 within the legal term
    (《保障中小企业款项支付条例》: 30 days after acceptance, up to 60 by agreement)."""

    PREPAY = "prepay", _("付款后发货")
    AFTER_ACCEPTANCE = "after_acceptance", _("验收后付款")


class OrderOrigin(models.Model):
    """Where an Oscar order came from (one row per order)."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="origin")
    source = models.CharField(_("来源"), max_length=16, choices=OrderSource.choices)
    reference = models.CharField(_("来源单号"), max_length=32, blank=True, db_index=True)
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    budget_line = models.ForeignKey(
        "buyers.BudgetLine",
        verbose_name=_("预算"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settlement = models.CharField(
        _("付款方式"), max_length=16, choices=Settlement.choices, default=Settlement.PREPAY
    )
    # why this settlement applies, in plain Chinese (shown on the checkout and order pages)
    settlement_reason = models.CharField(_("付款方式说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("订单来源")

    def __str__(self):
        return f"{self.get_source_display()} {self.reference}"


class PayMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("对公转账")
    STRIPE = "stripe", _("在线支付（Stripe）")


class PaymentStage(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("待支付")
        PAID = "paid", _("已支付")
        CANCELLED = "cancelled", _("已取消")

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="payment_stages")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("款项"), max_length=32)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DUE)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    paid_via = models.CharField(_("支付方式"), max_length=16, choices=PayMethod.choices, blank=True)
    reminded_at = models.DateTimeField(_("催付时间"), null=True, blank=True)
    # set when the stage becomes payable after the whole order was accepted (payable_open)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    due_on = models.DateField(_("付款期限"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="uniq_payment_stage_seq"),
            models.CheckConstraint(condition=amount_in_range("amount"), name="payment_stage_amount_range"),
        ]
        verbose_name = _("付款阶段")

    def __str__(self):
        return f"{self.order.number} {self.label} ¥{self.amount}"


class InvoiceRequest(InvoiceWish):
    """The invoice the buyer needs for an order (copied from the request at order time)."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="invoice_request")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("开票申请")

    def __str__(self):
        return f"{self.order.number} {self.get_invoice_type_display()}"


class PaymentReminder(models.Model):
    """One reminder of a payable (7 days before, on the due day, overdue): at most one per kind."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("到期前 7 天提醒")
        DUE = "due", _("到期当日提醒")
        OVERDUE = "overdue", _("逾期提醒")

    stage = models.ForeignKey(PaymentStage, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("提醒"), max_length=16, choices=Kind.choices)
    sent_on = models.DateField(_("提醒日期"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["stage", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["stage", "kind"], name="uniq_payment_reminder_kind")]
        verbose_name = _("付款提醒")

    def __str__(self):
        return f"{self.stage} {self.get_kind_display()}"


class SellerPaymentProfile(models.Model):
    """A seller's (vendor's, or the mall's own) payment settings: whether a company may pay it
    before delivery, and the Stripe account it owns (Connect, for direct charges)."""

    partner = models.OneToOneField(
        "partner.Partner", on_delete=models.CASCADE, related_name="payment_profile", verbose_name=_("供应商")
    )
    allows_prepay = models.BooleanField(
        _("允许企业客户先付款后发货"),
        default=True,
        help_text=_("党政机关、事业单位始终验收后付款；关闭后企业客户也在验收后付款。"),
    )
    stripe_account_id = models.CharField(_("Stripe 账户 ID"), max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("收款设置")

    def __str__(self):
        return f"{self.partner} 收款设置"


class VendorBankAccount(models.Model):
    """A vendor's own 对公账户, checked by an operator against a proof document (开户许可证 or
    a bank's account certificate). Transfers for the vendor's sales go only to a verified one."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        VERIFIED = "verified", _("已核验")
        REJECTED = "rejected", _("已驳回")

    partner = models.OneToOneField(
        "partner.Partner", on_delete=models.CASCADE, related_name="bank_account", verbose_name=_("供应商")
    )
    account_name = models.CharField(_("开户名"), max_length=128)
    bank_name = models.CharField(_("开户行"), max_length=128)
    account_number = models.CharField(_("账号"), max_length=32)
    proof = models.FileField(
        _("开户证明"), storage=private_storage, upload_to=PrivateUploadTo("bank-proof"), max_length=200
    )
    proof_name = models.CharField(_("证明文件名"), max_length=120)
    proof_kind = models.CharField(max_length=8)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    review_note = models.CharField(_("审核说明"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("供应商对公账户")

    def __str__(self):
        return f"{self.partner} {self.bank_name}"

    @property
    def masked_number(self) -> str:
        return f"****{self.account_number[-4:]}"


# --- Bank transfer (对公转账), Stripe, webhooks, issued invoices, audit -----------------------


class BankTransfer(models.Model):
    """A remittance slip (汇款凭证) the buyer uploaded for one payment stage."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待确认到账")
        CONFIRMED = "confirmed", _("已确认到账")
        REJECTED = "rejected", _("未到账/已驳回")

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="bank_transfers")
    stage = models.ForeignKey(PaymentStage, on_delete=models.CASCADE, related_name="bank_transfers")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    payer_name = models.CharField(_("汇款单位"), max_length=120)
    amount = models.DecimalField(_("汇款金额"), max_digits=14, decimal_places=2)
    # What the confirming vendor / operator saw arrive on the account (None until confirmed).
    received_amount = models.DecimalField(
        _("实收金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    remitted_on = models.DateField(_("汇款日期"))
    slip = models.FileField(
        _("汇款凭证"), storage=private_storage, upload_to=PrivateUploadTo("remittance"), max_length=200
    )
    slip_name = models.CharField(_("凭证文件名"), max_length=120)
    slip_kind = models.CharField(max_length=8)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    review_note = models.CharField(_("确认说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=amount_in_range("amount"), name="bank_transfer_amount_range"),
            models.CheckConstraint(
                condition=amount_in_range("received_amount", nullable=True),
                name="bank_transfer_received_range",
            ),
        ]
        verbose_name = _("对公转账凭证")

    def __str__(self):
        return f"{self.order.number} {self.stage.label} ¥{self.amount}"


class StripePayment(models.Model):
    """One attempt to pay a stage through a Stripe PaymentIntent.

    The row is saved before Stripe is called; its idempotency key (order number + stage +
    attempt) is what every create for this attempt sends, so a retried request never makes a
    second PaymentIntent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("创建中")
        REQUIRES_ACTION = "requires_action", _("待验证")
        PROCESSING = "processing", _("处理中")
        SUCCEEDED = "succeeded", _("支付成功")
        FAILED = "failed", _("支付失败")

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="stripe_payments")
    stage = models.ForeignKey(PaymentStage, on_delete=models.CASCADE, related_name="stripe_payments")
    attempt = models.PositiveSmallIntegerField(_("第几次尝试"))
    client_token = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=80, unique=True)
    payment_intent_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # the seller's own connected account the charge is made on (Stripe-Account header); empty:
    # the mall's own account, for its 自营 sales only
    stripe_account = models.CharField(_("收款 Stripe 账户"), max_length=64, blank=True)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    last_error = models.CharField(_("失败原因"), max_length=300, blank=True)
    flagged = models.CharField(_("异常"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "attempt"], name="uniq_stripe_payment_attempt"),
            models.UniqueConstraint(fields=["stage", "client_token"], name="uniq_stripe_payment_token"),
            models.CheckConstraint(condition=amount_in_range("amount"), name="stripe_payment_amount_range"),
        ]
        verbose_name = _("Stripe 支付")

    def __str__(self):
        return f"{self.idempotency_key} {self.payment_intent_id or ''}"


class StripeEvent(models.Model):
    """A verified Stripe webhook event, stored by its id before anything acts on it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("待处理")
        PROCESSED = "processed", _("已处理")
        IGNORED = "ignored", _("无需处理")
        FLAGGED = "flagged", _("异常待核查")

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    payment_intent_id = models.CharField(max_length=64, blank=True, db_index=True)
    payload = models.TextField()
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    deliveries = models.PositiveIntegerField(_("收到次数"), default=1)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("Stripe 事件")

    def __str__(self):
        return f"{self.event_id} {self.type}"


class IssuedInvoice(models.Model):
    """A VAT invoice a vendor (or the mall) issued for its share of an order."""

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="issued_invoices")
    partner = models.ForeignKey(
        "partner.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice_type = models.CharField(_("发票类型"), max_length=16, choices=InvoiceType.choices)
    number = models.CharField(_("发票号码"), max_length=32)
    issued_on = models.DateField(_("开票日期"))
    tax_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2)
    amount = models.DecimalField(_("金额（不含税）"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(_("税额"), max_digits=14, decimal_places=2)
    # the invoice itself (PDF/OFD scan or image) as the seller uploaded it, private
    document = models.FileField(
        _("发票文件"),
        storage=private_storage,
        upload_to=PrivateUploadTo("invoices"),
        max_length=200,
        blank=True,
    )
    document_name = models.CharField(_("发票文件名"), max_length=120, blank=True)
    document_kind = models.CharField(max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["issued_on", "pk"]
        constraints = [
            # the last line behind invoice_issue's own check (a race of two recordings)
            models.UniqueConstraint(fields=["partner", "number"], name="uniq_issued_invoice_number"),
            models.CheckConstraint(condition=amount_in_range("amount"), name="issued_invoice_amount_range"),
            models.CheckConstraint(
                condition=amount_in_range("tax", allow_zero=True), name="issued_invoice_tax_range"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__in=VAT_RATES), name="issued_invoice_tax_rate_allowed"
            ),
        ]
        verbose_name = _("已开发票")

    def __str__(self):
        return f"{self.order.number} 发票 {self.number}"

    @property
    def total(self):
        return self.amount + self.tax


class PaymentAuditEvent(AuditEvent):
    """One row per payment state change (stage, order status, transfer, Stripe attempt/event)."""

    order = models.ForeignKey("order.Order", null=True, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(PaymentStage, null=True, on_delete=models.CASCADE, related_name="events")
    transfer = models.ForeignKey(BankTransfer, null=True, on_delete=models.CASCADE, related_name="events")
    stripe_payment = models.ForeignKey(
        StripePayment, null=True, on_delete=models.CASCADE, related_name="events"
    )
    stripe_event = models.ForeignKey(StripeEvent, null=True, on_delete=models.CASCADE, related_name="events")
    bank_account = models.ForeignKey(
        VendorBankAccount, null=True, on_delete=models.CASCADE, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        verbose_name = _("支付事件记录")
