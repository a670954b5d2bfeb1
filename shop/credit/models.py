"""Supplier ratings and credit records.

- ``SupplierRating``: after 履约验收 of an order the buying unit rates the supplier of that order
  once (quality, delivery, service, 1–5 each, with a comment).
- ``CreditEntry``: what operators record about a vendor — a warning (警告), or a suspension
  (暂停交易) with its reason and period. A suspension is in force from ``starts_at`` until
  ``ends_at`` (or until it was lifted early): every check compares the period with the clock,
  so it ends by itself, without a scheduled job.
- ``CreditEvent``: one audit event per change of a vendor's credit record.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent

SCORE_MIN, SCORE_MAX = 1, 5
SCORES = ("quality", "delivery", "service")
SCORE_LABELS = {"quality": _("产品质量"), "delivery": _("交付及时"), "service": _("服务态度")}


def _score_range(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": SCORE_MIN, f"{field}__lte": SCORE_MAX}),
        name=f"credit_rating_{field}_range",
    )


class SupplierRating(models.Model):
    order = models.ForeignKey(
        "order.Order", verbose_name=_("订单"), on_delete=models.CASCADE, related_name="supplier_ratings"
    )
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.CASCADE, related_name="ratings"
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.PROTECT, related_name="+"
    )
    quality = models.PositiveSmallIntegerField(SCORE_LABELS["quality"])
    delivery = models.PositiveSmallIntegerField(SCORE_LABELS["delivery"])
    service = models.PositiveSmallIntegerField(SCORE_LABELS["service"])
    comment = models.TextField(_("评价内容"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("供应商评价")
        verbose_name_plural = _("供应商评价")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "partner"], name="credit_rating_once_per_order"),
            *(_score_range(f) for f in SCORES),
        ]

    def __str__(self):
        return f"{self.order_id} → {self.partner_id}"


class EntryKind(models.TextChoices):
    WARNING = "warning", _("警告")
    SUSPENSION = "suspension", _("暂停交易")


class EntryStatus(models.TextChoices):
    RECORDED = "recorded", _("有效")
    LIFTED = "lifted", _("已提前解除")


class CreditEntry(models.Model):
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.CASCADE, related_name="credit_entries"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.RECORDED
    )
    reason = models.TextField(_("原因"))
    # suspensions only: in force from starts_at (inclusive) to ends_at (exclusive)
    starts_at = models.DateTimeField(_("暂停开始"), null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(_("暂停结束"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lift_reason = models.TextField(_("解除原因"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "kind"], name="credit_entry_partner_kind")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=EntryKind.WARNING)
                | models.Q(starts_at__isnull=False, ends_at__isnull=False, ends_at__gt=models.F("starts_at")),
                name="credit_suspension_period",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.partner_id}"

    def in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return bool(
            self.kind == EntryKind.SUSPENSION
            and self.starts_at <= at < self.ends_at
            and (self.lifted_at is None or self.lifted_at > at)
        )

    @property
    def period_label(self) -> str:
        """The period in local dates: the end date is the last day of the suspension."""
        if self.kind != EntryKind.SUSPENSION:
            return ""
        start = timezone.localtime(self.starts_at)
        last = timezone.localtime(self.ends_at - timezone.timedelta(microseconds=1))
        return f"{start:%Y-%m-%d} 至 {last:%Y-%m-%d}"


EVENT_LABELS = {
    "warned": _("警告"),
    "suspended": _("暂停交易"),
    "lifted": _("提前解除暂停"),
}


class CreditEvent(AuditEvent):
    partner = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="credit_events")
    entry = models.ForeignKey(
        CreditEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        verbose_name = _("信用记录事件")
        verbose_name_plural = _("信用记录事件")

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))
