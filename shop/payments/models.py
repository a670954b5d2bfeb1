"""Payment plans and invoice requests attached to Oscar orders.

Every order the mall creates (accepted quote, confirmed OEM order, direct purchase) has a
payment plan of one or more stages (全款, or 定金/进度款/尾款 for large or OEM orders) and may
carry the buyer's invoice request."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.buyers.models import InvoiceWish


class OrderSource(models.TextChoices):
    QUOTE = "quote", _("询价成交")
    OEM = "oem", _("OEM 定制")
    DIRECT = "direct", _("直接购买")


class OrderOrigin(models.Model):
    """Where an Oscar order came from (one row per order)."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="origin")
    source = models.CharField(_("来源"), max_length=16, choices=OrderSource.choices)
    reference = models.CharField(_("来源单号"), max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("订单来源")

    def __str__(self):
        return f"{self.get_source_display()} {self.reference}"


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

    class Meta:
        ordering = ["order", "sequence"]
        constraints = [models.UniqueConstraint(fields=["order", "sequence"], name="uniq_payment_stage_seq")]
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
