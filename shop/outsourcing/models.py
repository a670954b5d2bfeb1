"""人才开发外包 as a monthly service engagement.

A buyer (for its unit) asks for developers by level (一级 / 二级 / 三级开发师, the variants of
XH-DEV), headcount per level, months, start date, place (现场 with its city, or 远程) and
skills. A vendor that lists the levels proposes its monthly rate per level (at least its listed
price, the 起价 of the level) and named profiles with their CVs (private: the buyer's unit, that
vendor and operators). The buyer accepts one proposal: an order with one payment stage per
month follows (the contract draft with it). Each month the vendor reports the days of each
person; the buyer accepts it (the month's payable opens, due by the contract's term) or rejects
it with a reason. Either party may end the engagement early with notice.

The catalogue gives no billing unit for these prices; 元/人·月 is the term of this engagement
type on the mall, shown as such on its pages."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class Place(models.TextChoices):
    ON_SITE = "on_site", _("现场")
    REMOTE = "remote", _("远程")


class Status(models.TextChoices):
    OPEN = "open", _("征集方案")
    IN_SERVICE = "in_service", _("服务中")
    ENDING = "ending", _("提前终止（通知期）")
    COMPLETED = "completed", _("已结束")
    WITHDRAWN = "withdrawn", _("已撤回")


S = Status
MOVES = {
    S.OPEN: {S.IN_SERVICE, S.WITHDRAWN},
    S.IN_SERVICE: {S.ENDING, S.COMPLETED, S.WITHDRAWN},  # withdrawn: the unit's approval refused the order
    S.ENDING: {S.COMPLETED},
    S.COMPLETED: set(),
    S.WITHDRAWN: set(),
}
ACTIVE_STATUSES = (S.IN_SERVICE, S.ENDING)


class OutsourcingRequest(models.Model):
    """The buyer's request and, once a proposal is accepted, the engagement itself."""

    number = models.CharField(_("需求编号"), max_length=20, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outsourcing_requests",
    )
    product = models.ForeignKey(
        "catalogue.Product", verbose_name=_("服务"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("项目名称"), max_length=80)
    months = models.PositiveSmallIntegerField(_("服务月数"))
    start_date = models.DateField(_("开始日期"))
    place = models.CharField(_("工作地点"), max_length=8, choices=Place.choices)
    city = models.CharField(_("驻场城市"), max_length=40, blank=True)
    skills = models.TextField(_("技能要求"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=S.OPEN, db_index=True)
    accepted_proposal = models.OneToOneField(
        "Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.OneToOneField(
        "order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="outsourcing"
    )
    # early end: the notice and the last day of service
    notice_given_on = models.DateField(_("通知日期"), null=True, blank=True)
    end_date = models.DateField(_("提前终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("人才外包需求")
        verbose_name_plural = _("人才外包需求")

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def place_label(self) -> str:
        if self.place == Place.ON_SITE and self.city:
            return f"{self.get_place_display()}（{self.city}）"
        return str(self.get_place_display())

    @property
    def partner(self):
        return self.accepted_proposal.partner if self.accepted_proposal_id else None


class RequestLine(models.Model):
    request = models.ForeignKey(OutsourcingRequest, on_delete=models.CASCADE, related_name="lines")
    level = models.ForeignKey(
        "catalogue.Product", verbose_name=_("级别"), on_delete=models.PROTECT, related_name="+"
    )
    level_name = models.CharField(_("级别名称"), max_length=40)
    headcount = models.PositiveSmallIntegerField(_("人数"))

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "level"], name="uniq_outsourcing_line_level")
        ]


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待采购人确认")
    ACCEPTED = "accepted", _("已确认")
    DECLINED = "declined", _("未选用")


class Proposal(models.Model):
    request = models.ForeignKey(OutsourcingRequest, on_delete=models.CASCADE, related_name="proposals")
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("方案说明"), blank=True)
    monthly_total = models.DecimalField(_("每月合计（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "partner"], name="uniq_outsourcing_proposal")
        ]


class ProposalRate(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="rates")
    line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="+")
    stockrecord = models.ForeignKey("partner.StockRecord", on_delete=models.PROTECT, related_name="+")
    floor = models.DecimalField(_("起价（元/人·月）"), max_digits=12, decimal_places=2)
    rate = models.DecimalField(_("月单价（元/人·月）"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["proposal", "line_id"]


class Profile(models.Model):
    """A named developer the vendor proposes; the CV is a private file."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="profiles")
    line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("姓名"), max_length=40)
    years = models.PositiveSmallIntegerField(_("工作年限"))
    skills = models.CharField(_("技能"), max_length=300)
    cv = models.FileField(
        _("简历"), storage=private_storage, upload_to=PrivateUploadTo("outsourcing-cv"), max_length=255
    )
    cv_name = models.CharField(_("简历文件名"), max_length=128)
    cv_type = models.CharField(max_length=8)
    cv_size = models.PositiveIntegerField()

    class Meta:
        ordering = ["proposal", "line_id", "pk"]


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    REJECTED = "rejected", _("已退回")


REPORT_MOVES = {
    ReportStatus.SUBMITTED: {ReportStatus.ACCEPTED, ReportStatus.REJECTED},
    ReportStatus.REJECTED: {ReportStatus.SUBMITTED},
    ReportStatus.ACCEPTED: set(),
}


class WorkReport(models.Model):
    """The vendor's account of one service month (month 1 starts on the start date)."""

    request = models.ForeignKey(OutsourcingRequest, on_delete=models.CASCADE, related_name="reports")
    month = models.PositiveSmallIntegerField(_("月份序号"))
    period_start = models.DateField(_("起始日"))
    period_end = models.DateField(_("截止日"))
    workdays = models.PositiveSmallIntegerField(_("当月工作日"))
    served_workdays = models.PositiveSmallIntegerField(_("服务期内工作日"))
    amount = models.DecimalField(_("当月金额（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    note = models.TextField(_("工作说明"), blank=True)
    reject_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    stage = models.ForeignKey(
        "payments.PaymentStage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "month"]
        constraints = [
            models.UniqueConstraint(fields=["request", "month"], name="uniq_outsourcing_report_month")
        ]


class ReportLine(models.Model):
    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="lines")
    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(max_digits=12, decimal_places=2)
    days_worked = models.PositiveSmallIntegerField(_("出勤天数"))
    absence_days = models.PositiveSmallIntegerField(_("缺勤天数"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["report", "profile_id"]


class OutsourcingEvent(AuditEvent):
    request = models.ForeignKey(OutsourcingRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("人才外包记录")
        verbose_name_plural = _("人才外包记录")


class ReportEvent(AuditEvent):
    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("工作量记录")
