"""E-mails of the OEM domain: one notice per timeline event, to the buyer and/or the vendor.

``oem_event_notify`` is idempotent: it locks the event row and sets ``notified_at`` in the
same transaction as it queues the mails in the outbox (``shop.core.mail``, which sends them
after commit with retries), so a re-delivered task or a sweep queues nothing twice."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from shop.core.mail import mail_queue

from .models import OemOrderEvent

# kind -> (headline for the buyer or None, headline for the vendor or None)
NOTICES = {
    "reviewed": ("您的 OEM 订单已通过可行性审核，等待供应商报价", "您有一笔新的 OEM 订单待报价"),
    "review_rejected": ("您的 OEM 订单未通过可行性审核", None),
    "offer": ("供应商已报价，请确认", None),
    "offer_revised": ("供应商修改了报价，请确认", None),
    "accepted": ("您已接受报价，请支付定金", "采购方已接受报价，待收定金"),
    "deposit_paid": ("您的定金已到账，供应商将安排打样或生产", "定金已到账，请安排打样或生产"),
    "sampling": ("供应商已开始打样", None),
    "sample_rejected": (None, "采购方未通过样品，请重新打样"),
    "sample_approved": (None, "采购方已确认样品，可以安排生产"),
    "production": ("您的 OEM 订单已开始生产", None),
    "shipped": ("您的 OEM 订单已发货", None),
    "completed": ("您的 OEM 订单已完成", "OEM 订单已完成"),
    "rejected": ("供应商无法承接您的 OEM 订单", None),
    "cancelled": (None, "采购方已取消 OEM 订单"),
    "unpaid_cancelled": ("您的 OEM 订单因未付定金已取消", "OEM 订单因采购方未付定金已取消"),
    "offer_reminder": (None, "提醒：OEM 订单仍在等待您的报价"),
    "overdue": ("您的 OEM 订单已超过承诺交货日期，平台已督促供应商", "警告：OEM 订单已超过承诺交货日期"),
}


def site_url(path: str) -> str:
    base = getattr(settings, "MALL_SITE_URL", "") or f"http://{Site.objects.get_current().domain}"
    return base.rstrip("/") + path


def vendor_recipients(order) -> list[str]:
    if order.partner_id is None:
        return []
    emails = order.partner.users.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


def _send(*, template_context: dict, to: list[str]) -> int:
    """Queue one notice in the outbox (sent after commit, retried; see shop.core.mail)."""
    if not to:
        return 0
    subject = render_to_string("oem/email/notice_subject.txt", template_context).strip()
    body = render_to_string("oem/email/notice_body.txt", template_context)
    event = template_context["event"]
    row = mail_queue(
        to=to,
        subject=subject,
        body=body,
        dedupe_key=f"oem:event:{event.pk}:{template_context['audience']}",
    )
    return 1 if row is not None else 0


def oem_event_notify(*, event_id: int) -> int:
    """Queue the e-mails of one event (once). Returns the number of messages queued."""
    sent = 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        event = (
            OemOrderEvent.objects.select_for_update(of=("self",))
            .select_related("order", "order__buyer", "order__partner", "order__product")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.notified_at is not None:
            return 0
        order = event.order
        buyer_headline, vendor_headline = NOTICES.get(event.kind, (None, None))
        base = {"order": order, "event": event, "mall_name": settings.OSCAR_SHOP_NAME}
        if buyer_headline and order.buyer.email:
            sent += _send(
                template_context={
                    **base,
                    "audience": "buyer",
                    "headline": buyer_headline,
                    "link": site_url(reverse("oem:detail", args=[order.number])),
                },
                to=[order.buyer.email],
            )
        if vendor_headline:
            sent += _send(
                template_context={
                    **base,
                    "audience": "vendor",
                    "headline": vendor_headline,
                    "link": site_url(reverse("dashboard:oem-detail", args=[order.number])),
                },
                to=vendor_recipients(order),
            )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return sent
