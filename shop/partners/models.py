"""合作伙伴: "诚邀各行业及市县区合作伙伴". A company applies for a region (a 市州 or one of its
县市区) and an industry; operators review it; approved partners are listed per region on a
public page (company, region, industry, resources only; never the contact person or phone)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent


class Industry(models.TextChoices):
    GOV_IT = "gov_it", _("政务信息化")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    TRANSPORT = "transport", _("交通")
    CONSTRUCTION = "construction", _("工程建设")
    FINANCE = "finance", _("金融服务")
    CONSULTING = "consulting", _("咨询服务")
    MANUFACTURING = "manufacturing", _("制造")
    OTHER = "other", _("其他行业")


class Status(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


MOVES = {Status.PENDING: {Status.APPROVED, Status.REJECTED}, Status.APPROVED: set(), Status.REJECTED: set()}


class PartnerApplication(models.Model):
    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="partner_applications",
    )
    company_name = models.CharField(_("公司名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    city = models.CharField(_("市州"), max_length=20, db_index=True)
    county = models.CharField(_("县市区"), max_length=20, blank=True)
    industry = models.CharField(_("行业"), max_length=16, choices=Industry.choices)
    resources = models.TextField(_("资源与优势"))
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=24)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("合作伙伴申请")
        verbose_name_plural = _("合作伙伴申请")

    def __str__(self):
        return f"{self.company_name}（{self.region_label}）"

    @property
    def region_label(self) -> str:
        return f"{self.city}{self.county}" if self.county else f"{self.city}（全市州）"


class PartnerApplicationEvent(AuditEvent):
    application = models.ForeignKey(PartnerApplication, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("合作伙伴审核记录")
        verbose_name_plural = _("合作伙伴审核记录")
