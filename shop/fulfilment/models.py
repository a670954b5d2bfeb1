"""Delivery and 履约验收 of an Oscar order, line by line.

The vendor of a line records what it delivered (a shipment with carrier and tracking number,
or a service delivery with a description and attachments); partial deliveries are allowed, but
what is delivered and not rejected never exceeds what was ordered. The buyer unit records the
acceptance of delivered quantities (合格 / 不合格 with comments and attachments); a rejection
goes back to the vendor, who delivers again. When every line is accepted in full the order is
accepted (``Fulfilment.status``) and its payment becomes due (``shop.payments``).

Each line's counters live on ``LineFulfilment`` (the row every change locks); each state
change writes one ``FulfilmentEvent`` through ``shop.core.transitions.transition``."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class Fulfilment(models.Model):
    """The delivery and acceptance of one Oscar order (created with its first look)."""

    class Status(models.TextChoices):
        OPEN = "open", _("履约中")
        ACCEPTED = "accepted", _("已验收")

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="fulfilment")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    accepted_at = models.DateTimeField(_("验收完成时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("订单履约")
        verbose_name_plural = _("订单履约")

    def __str__(self):
        return f"{self.order_id} {self.get_status_display()}"


class LineFulfilment(models.Model):
    """One order line: what was ordered, delivered, accepted and rejected (quantities)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待交付")
        DELIVERED = "delivered", _("待验收")
        REJECTED = "rejected", _("验收不合格，待重新交付")
        ACCEPTED = "accepted", _("已验收")

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    line = models.OneToOneField("order.Line", on_delete=models.CASCADE, related_name="fulfilment")
    partner = models.ForeignKey(
        "partner.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    ordered = models.PositiveIntegerField(_("订购数量"))
    delivered = models.PositiveIntegerField(_("已交付数量"), default=0)
    accepted = models.PositiveIntegerField(_("验收合格数量"), default=0)
    rejected = models.PositiveIntegerField(_("验收不合格数量"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["line_id"]
        verbose_name = _("订单行履约")
        constraints = [
            # inspected never exceeds delivered; delivered and not rejected never exceeds ordered
            models.CheckConstraint(
                condition=Q(delivered__gte=F("accepted") + F("rejected")),
                name="fulfilment_inspected_le_delivered",
            ),
            models.CheckConstraint(
                condition=Q(delivered__lte=F("ordered") + F("rejected")), name="fulfilment_net_le_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.line_id} {self.get_status_display()}"

    @property
    def awaiting_inspection(self) -> int:
        """Delivered and neither accepted nor rejected yet."""
        return self.delivered - self.accepted - self.rejected

    @property
    def deliverable(self) -> int:
        """What the vendor may still deliver: ordered minus delivered and not rejected."""
        return self.ordered - (self.delivered - self.rejected)


class DeliveryKind(models.TextChoices):
    SHIPMENT = "shipment", _("物流发货")
    SERVICE = "service", _("服务交付")


class Delivery(models.Model):
    line = models.ForeignKey(LineFulfilment, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(_("交付方式"), max_length=16, choices=DeliveryKind.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    carrier = models.CharField(_("承运商"), max_length=40, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=40, blank=True)
    description = models.TextField(_("交付说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("交付时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("交付记录")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive")]

    def __str__(self):
        return f"{self.line_id} {self.get_kind_display()} × {self.quantity}"


class AcceptanceResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class Acceptance(models.Model):
    line = models.ForeignKey(LineFulfilment, on_delete=models.CASCADE, related_name="acceptances")
    quantity = models.PositiveIntegerField(_("验收数量"))
    result = models.CharField(_("验收结论"), max_length=8, choices=AcceptanceResult.choices)
    comments = models.TextField(_("验收意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("验收时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("验收记录")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="acceptance_quantity_positive")
        ]

    def __str__(self):
        return f"{self.line_id} {self.get_result_display()} × {self.quantity}"


class Attachment(models.Model):
    """A file of a delivery (vendor) or an acceptance (buyer): private, read only by the order's
    buyer side, the line's vendor and operators."""

    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    acceptance = models.ForeignKey(
        Acceptance, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=PrivateUploadTo("fulfilment"), max_length=200
    )
    display_name = models.CharField(_("文件名"), max_length=120)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("交付与验收附件")
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery__isnull=False, acceptance__isnull=True)
                | Q(delivery__isnull=True, acceptance__isnull=False),
                name="fulfilment_attachment_one_owner",
            )
        ]

    def __str__(self):
        return self.display_name


EVENT_LABELS = {
    "delivered": _("供应商交付"),
    "accepted_part": _("验收合格（部分）"),
    "accepted_line": _("验收合格"),
    "rejected": _("验收不合格，退回供应商"),
    "order_accepted": _("订单验收完成"),
}


class FulfilmentEvent(AuditEvent):
    """One state change of an order's fulfilment (``fulfilment``) or of one of its lines (``line``)."""

    fulfilment = models.ForeignKey(
        Fulfilment, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    line = models.ForeignKey(
        LineFulfilment, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        verbose_name = _("履约事件")

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))

    def __str__(self):
        return f"{self.kind} {self.from_status}->{self.to_status}"
