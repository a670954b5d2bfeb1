"""政企咨询服务包 sold as a service engagement (预约咨询服务).

The buyer (for its unit) picks the package (天 / 月 / 半年 / 年: the variant), the number of
units, the start date and the topics from the catalogue's list, and describes the need. The
indicative price is units × the variant's price, a 起价 as the catalogue says ("500 元起/天"):
the consultant (the vendor stocking the package) confirms the price and the date, or proposes
another date the buyer then accepts. The confirmed engagement is ordered like any award (an
Oscar order sold by the consultant, its contract draft, payment by the order's settlement);
it ends with a report delivered through 履约验收 (fulfilment, delivery kind "service").

待确认 → 已确认 / 已改期待买方确认 → 已确认 → 已下单 → 报告已提交 → 已验收; 已取消 before the
order. Every move is one audit event (``EngagementEvent``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class Package(models.TextChoices):
    """The variant's unit (catalog_fixtures/10_consulting.yaml: 天、月、半年、年)."""

    DAY = "天", _("按天")
    MONTH = "月", _("按月")
    HALF_YEAR = "半年", _("半年")
    YEAR = "年", _("按年")


class Status(models.TextChoices):
    REQUESTED = "requested", _("待确认")
    RESCHEDULED = "rescheduled", _("已改期待买方确认")
    CONFIRMED = "confirmed", _("已确认")
    ORDERED = "ordered", _("已下单")
    REPORTED = "reported", _("报告已提交")
    ACCEPTED = "accepted", _("已验收")
    CANCELLED = "cancelled", _("已取消")


S = Status
# who makes each move
CONSULTANT_MOVES = {
    S.REQUESTED: {S.CONFIRMED, S.RESCHEDULED, S.CANCELLED},
    S.RESCHEDULED: {S.CANCELLED},
    S.CONFIRMED: {S.CANCELLED},
    S.ORDERED: {S.REPORTED},
}
BUYER_MOVES = {
    S.REQUESTED: {S.CANCELLED},
    S.RESCHEDULED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.ORDERED, S.CANCELLED},
    # 履约验收 of the report: 合格 ends it, 不合格 sends it back for a new report
    S.REPORTED: {S.ACCEPTED, S.ORDERED},
}
# the report delivered or inspected on the order's own 交付与验收 pages: beat follows it
# (``services.engagements_sync``)
FOLLOW_MOVES = {
    S.ORDERED: {S.REPORTED, S.ACCEPTED},
    S.REPORTED: {S.ACCEPTED, S.ORDERED},
}
OPEN_STATUSES = (S.REQUESTED, S.RESCHEDULED, S.CONFIRMED, S.ORDERED, S.REPORTED)
# the dates of a day package stay booked while the engagement is alive
BOOKING_STATUSES = (S.REQUESTED, S.RESCHEDULED, S.CONFIRMED, S.ORDERED, S.REPORTED, S.ACCEPTED)


class Engagement(models.Model):
    number = models.CharField(_("预约编号"), max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人账号"),
        on_delete=models.PROTECT,
        related_name="consulting_engagements",
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consulting_engagements",
    )
    budget_line = models.ForeignKey(
        "buyers.BudgetLine",
        verbose_name=_("预算"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    product = models.ForeignKey(
        "catalogue.Product", verbose_name=_("服务规格"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("咨询顾问"),
        on_delete=models.PROTECT,
        related_name="consulting_engagements",
    )
    package = models.CharField(_("服务包"), max_length=4, choices=Package.choices)
    quantity = models.PositiveSmallIntegerField(_("服务时长（份数）"))
    requested_start = models.DateField(_("期望开始日期"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    topics = models.JSONField(_("咨询内容"), default=list)
    need = models.TextField(_("需求描述"))
    list_unit_price = models.DecimalField(_("目录单价（起价）"), max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2)
    unit_price = models.DecimalField(_("确认单价"), max_digits=12, decimal_places=2, null=True, blank=True)
    consultant_note = models.TextField(_("顾问说明"), blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    order = models.OneToOneField(
        "order.Order",
        verbose_name=_("订单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consulting_engagement",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("咨询服务预约")
        verbose_name_plural = _("咨询服务预约")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="consulting_quantity_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="consulting_range"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_package_display()} × {self.quantity}"

    @property
    def duration_label(self) -> str:
        """ "3 天", "2 个月", "1 个半年", "1 年"."""
        unit = {"月": "个月", "半年": "个半年"}.get(self.package, self.package)
        return f"{self.quantity} {unit}"

    @property
    def indicative_total(self):
        from .pricing import engagement_price

        return engagement_price(quantity=self.quantity, unit_price=self.list_unit_price)

    @property
    def confirmed_total(self):
        from .pricing import engagement_price

        if self.unit_price is None:
            return None
        return engagement_price(quantity=self.quantity, unit_price=self.unit_price)

    @property
    def topics_label(self) -> str:
        return "、".join(self.topics or [])


class BookedDay(models.Model):
    """A date a day package holds on its consultant's calendar (one engagement per day)."""

    partner = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="booked_days")

    class Meta:
        ordering = ["day"]
        verbose_name = _("已预约日期")
        constraints = [
            models.UniqueConstraint(fields=["partner", "day"], name="consulting_one_booking_a_day")
        ]


class BlockedDay(models.Model):
    """A date the consultant does not take bookings (休息、外出 …)."""

    partner = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        verbose_name = _("不可预约日期")
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="consulting_one_block_a_day")]


class EngagementFile(models.Model):
    """A file the buyer attaches to its request (招标文件, 方案 …): private to the buyer's unit,
    the consultant and operators. The report is a delivery attachment of the order."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=PrivateUploadTo("consulting"), max_length=255
    )
    display_name = models.CharField(_("文件名"), max_length=128)
    file_type = models.CharField(_("格式"), max_length=8)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("咨询需求附件")


class EngagementEvent(AuditEvent):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("咨询服务记录")
        verbose_name_plural = _("咨询服务记录")
