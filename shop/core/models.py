"""Shared model pieces: readable document numbers and the audit-event base."""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentSequence(models.Model):
    """Per-prefix, per-day counter behind numbers like XJ202611230001."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="uniq_docseq_prefix_day")]
        verbose_name = _("单据编号序列")

    def __str__(self):
        return f"{self.prefix}{self.day:%Y%m%d}:{self.last}"


def next_document_number(prefix: str) -> str:
    """The next readable number for ``prefix`` today (Asia/Shanghai), safe under concurrency."""
    day = timezone.localdate()
    with transaction.atomic():
        DocumentSequence.objects.get_or_create(prefix=prefix, day=day)
        seq = DocumentSequence.objects.select_for_update().get(prefix=prefix, day=day)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{prefix}{day:%Y%m%d}{seq.last:04d}"


class AuditEvent(models.Model):
    """Base of every app's event table: who changed what, when, from which state to which."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=32, blank=True)
    to_status = models.CharField(_("新状态"), max_length=32, blank=True)
    kind = models.CharField(_("事件"), max_length=48)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]
