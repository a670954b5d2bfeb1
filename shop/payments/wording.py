"""Payment facts in plain Chinese for the dashboard: what a Stripe event means (one table, with
a Chinese fallback for a type it does not know), a stored note without Stripe's object names,
and who owes what on an order ("长沙市示范局 订单 DD… 应付 ¥58,000.00（伍万捌仟元整）")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.money import rmb, rmb_upper

# Stripe's event type → what happened, as an operator reads it
STRIPE_EVENT_LABELS = {
    "payment_intent.created": gettext_lazy("银行卡付款已发起"),
    "payment_intent.processing": gettext_lazy("银行卡付款处理中"),
    "payment_intent.requires_action": gettext_lazy("付款需要持卡人验证"),
    "payment_intent.succeeded": gettext_lazy("银行卡付款成功"),
    "payment_intent.payment_failed": gettext_lazy("银行卡付款失败"),
    "payment_intent.canceled": gettext_lazy("银行卡付款已取消"),
    "payment_intent.amount_capturable_updated": gettext_lazy("银行卡付款待收取"),
    "charge.succeeded": gettext_lazy("扣款成功"),
    "charge.failed": gettext_lazy("扣款失败"),
    "charge.pending": gettext_lazy("扣款处理中"),
    "charge.refunded": gettext_lazy("已退款"),
    "charge.dispute.created": gettext_lazy("持卡人提出争议"),
    "charge.dispute.closed": gettext_lazy("争议已结束"),
    "payment_method.attached": gettext_lazy("已绑定银行卡"),
    "account.updated": gettext_lazy("收款账户信息变更"),
}
STRIPE_EVENT_FALLBACK = gettext_lazy("其他银行卡支付通知")

# Stripe's object names and our technical words in stored notes → words a reader knows
_PLAIN_NOTE = (
    (re.compile(r"PaymentIntent|payment[_ ]intent", re.I), gettext_lazy("银行卡付款")),
    (re.compile(r"幂等键"), gettext_lazy("付款请求编号")),
)


def stripe_event_label(event_type: str) -> str:
    """The plain Chinese name of a Stripe event type; unknown types get the fallback."""
    return str(STRIPE_EVENT_LABELS.get(event_type or "", STRIPE_EVENT_FALLBACK))


def plain_note(note: str) -> str:
    """A stored note without Stripe's object names (notes are written once and kept as stored)."""
    for pattern, words in _PLAIN_NOTE:
        note = pattern.sub(str(words), note or "")
    return note


def buyer_name(order) -> str:
    """The buying unit's name when the order is a unit's, else the buyer's name."""
    origin = getattr(order, "origin", None)  # a missing one-to-one row raises AttributeError
    unit = getattr(origin, "unit", None) if origin is not None else None
    if unit is not None:
        return unit.org_name
    user = order.user
    if user is None:
        return _("个人采购")
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class AmountDue:
    who: str
    number: str
    amount: Decimal

    @property
    def figure(self) -> str:
        return rmb(self.amount)

    @property
    def upper(self) -> str:
        return rmb_upper(self.amount)

    def __str__(self) -> str:
        return _("%(who)s 订单 %(number)s 应付 %(amount)s（%(upper)s）") % {
            "who": self.who,
            "number": self.number,
            "amount": self.figure,
            "upper": self.upper,
        }


def amount_due(order, *, amount: Decimal | None = None) -> AmountDue:
    """Who owes what on ``order``: its total, or ``amount`` (a vendor's share of a shared order)."""
    return AmountDue(
        who=buyer_name(order),
        number=order.number,
        amount=order.total_incl_tax if amount is None else amount,
    )
