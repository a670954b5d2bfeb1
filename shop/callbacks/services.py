"""Writes of call-backs: booking (validated number, stored once) and the operator's answer,
each with one audit event."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.access import membership
from shop.buyers.notify import tell
from shop.core.access import is_operator
from shop.core.exceptions import Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.transitions import transition

from .models import MOVES, CallbackEvent, CallbackRequest, Status, Window
from .phones import phone_mask, phone_normalise

LABELS = dict(Status.choices)


@dataclass(frozen=True)
class BookingInput:
    name: str
    phone: str
    window: str
    topic: str = ""
    preferred_date: date | None = None
    message: str = ""


def _package_partner(product):
    record = product.stockrecords.select_related("partner").order_by("pk").first() if product else None
    return record.partner if record is not None else None


@transaction.atomic
def callback_book(*, user, data: BookingInput, product=None) -> CallbackRequest:
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("请先登录后再预约咨询。"))
    errors = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("请填写您的称呼。")
    elif len(name) > 40:
        errors["name"] = _("称呼不能超过 40 个字。")
    try:
        phone = phone_normalise(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if data.window not in Window.values:
        errors["window"] = _("请选择方便接听的时段。")
    today = timezone.localdate()
    if data.preferred_date is not None and not (today <= data.preferred_date <= today + timedelta(days=60)):
        errors["preferred_date"] = _("希望回电日期须在今天起 60 天内。")
    message = (data.message or "").strip()
    if len(message) > 500:
        errors["message"] = _("留言不能超过 500 个字。")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    topic = (data.topic or "").strip()[:120] or (product.get_title()[:120] if product else _("服务咨询"))
    member = membership(user, fresh=True)
    callback = CallbackRequest.objects.create(
        number=next_document_number("YY"),
        user=user,
        unit_id=member.unit_id if member is not None else None,
        product=product,
        partner=_package_partner(product),
        topic=topic,
        name=name,
        phone=phone,
        window=data.window,
        preferred_date=data.preferred_date,
        message=message,
    )
    CallbackEvent.objects.create(callback=callback, actor=user, to_status=callback.status, kind="booked")
    return callback


def callback_answer(*, callback: CallbackRequest, actor, note: str) -> CallbackRequest:
    """An operator records the call (what was discussed): 待回电 → 已回电."""
    if not is_operator(actor):
        raise NotFound(_("预约不存在。"))
    note = (note or "").strip()
    if not note:
        raise Invalid(_("请填写回电记录（沟通结果）。"), fields={"note": _("请填写回电记录。")})
    if len(note) > 1000:
        raise Invalid(_("回电记录不能超过 1000 个字。"), fields={"note": _("回电记录不能超过 1000 个字。")})
    with transaction.atomic():
        locked = transition(
            obj=callback,
            to=Status.ANSWERED,
            allowed=MOVES,
            labels=LABELS,
            event_model=CallbackEvent,
            event_fk="callback",
            actor=actor,
            note=note,
            extra_updates={"answer_note": note, "answered_by": actor, "answered_at": timezone.now()},
        )
        tell(
            users=[locked.user],
            subject=_("预约咨询 %(number)s 已回电") % {"number": locked.number},
            body=_("平台已按您的预约致电 %(phone)s（%(topic)s）。")
            % {"phone": phone_mask(locked.phone), "topic": locked.topic},
            path="/callbacks/",
            key=f"callbacks:{locked.pk}:answered",
        )
    return locked


def callback_cancel(*, callback: CallbackRequest, actor) -> CallbackRequest:
    """The booker (or an operator) withdraws a call-back still waiting."""
    if not (is_operator(actor) or callback.user_id == getattr(actor, "pk", None)):
        raise NotFound(_("预约不存在。"))
    return transition(
        obj=callback,
        to=Status.CANCELLED,
        allowed=MOVES,
        labels=LABELS,
        event_model=CallbackEvent,
        event_fk="callback",
        actor=actor,
    )
