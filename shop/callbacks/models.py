"""预约咨询: a visitor of a service page asks to be called back (name, phone, time window);
operators call and record it. The full number is for operators only; everyone else who may see
the row (the booker's unit, the vendor of the service) sees it masked."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent

from .phones import phone_mask


class Window(models.TextChoices):
    MORNING = "morning", _("工作日上午（9:00–12:00）")
    AFTERNOON = "afternoon", _("工作日下午（14:00–17:30）")
    ANYTIME = "anytime", _("工作日均可（9:00–17:30）")
    EVENING = "evening", _("工作日傍晚（17:30–19:00）")


class Status(models.TextChoices):
    WAITING = "waiting", _("待回电")
    ANSWERED = "answered", _("已回电")
    CANCELLED = "cancelled", _("已取消")


MOVES = {
    Status.WAITING: {Status.ANSWERED, Status.CANCELLED},
    Status.ANSWERED: set(),
    Status.CANCELLED: set(),
}


class CallbackRequest(models.Model):
    number = models.CharField(_("预约编号"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约账号"),
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    unit = models.ForeignKey(
        "buyers.BuyingUnit",
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("咨询的服务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("服务商"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_requests",
    )
    topic = models.CharField(_("咨询事项"), max_length=120)
    name = models.CharField(_("称呼"), max_length=40)
    phone = models.CharField(_("电话"), max_length=24)
    window = models.CharField(_("方便接听的时段"), max_length=12, choices=Window.choices)
    preferred_date = models.DateField(_("希望回电日期"), null=True, blank=True)
    message = models.TextField(_("留言"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    answer_note = models.TextField(_("回电记录"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("回电时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("预约时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("预约咨询")
        verbose_name_plural = _("预约咨询")

    def __str__(self):
        return f"{self.number} {self.topic}"

    @property
    def masked_phone(self) -> str:
        return phone_mask(self.phone)


class CallbackEvent(AuditEvent):
    callback = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("预约咨询记录")
        verbose_name_plural = _("预约咨询记录")
