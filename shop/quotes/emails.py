"""Chinese e-mails of the quote flow, rendered from templates/quotes/email/ and queued in the
outbox (``shop.core.mail``: written in the caller's transaction, sent after commit with
retries). Callers (the step functions in services) record that they were queued."""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from shop.core.mail import mail_queue

log = logging.getLogger(__name__)


def _site() -> str:
    return getattr(settings, "MALL_SITE_URL", "").rstrip("/")


def _send(*, template: str, to: list[str], context: dict, key: str) -> int:
    """Queue one mail; ``key`` names the business fact, so queueing it twice sends once."""
    to = [addr for addr in dict.fromkeys(to) if addr]
    if not to:
        log.warning("quotes: no recipient for %s", template)
        return 0
    context = {"shop_name": settings.OSCAR_SHOP_NAME, "site": _site(), **context}
    subject = " ".join(render_to_string(f"quotes/email/{template}_subject.txt", context).split())
    body = render_to_string(f"quotes/email/{template}_body.txt", context)
    return 1 if mail_queue(to=to, subject=subject, body=body, dedupe_key=f"quotes:{key}") else 0


def vendor_recipients(partner) -> list[str]:
    return list(
        partner.users.filter(is_active=True).exclude(email="").order_by("pk").values_list("email", flat=True)
    )


def _dashboard_url(vq) -> str:
    return _site() + reverse("dashboard:quotes-detail", kwargs={"pk": vq.request_id})


def _buyer_url(qr) -> str:
    return _site() + reverse("quotes:detail", kwargs={"number": qr.number})


def send_vendor_new_request(*, vendor_quote) -> int:
    vq = vendor_quote
    return _send(
        template="vendor_new_request",
        key=f"vendor-quote:{vq.pk}:new-request",
        to=vendor_recipients(vq.partner),
        context={
            "vq": vq,
            "qr": vq.request,
            "lines": list(vq.lines.select_related("request_line")),
            "url": _dashboard_url(vq),
        },
    )


def send_vendor_reminder(*, vendor_quote) -> int:
    vq = vendor_quote
    return _send(
        template="vendor_reminder",
        key=f"vendor-quote:{vq.pk}:reminder",
        to=vendor_recipients(vq.partner),
        context={
            "vq": vq,
            "qr": vq.request,
            "hours": settings.QUOTES_REMIND_AFTER_HOURS,
            "url": _dashboard_url(vq),
        },
    )


def send_buyer_request_processed(*, quote_request) -> int:
    qr = quote_request
    quotes = list(qr.vendor_quotes.select_related("partner").prefetch_related("lines"))
    return _send(
        template="buyer_request_processed",
        key=f"request:{qr.pk}:processed",
        to=[qr.contact_email],
        context={"qr": qr, "quotes": [(vq, vq.totals()) for vq in quotes], "url": _buyer_url(qr)},
    )


BUYER_EVENT_KINDS = {"answered", "revised"}
VENDOR_EVENT_KINDS = {"revision_requested", "declined", "accepted"}


def send_event_notification(*, event) -> int:
    vq = event.vendor_quote
    qr = vq.request
    context = {"event": event, "vq": vq, "qr": qr, "totals": vq.totals()}
    if event.kind in BUYER_EVENT_KINDS:
        return _send(
            template="buyer_quote_answered",
            key=f"event:{event.pk}",
            to=[qr.contact_email],
            context={**context, "url": _buyer_url(qr)},
        )
    if event.kind in VENDOR_EVENT_KINDS:
        return _send(
            template=f"vendor_quote_{event.kind}",
            key=f"event:{event.pk}",
            to=vendor_recipients(vq.partner),
            context={**context, "url": _dashboard_url(vq)},
        )
    return 0
