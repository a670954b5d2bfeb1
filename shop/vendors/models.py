"""Vendors: applications to join (免费入驻), product ownership and review, bulk imports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent
from shop.core.uploads import PrivateUploadTo, private_storage


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


APPLICATION_MOVES = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
}
OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)


class VendorApplication(models.Model):
    """One application of a company to sell in the mall. A rejected applicant applies again
    with a new row; at most one submitted-or-approved application per user and per USCC."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="vendor_applications",
    )
    company_name = models.CharField(_("企业名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=64)
    contact_name = models.CharField(_("联系人"), max_length=64)
    mobile = models.CharField(_("手机号码"), max_length=11)
    email = models.EmailField(_("联系邮箱"))
    business_scope = models.TextField(_("经营范围"))
    categories = models.ManyToManyField(
        "catalogue.Category", verbose_name=_("供货类目"), related_name="+", blank=True
    )
    licence = models.FileField(
        _("营业执照"), storage=private_storage, upload_to=PrivateUploadTo("vendor-licences"), max_length=255
    )
    licence_name = models.CharField(_("营业执照文件名"), max_length=128, blank=True)
    licence_kind = models.CharField(_("营业执照文件类型"), max_length=8, blank=True)

    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    reject_reason = models.TextField(_("驳回原因"), blank=True)
    partner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("供应商"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vendor_applications",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The status the applicant was last e-mailed about: the mail task sends once per decision.
    notified_status = models.CharField(_("已通知状态"), max_length=16, blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("入驻申请")
        verbose_name_plural = _("入驻申请")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["submitted", "approved"]),
                name="uniq_vendor_application_open_user",
            ),
            models.UniqueConstraint(
                fields=["uscc"],
                condition=Q(status__in=["submitted", "approved"]),
                name="uniq_vendor_application_open_uscc",
            ),
        ]

    def __str__(self):
        return f"{self.company_name}（{self.get_status_display()}）"

    @property
    def is_decided(self) -> bool:
        return self.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


class VendorApplicationEvent(AuditEvent):
    application = models.ForeignKey(VendorApplication, on_delete=models.CASCADE, related_name="events")

    LABELS = {"submitted": _("提交申请"), "approved": _("审核通过"), "rejected": _("驳回申请")}

    class Meta(AuditEvent.Meta):
        verbose_name = _("入驻申请记录")
        verbose_name_plural = _("入驻申请记录")

    @property
    def label(self):
        return self.LABELS.get(self.kind, self.kind)


class VendorProduct(models.Model):
    """Which vendor (partner) a product belongs to. Products without a row are the mall's own.
    Children belong to their parent's vendor."""

    product = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("商品"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="vendor_ownership",
    )
    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.CASCADE, related_name="owned_products"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("供应商商品")
        verbose_name_plural = _("供应商商品")

    def __str__(self):
        return f"{self.product_id} → {self.partner_id}"


class ProductReviewEvent(AuditEvent):
    """Audit trail of a product's review status (提交审核 / 通过 / 驳回)."""

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="review_events")

    LABELS = {"submitted": _("提交审核"), "approved": _("审核通过"), "rejected": _("审核驳回")}

    class Meta(AuditEvent.Meta):
        verbose_name = _("商品审核记录")
        verbose_name_plural = _("商品审核记录")

    @property
    def label(self):
        return self.LABELS.get(self.kind, self.kind)


REVIEW_MOVES = {
    "draft": {"pending"},
    "pending": {"pending", "approved", "rejected"},
    "approved": {"pending"},
    "rejected": {"pending"},
}


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


IMPORT_MOVES = {
    ImportStatus.QUEUED: {ImportStatus.RUNNING, ImportStatus.FAILED},
    ImportStatus.RUNNING: {ImportStatus.RUNNING, ImportStatus.DONE, ImportStatus.FAILED},
    ImportStatus.DONE: set(),
    ImportStatus.FAILED: set(),
}


class ProductImport(models.Model):
    """A CSV/XLSX file of products uploaded by a vendor, imported row by row by a task."""

    partner = models.ForeignKey(
        "partner.Partner", verbose_name=_("供应商"), on_delete=models.CASCADE, related_name="product_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=PrivateUploadTo("vendor-imports"), max_length=255
    )
    file_name = models.CharField(_("文件名"), max_length=128, blank=True)
    kind = models.CharField(_("文件类型"), max_length=8)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    error_message = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("批量上架")
        verbose_name_plural = _("批量上架")

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ProductImportRow(models.Model):
    """The outcome of one data row: recorded in the same transaction as its product, so a
    re-run of the task skips it (a row is imported at most once)."""

    product_import = models.ForeignKey(ProductImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    ok = models.BooleanField(_("成功"), default=False)
    created = models.BooleanField(_("新建"), default=False)
    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("商品名称"), max_length=255, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["product_import", "row_number"], name="uniq_import_row"),
        ]
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")

    def __str__(self):
        return f"{self.product_import_id}#{self.row_number}"


class ProductImportEvent(AuditEvent):
    product_import = models.ForeignKey(ProductImport, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("批量上架记录")
        verbose_name_plural = _("批量上架记录")
