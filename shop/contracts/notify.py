"""Telling the parties: an in-site notice (我的账户 → 通知, escaped) and an e-mail through the
outbox (``shop.core.mail.mail_queue``, written in the business transaction, sent after commit,
once per fact by its dedupe key). The buyer side is the unit's members who may confirm (管理员,
经办人), or the buyer of an order without a unit; the vendor side is the partner's users."""

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from oscar.core.loading import get_model

from shop.core.mail import mail_queue

from .models import Side


def _buyer_users(contract) -> list:
    if contract.unit_id is None:
        return [contract.buyer] if contract.buyer_id else []
    from shop.buyers.access import roles_for
    from shop.buyers.models import UnitMember

    roles = roles_for("contracts.confirm")
    members = UnitMember.objects.filter(unit_id=contract.unit_id, is_active=True).select_related("user")
    return [m.user for m in members if set(m.roles or ()) & roles]


def _vendor_users(contract) -> list:
    return list(contract.partner.users.all())


def _path(contract, side: str) -> str:
    name = "contracts:detail" if side == Side.BUYER else "dashboard:contracts-detail"
    return reverse(name, kwargs={"number": contract.number})


def notify(contract, *, sides, subject: str, body: str, key: str) -> None:
    """Tell ``sides`` (Side values) about one fact of ``contract``; ``key`` names the fact."""
    Notification = get_model("communication", "Notification")
    for side in sides:
        users = _buyer_users(contract) if side == Side.BUYER else _vendor_users(contract)
        path = _path(contract, side)
        for user in users:
            Notification.objects.create(
                recipient=user,
                subject=escape(subject)[:255],
                body=f'{escape(body)}<br><a href="{escape(path)}">查看合同</a>',
            )
        mail_queue(
            to=[u.email for u in users],
            subject=f"【湘慧商城】{subject}",
            body=(
                f"{body}\n\n合同：{contract.number}（{contract.buyer_name} / {contract.seller_name}）\n"
                f"查看：{settings.MALL_SITE_URL.rstrip('/')}{path}\n"
            ),
            dedupe_key=f"contracts:{contract.pk}:{key}:{side}",
        )
