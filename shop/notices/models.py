"""Public procurement notices (公告): what the rules publish about a unit's 询价 and 竞价, and
nothing more — the unit, the project, items and quantities, dates, and once decided the winning
supplier and amount (成交公告) or the reason it failed (失败公告). No contact person, no bank
account, no losing price is ever copied here: a notice is written from its own fields only."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    INQUIRY = "inquiry", _("询价公告")
    AUCTION = "auction", _("竞价公告")
    AWARD = "award", _("成交公告")
    FAILURE = "failure", _("失败公告")
    CONTRACT = "contract", _("合同公告")  # written by shop.contracts after signing


class Notice(models.Model):
    kind = models.CharField(_("公告类型"), max_length=12, choices=NoticeKind.choices, db_index=True)
    event = models.ForeignKey(
        "sourcing.SourcingEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    project_number = models.CharField(_("项目编号"), max_length=20)
    title = models.CharField(_("项目名称"), max_length=120)
    unit_name = models.CharField(_("采购单位"), max_length=120)
    method = models.CharField(_("采购方式"), max_length=16)
    items = models.JSONField(_("采购内容"), default=list)  # [{"title", "quantity", "unit"}]
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    supplier_name = models.CharField(_("成交供应商"), max_length=120, blank=True)
    amount = models.DecimalField(_("成交金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("采购公告")
        verbose_name_plural = _("采购公告")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="notices_one_per_event_and_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title}"
