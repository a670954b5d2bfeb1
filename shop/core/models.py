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


class OutboundEmail(models.Model):
    """The outbox: every e-mail the mall sends is a row written in the business transaction,
    sent after commit by one Celery task (``shop.core.mail``), retried up to
    ``MAIL_MAX_ATTEMPTS``, swept by beat if left unsent, and marked failed after the cap
    (shown to operators, who can send it again)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    to = models.JSONField(_("收件人"), default=list)
    subject = models.CharField(_("主题"), max_length=300)
    body = models.TextField(_("正文"))
    html = models.TextField(_("HTML 正文"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("待发邮件")
        verbose_name_plural = _("待发邮件")

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)} ({self.get_status_display()})"


_M = OutboundEmail.Status
# pending → sending (claimed) → sent | pending (SMTP error, retried) | failed (at the cap);
# sending → sending: a claim left by a killed worker is taken over; failed → pending: operator.
OUTBOUND_EMAIL_MOVES = {
    _M.PENDING: {_M.SENDING},
    _M.SENDING: {_M.SENDING, _M.SENT, _M.PENDING, _M.FAILED},
    _M.FAILED: {_M.PENDING},
}


class OutboundEmailEvent(AuditEvent):
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("邮件事件")
        verbose_name_plural = _("邮件事件")


class TaskFailure(models.Model):
    """A task that failed on one row (its first argument, an id): counted per (task, id).
    After ``TASK_MAX_FAILURES`` failures the same way the row is marked failed (``status``):
    the task skips it and the sweeps leave it alone until an operator retries it. Database
    outages are not counted (they are retried, see ``shop.core.tasks.ShopTask``)."""

    class Status(models.TextChoices):
        COUNTING = "counting", _("重试中")
        FAILED = "failed", _("已判定失败")
        RETRIED = "retried", _("已重新处理")
        RESOLVED = "resolved", _("已恢复")

    task = models.CharField(_("任务"), max_length=200)
    object_id = models.BigIntegerField(_("对象 ID"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.COUNTING, db_index=True
    )
    failure_count = models.PositiveIntegerField(_("失败次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    first_failed_at = models.DateTimeField(_("首次失败时间"), default=timezone.now)
    last_failed_at = models.DateTimeField(_("最近失败时间"), default=timezone.now)
    failed_at = models.DateTimeField(_("判定失败时间"), null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "object_id"], name="uniq_taskfailure_task_obj")
        ]
        ordering = ["-last_failed_at", "-pk"]
        verbose_name = _("任务失败记录")
        verbose_name_plural = _("任务失败记录")

    def __str__(self):
        return f"{self.task}({self.object_id}) ×{self.failure_count}"


_F = TaskFailure.Status
# counting → failed at the cap; failed → retried by an operator; retried → resolved on the next
# success, or failed again; resolved → counting when the row fails again later.
TASK_FAILURE_MOVES = {
    _F.COUNTING: {_F.FAILED},
    _F.FAILED: {_F.RETRIED},
    _F.RETRIED: {_F.RESOLVED, _F.FAILED},
    _F.RESOLVED: {_F.COUNTING},
}


class TaskFailureEvent(AuditEvent):
    failure = models.ForeignKey(TaskFailure, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("任务失败事件")
        verbose_name_plural = _("任务失败事件")


class SubmissionRecord(models.Model):
    """A form submission's one-time token and where its first answer sent the user
    (``shop.core.submissions``): a repeat of the token shows that result instead of creating
    a second request, order or application."""

    token = models.CharField(_("提交令牌"), max_length=64)
    owner = models.CharField(_("提交人"), max_length=80)  # "u<user id>" or "s<session key>"
    url_name = models.CharField(_("表单"), max_length=80)
    location = models.CharField(_("结果页面"), max_length=500)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "owner", "url_name"], name="uniq_submission_token")
        ]
        verbose_name = _("表单提交记录")
        verbose_name_plural = _("表单提交记录")

    def __str__(self):
        return f"{self.url_name} {self.token} → {self.location}"
