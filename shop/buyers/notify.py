"""Tell unit members about things waiting for them: an in-site notice (Oscar's
``communication.Notification``, shown in 我的账户 → 通知) and an e-mail through the outbox, both
written in the caller's transaction. ``key`` names the business fact, so telling twice sends
one e-mail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.html import escape

from shop.core.mail import mail_queue

from .models import UnitMember


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'MALL_SITE_URL', '').rstrip('/')}{path}"


def members_with_role(*, unit_id: int, role: str, exclude_user_ids=()) -> QuerySet:
    """Users of active members of the unit holding ``role``."""
    ids = [
        m.user_id
        for m in UnitMember.objects.filter(unit_id=unit_id, is_active=True).only("user_id", "roles")
        if role in (m.roles or []) and m.user_id not in set(exclude_user_ids)
    ]
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")


def tell(*, users, subject: str, body: str, path: str, key: str) -> int:
    """One notice and one e-mail per user. Returns how many users were told."""
    from oscar.core.loading import get_model

    Notification = get_model("communication", "Notification")
    url = _site_url(path)
    told = 0
    for user in users:
        # Oscar renders a notice's subject and body as HTML: escape what we put in
        Notification.objects.create(
            recipient=user,
            subject=escape(subject)[:255],
            body=f'{escape(body)}<br><a href="{escape(path)}">查看详情</a>',
        )
        mail_queue(
            to=[user.email],
            subject=f"【湘慧商城】{subject}",
            body=f"{user.get_full_name() or user.email}，您好：\n\n{body}\n\n请登录查看：{url}\n",
            dedupe_key=f"{key}:{user.pk}",
        )
        told += 1
    return told
