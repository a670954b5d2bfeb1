"""采购合同: the contract every award produces, confirmed online by both parties (确认签订).

A ``Contract`` belongs to one Oscar order. Its text lives in versions: version 1 is the
contract itself, each later version a 补充协议 (supplementary agreement). A version's PDF is
rendered from the version's own ``terms`` (a snapshot, never re-read from live rows) and kept in
the database with its SHA-256; each party confirms exactly those bytes (``Confirmation``).
Once both parties confirmed a version it is signed and never changes again; the contract's
effective terms (``payment_term_days`` …) change only through a signed 补充协议."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent

# 《保障中小企业款项支付条例》第八条、第九条: payment within 30 days of acceptance; a contract may
# agree a longer term, but not beyond 60 days.
DEFAULT_TERM_DAYS = 30
MAX_TERM_DAYS = 60
MIN_TERM_DAYS = 1


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("待签订")
    SIGNED = "signed", _("已签订")


class VersionKind(models.TextChoices):
    ORIGINAL = "original", _("合同")
    SUPPLEMENT = "supplement", _("补充协议")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    SIGNED = "signed", _("已签订")
    WITHDRAWN = "withdrawn", _("已撤回")


class Side(models.TextChoices):
    BUYER = "buyer", _("甲方（采购人）")
    VENDOR = "vendor", _("乙方（供应商）")


class Contract(models.Model):
    number = models.CharField(_("合同编号"), max_length=20, unique=True)
    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="contract")
    source = models.CharField(_("成交方式"), max_length=16)
    award_reference = models.CharField(_("成交依据编号"), max_length=32, blank=True)
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.PROTECT, related_name="contracts"
    )
    is_government = models.BooleanField(_("政府采购"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True
    )
    # the parties (snapshots taken when the draft is made)
    buyer_name = models.CharField(_("甲方"), max_length=128)
    buyer_uscc = models.CharField(_("甲方统一社会信用代码"), max_length=18, blank=True)
    seller_name = models.CharField(_("乙方"), max_length=128)
    seller_uscc = models.CharField(_("乙方统一社会信用代码"), max_length=18, blank=True)
    # the effective terms (version 1's, then as changed by signed 补充协议)
    payment_term_days = models.PositiveSmallIntegerField(
        _("付款期限（验收合格后天数）"),
        default=DEFAULT_TERM_DAYS,
        validators=[MinValueValidator(MIN_TERM_DAYS), MaxValueValidator(MAX_TERM_DAYS)],
    )
    delivery_place = models.CharField(_("交货地点"), max_length=200, blank=True)
    delivery_date = models.DateField(_("交货日期"), null=True, blank=True)
    warranty = models.CharField(_("质量保证"), max_length=300, blank=True)
    acceptance_terms = models.TextField(_("验收要求"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    signed_at = models.DateTimeField(_("签订时间"), null=True, blank=True)
    # 合同公告 (government units): due within two working days of signing
    notice_due_at = models.DateTimeField(_("公告期限"), null=True, blank=True)
    notice = models.OneToOneField(
        "notices.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="contract"
    )

    class Meta:
        verbose_name = _("采购合同")
        verbose_name_plural = _("采购合同")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_term_days__gte=MIN_TERM_DAYS, payment_term_days__lte=MAX_TERM_DAYS),
                name="contract_payment_term_range",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.buyer_name} / {self.seller_name}"


class ContractVersion(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    sequence = models.PositiveSmallIntegerField(_("版本"))
    kind = models.CharField(_("类型"), max_length=16, choices=VersionKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    terms = models.JSONField(_("合同内容"), default=dict)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    # the PDF of ``terms`` at ``pdf_revision`` (stale while pdf_revision != revision)
    pdf = models.BinaryField(_("合同文本"), null=True, blank=True)
    pdf_revision = models.PositiveIntegerField(default=0)
    pdf_sha256 = models.CharField(_("文件 SHA-256"), max_length=64, blank=True)
    # after both confirmed: the same text with the confirmations and the hash (签署页)
    signed_pdf = models.BinaryField(_("签署版文本"), null=True, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "sequence"]
        verbose_name = _("合同版本")
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="contract_version_sequence"),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status="draft"), name="contract_one_open_version"
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} v{self.sequence}"

    @property
    def pdf_ready(self) -> bool:
        return bool(self.pdf_sha256) and self.pdf_revision == self.revision

    @property
    def title(self) -> str:
        if self.kind == VersionKind.ORIGINAL:
            return str(_("采购合同"))
        return f"补充协议（第 {self.sequence - 1} 号）"


class Confirmation(models.Model):
    """One party's 确认签订 of one version: who, when, from where, and which exact bytes."""

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="confirmations")
    side = models.CharField(_("签订方"), max_length=8, choices=Side.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party_name = models.CharField(_("单位"), max_length=128)
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    client_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("所确认文件的 SHA-256"), max_length=64)

    class Meta:
        ordering = ["confirmed_at", "pk"]
        verbose_name = _("签订确认")
        constraints = [
            models.UniqueConstraint(fields=["version", "side"], name="contract_one_confirmation_per_side")
        ]

    def __str__(self):
        return f"{self.version} {self.get_side_display()}"


class ContractEvent(AuditEvent):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("合同事件")
        verbose_name_plural = _("合同事件")
