"""规划融资服务包 as an application, not a purchase, and the 自由职业服务包 enquiry.

A buyer (for its unit) applies for an amount within the package's range for a project, with
its documents (立项批复, 可研报告 …, private files). The operator or the financing vendor moves
it 已提交 → 初审 → 补充材料 → 已推荐至金融机构 → 已批复 / 未通过; every move is one audit
event and tells the applicant. No interest rate is ever fixed here: the pages say
"年利息以银行当期为准" and show the current LPR an operator entered (with its date)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class ProjectType(models.TextChoices):
    EPC = "epc", _("EPC（工程总承包）")
    PPP = "ppp", _("PPP（政府和社会资本合作）")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    REVIEW = "review", _("初审")
    SUPPLEMENT = "supplement", _("补充材料")
    RECOMMENDED = "recommended", _("已推荐至金融机构")
    APPROVED = "approved", _("已批复")
    REJECTED = "rejected", _("未通过")


S = Status
# who may make each move: the handler (operator or the financing vendor) or the applicant
HANDLER_MOVES = {
    S.SUBMITTED: {S.REVIEW, S.REJECTED},
    S.REVIEW: {S.SUPPLEMENT, S.RECOMMENDED, S.REJECTED},
    S.SUPPLEMENT: {S.REVIEW, S.REJECTED},
    S.RECOMMENDED: {S.APPROVED, S.REJECTED},
    S.APPROVED: set(),
    S.REJECTED: set(),
}
APPLICANT_MOVES = {S.SUPPLEMENT: {S.REVIEW}}  # the applicant hands in the missing documents
ALL_MOVES = {state: HANDLER_MOVES[state] | APPLICANT_MOVES.get(state, set()) for state in S}
OPEN_STATUSES = (S.SUBMITTED, S.REVIEW, S.SUPPLEMENT, S.RECOMMENDED)


class DocumentKind(models.TextChoices):
    APPROVAL = "approval", _("立项批复")
    FEASIBILITY = "feasibility", _("可研报告")
    OTHER = "other", _("其他材料")


REQUIRED_DOCUMENTS = (DocumentKind.APPROVAL, DocumentKind.FEASIBILITY)


class FinancingApplication(models.Model):
    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        on_delete=models.PROTECT,
        related_name="financing_applications",
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="financing_applications",
    )
    product = models.ForeignKey(
        "catalogue.Product", verbose_name=_("服务包"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("服务机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="financing_applications",
    )
    org_name = models.CharField(_("申请单位"), max_length=120)
    project_name = models.CharField(_("项目名称"), max_length=120)
    project_type = models.CharField(_("项目类型"), max_length=8, choices=ProjectType.choices)
    project_type_other = models.CharField(_("其他类型说明"), max_length=60, blank=True)
    city = models.CharField(_("市州"), max_length=20)
    county = models.CharField(_("县市区"), max_length=20)
    amount = models.DecimalField(_("申请金额（元）"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    purpose = models.TextField(_("资金用途"))
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=24)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    handler_note = models.TextField(_("最新处理意见"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("融资申请")
        verbose_name_plural = _("融资申请")

    def __str__(self):
        return f"{self.number} {self.project_name}"

    @property
    def region_label(self) -> str:
        return f"湖南省{self.city}{self.county}"

    @property
    def term_label(self) -> str:
        years, months = divmod(self.term_months, 12)
        if not months:
            return f"{years} 年"
        return f"{years} 年 {months} 个月" if years else f"{months} 个月"

    @property
    def project_type_label(self) -> str:
        label = self.get_project_type_display()
        if self.project_type == ProjectType.OTHER and self.project_type_other:
            return f"{label}（{self.project_type_other}）"
        return str(label)


class FinancingDocument(models.Model):
    application = models.ForeignKey(FinancingApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=PrivateUploadTo("financing-documents"), max_length=255
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
        verbose_name = _("融资申请材料")
        verbose_name_plural = _("融资申请材料")


class FinancingEvent(AuditEvent):
    application = models.ForeignKey(FinancingApplication, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("融资申请记录")
        verbose_name_plural = _("融资申请记录")


class LprQuote(models.Model):
    """A 贷款市场报价利率 (LPR) as published by the 全国银行间同业拆借中心, entered by an operator.
    The newest by date is shown as the current one; it is information, never an offered rate."""

    one_year = models.DecimalField(_("1 年期 LPR（%）"), max_digits=5, decimal_places=2)
    five_year = models.DecimalField(_("5 年期以上 LPR（%）"), max_digits=5, decimal_places=2)
    published_on = models.DateField(_("公布日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("贷款市场报价利率")
        verbose_name_plural = _("贷款市场报价利率")


class InvoiceNeed(models.TextChoices):
    NONE = "none", _("暂不需要发票")
    GENERAL = "general", _("增值税普通发票")
    SPECIAL = "special", _("增值税专用发票")


class FreelanceEnquiry(models.Model):
    """The details of a 自由职业服务包 enquiry; the enquiry itself is a quote request (询价单)
    that goes to the vendor and is answered like any quote."""

    quote_request = models.OneToOneField(
        "quotes.QuoteRequest", on_delete=models.CASCADE, related_name="freelance_enquiry"
    )
    people = models.PositiveIntegerField(_("结算人数"))
    monthly_amount = models.DecimalField(_("月结算总额（元）"), max_digits=14, decimal_places=2)
    industry = models.CharField(_("所属行业"), max_length=40)
    invoice_need = models.CharField(_("发票需求"), max_length=8, choices=InvoiceNeed.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("自由职业结算咨询")
        verbose_name_plural = _("自由职业结算咨询")
