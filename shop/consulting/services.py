"""Writes of consulting engagements: typed functions, one transaction each, one audit event per
state change (``shop.core.transitions.transition``), the other party told by notice and e-mail.
Any refusal raises a DomainError (Chinese) and stores nothing.

The order, its contract, the report and its acceptance go through the mall's own flows:
``shop.payments.orders.order_place`` (sold by the consultant, settlement by
``payments.selectors.settlement_for``; the contract draft follows from the order as for any award
that needs one), ``shop.fulfilment.services.delivery_record`` (kind 服务交付, the report as its
attachment) and ``acceptance_record`` (合格 opens the payable)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.notify import tell
from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import Conflict, IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.money import q2, rmb
from shop.core.transitions import transition
from shop.core.uploads import DOCUMENT_KINDS, check_upload

from . import selectors
from .models import (
    BUYER_MOVES,
    CONSULTANT_MOVES,
    FOLLOW_MOVES,
    BlockedDay,
    BookedDay,
    Engagement,
    EngagementEvent,
    EngagementFile,
    Package,
    Status,
)
from .pricing import (
    MAX_LEAD_DAYS,
    MAX_UNITS,
    UNIT_WORDS,
    booked_days,
    engagement_end,
    engagement_price,
)

LABELS = dict(Status.choices)
MAX_NEED = 2000
MAX_NOTE = 1000
MAX_FILES = 5
MAX_UNIT_PRICE = Decimal("9999999.99")


@dataclass(frozen=True)
class EngagementInput:
    """What the buyer chose on the form (as typed: the service checks it)."""

    variant_id: int | str | None
    quantity: int | str | None
    start_date: date | None
    topics: Sequence[str] = field(default_factory=tuple)
    need: str = ""
    partner_id: int | str | None = None
    budget_line_id: int | str | None = None


# --- checks ------------------------------------------------------------------------------------


def _int(value) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text.lstrip("-").isdigit() or len(text) > 6:
        return None
    return int(text)


def check_quantity(*, package: str, quantity) -> int:
    """The number of units, or Invalid: at least 1, at most ``MAX_UNITS`` of the package."""
    word = UNIT_WORDS[Package(package)]
    number = _int(quantity)
    if number is None:
        raise Invalid(_("请填写服务时长（整数）。"), fields={"quantity": _("请填写整数。")})
    if number < 1:
        message = _("服务时长至少 1 %(unit)s。") % {"unit": word}
        raise Invalid(message, fields={"quantity": message})
    limit = MAX_UNITS[Package(package)]
    if number > limit:
        message = _("%(package)s服务包最多预约 %(n)s %(unit)s，更长的服务请选择更长的服务包。") % {
            "package": Package(package).label,
            "n": limit,
            "unit": word,
        }
        raise Invalid(message, fields={"quantity": message})
    return number


def check_start(start, *, today: date | None = None) -> date:
    """A start date from tomorrow up to a year ahead, or Invalid."""
    today = today or timezone.localdate()
    if not isinstance(start, date):
        raise Invalid(_("请选择开始日期。"), fields={"start_date": _("请选择开始日期。")})
    if start <= today:
        message = _("开始日期最早为明天（%(day)s）。") % {"day": (today + timedelta(days=1)).isoformat()}
        raise Invalid(message, fields={"start_date": message})
    if start > today + timedelta(days=MAX_LEAD_DAYS):
        message = _("开始日期不能晚于一年以后。")
        raise Invalid(message, fields={"start_date": message})
    return start


def check_topics(chosen: Sequence[str], *, allowed: Sequence[str]) -> list[str]:
    """The chosen topics in the catalogue's order, or Invalid naming one that is not offered."""
    chosen = [str(t).strip() for t in (chosen or []) if str(t).strip()]
    if not chosen:
        message = _("请至少选择一项咨询内容。")
        raise Invalid(message, fields={"topics": message})
    for topic in chosen:
        if topic not in allowed:
            message = _("咨询内容“%(topic)s”不在本服务包的范围内。") % {"topic": topic[:20]}
            raise Invalid(message, fields={"topics": message})
    return [t for t in allowed if t in set(chosen)]


def check_unit_price(value, *, quantity: int) -> Decimal:
    try:
        price = Decimal(str(value).replace(",", "").strip())
        if not price.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise Invalid(_("请填写有效的确认单价（元）。"), fields={"unit_price": _("请填写有效金额。")})
    if price <= 0 or price != price.quantize(Decimal("0.01")):
        raise Invalid(
            _("确认单价须大于零，最多两位小数。"),
            fields={"unit_price": _("确认单价须大于零，最多两位小数。")},
        )
    if price > MAX_UNIT_PRICE or engagement_price(quantity=quantity, unit_price=price) > MAX_UNIT_PRICE:
        raise Invalid(
            _("金额过大：单次咨询服务合计不能超过 %(limit)s。") % {"limit": rmb(MAX_UNIT_PRICE)},
            fields={"unit_price": _("金额过大。")},
        )
    return q2(price)


def _text(value, *, label: str, limit: int, required: bool = False, field_name: str = "note") -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise Invalid(_("%(label)s含有不允许的字符。") % {"label": label}, fields={field_name: ""})
    if required and not text:
        message = _("请填写%(label)s。") % {"label": label}
        raise Invalid(message, fields={field_name: message})
    if len(text) > limit:
        message = _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": limit}
        raise Invalid(message, fields={field_name: message})
    return text


def _check_files(files) -> list:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise Invalid(_("附件最多 %(n)s 个。") % {"n": MAX_FILES}, fields={"files": ""})
    out = []
    for upload in files:
        try:
            out.append((upload, check_upload(upload, allowed=DOCUMENT_KINDS)))
        except ValidationError as exc:
            message = _("附件“%(name)s”：%(error)s") % {"name": upload.name, "error": exc.messages[0]}
            raise Invalid(message, fields={"files": message})
    return out


def _book(engagement: Engagement, *, days: list[date]) -> None:
    """Hold ``days`` on the consultant's calendar for ``engagement`` (its earlier dates released):
    a date the consultant blocked or another engagement holds is refused, nothing kept."""
    BookedDay.objects.filter(engagement=engagement).delete()
    if not days:
        return
    blocked = (
        BlockedDay.objects.filter(partner_id=engagement.partner_id, day__in=days).order_by("day").first()
    )
    if blocked is not None:
        message = _("咨询顾问在 %(day)s 不接受预约，请另选开始日期或调整天数。") % {
            "day": blocked.day.isoformat()
        }
        raise Invalid(message, fields={"start_date": message})
    taken = BookedDay.objects.filter(partner_id=engagement.partner_id, day__in=days).order_by("day").first()
    if taken is not None:
        message = _("咨询顾问在 %(day)s 已有其他预约，请另选开始日期或调整天数。") % {
            "day": taken.day.isoformat()
        }
        raise Invalid(message, fields={"start_date": message})
    try:
        with transaction.atomic():  # two bookings at once: the unique (consultant, day) decides
            BookedDay.objects.bulk_create(
                BookedDay(partner_id=engagement.partner_id, day=day, engagement=engagement) for day in days
            )
    except IntegrityError:
        message = _("所选日期刚被其他预约占用，请另选开始日期。")
        raise Invalid(message, fields={"start_date": message})


# --- who ----------------------------------------------------------------------------------------


def _require_buyer_actor(actor, action: str = "purchases.act"):
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    member = membership(actor, fresh=True)
    if member is not None and not member_can(member, action):
        raise PermissionDenied(refusal(action))
    return member


def _buyer_engagement(*, engagement, actor, action: str = "purchases.act") -> Engagement:
    """The engagement as one of its buyer side may act on it (NotFound for anyone else)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    if (
        not selectors.engagements_for_buyer(user=actor, action="purchases.view")
        .filter(pk=engagement.pk)
        .exists()
    ):
        raise NotFound(_("咨询服务预约不存在。"))
    _require_buyer_actor(actor, action)
    return engagement


def _consultant_engagement(*, engagement, actor) -> Engagement:
    """The engagement as its consultant may act on it; operators watch but do not act for it."""
    if engagement.partner_id in user_partner_ids(actor):
        return engagement
    if is_operator(actor):
        raise PermissionDenied(_("只有该预约的咨询顾问可以办理。"))
    raise NotFound(_("咨询服务预约不存在。"))


def _consultant_users(engagement):
    return list(engagement.partner.users.filter(is_active=True).order_by("pk"))


def _last_event(engagement) -> EngagementEvent:
    return engagement.events.order_by("-pk").first()


def _tell_buyer(engagement, *, subject: str, body: str) -> None:
    event = _last_event(engagement)
    tell(
        users=[engagement.buyer],
        subject=subject,
        body=body,
        path=f"/consulting/{engagement.number}/",
        key=f"consulting:{engagement.pk}:event:{event.pk if event else 0}:buyer",
    )


def _tell_consultant(engagement, *, subject: str, body: str) -> None:
    event = _last_event(engagement)
    tell(
        users=_consultant_users(engagement),
        subject=subject,
        body=body,
        path=f"/dashboard/consulting/{engagement.number}/",
        key=f"consulting:{engagement.pk}:event:{event.pk if event else 0}:consultant",
    )


def _move(engagement, *, to: str, allowed, actor, kind: str, note: str = "", extra=None) -> Engagement:
    return transition(
        obj=engagement,
        to=to,
        allowed=allowed,
        labels=LABELS,
        event_model=EngagementEvent,
        event_fk="engagement",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


def _locked(engagement) -> Engagement:
    return Engagement.objects.select_for_update().get(pk=engagement.pk)


def _require_status(engagement, *, to: str, allowed) -> None:
    if to not in allowed.get(engagement.status, set()):
        raise IllegalTransition(
            f"当前状态为“{LABELS.get(engagement.status, engagement.status)}”，不能变更为“{LABELS.get(to, to)}”。"
        )


# --- the buyer's request --------------------------------------------------------------------------


def engagement_request(*, actor, product, data: EngagementInput, files: Sequence = ()) -> Engagement:
    """A buyer (a unit's 经办人, or a buyer alone) books the consulting package ``product``:
    the variant (天/月/半年/年) × ``quantity`` from ``start_date``, on ``topics``, with the need
    described. A day package holds its dates on the consultant's calendar. Waits for the
    consultant (待确认)."""
    member = _require_buyer_actor(actor)
    if not selectors.is_consulting_product(product):
        raise NotFound(_("该商品不是政企咨询服务包。"))
    errors: dict[str, str] = {}
    variants = {v.pk: v for v in selectors.variants(product=product)}
    variant = variants.get(_int(data.variant_id) or 0)
    if variant is None:
        errors["variant"] = _("请选择服务包（按天、按月、半年或按年）。")
    values: dict = {}
    checks = [
        ("start_date", lambda: check_start(data.start_date)),
        ("topics", lambda: check_topics(data.topics, allowed=selectors.topics(product=product))),
        (
            "need",
            lambda: _text(data.need, label=_("需求描述"), limit=MAX_NEED, required=True, field_name="need"),
        ),
    ]
    if variant is not None:
        checks.insert(
            0,
            (
                "quantity",
                lambda: check_quantity(package=selectors.package_of(variant), quantity=data.quantity),
            ),
        )
    for name, check in checks:
        try:
            values[name] = check()
        except Invalid as exc:
            errors[name] = exc.message
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    records = selectors.stockrecords(variant=variant)
    record = records.filter(partner_id=_int(data.partner_id)).first() if data.partner_id else records.first()
    if record is None:
        message = (
            _("该服务规格暂无可预约的咨询顾问。")
            if not data.partner_id
            else _("请选择提供该服务的咨询顾问。")
        )
        raise Invalid(message, fields={"partner": message})
    from shop.buyers.services import budget_line_for_document

    budget_line = budget_line_for_document(
        unit_id=member.unit_id if member else None, budget_line_id=data.budget_line_id
    )
    checked = _check_files(files)
    package = selectors.package_of(variant)
    start, quantity = values["start_date"], values["quantity"]
    with transaction.atomic():
        engagement = Engagement.objects.create(
            number=next_document_number("ZX"),
            buyer=actor,
            unit_id=member.unit_id if member else None,
            budget_line=budget_line,
            product=variant,
            partner=record.partner,
            package=package,
            quantity=quantity,
            requested_start=start,
            start_date=start,
            end_date=engagement_end(package=package, start=start, quantity=quantity),
            topics=values["topics"],
            need=values["need"],
            list_unit_price=q2(record.price),
            tax_rate=variant.tax_rate if variant.tax_rate is not None else Decimal("0.06"),
        )
        _book(engagement, days=booked_days(package=package, start=start, quantity=quantity))
        for upload, info in checked:
            doc = EngagementFile(
                engagement=engagement,
                display_name=info.display_name[:128],
                file_type=info.kind,
                size=info.size,
                uploaded_by=actor,
            )
            doc.file.save(info.display_name, upload, save=False)
            doc.save()
        EngagementEvent.objects.create(
            engagement=engagement, actor=actor, to_status=engagement.status, kind="requested"
        )
        _tell_consultant(
            engagement,
            subject=_("新的咨询服务预约 %(number)s") % {"number": engagement.number},
            body=_(
                "%(who)s 预约%(duration)s咨询（%(topics)s），自 %(start)s 起，请在管理后台“咨询服务”中确认或改期。"
            )
            % {
                "who": engagement.unit.org_name
                if engagement.unit_id
                else (actor.get_full_name() or actor.get_username()),
                "duration": engagement.duration_label,
                "topics": engagement.topics_label,
                "start": engagement.start_date.isoformat(),
            },
        )
    return engagement


# --- the consultant -----------------------------------------------------------------------------


def engagement_confirm(*, engagement: Engagement, actor, unit_price, note: str = "") -> Engagement:
    """The consultant confirms the date and the price per unit (the 起价 becomes a price)."""
    _consultant_engagement(engagement=engagement, actor=actor)
    price = check_unit_price(unit_price, quantity=engagement.quantity)
    note = _text(note, label=_("说明"), limit=MAX_NOTE)
    with transaction.atomic():
        locked = _move(
            engagement,
            to=Status.CONFIRMED,
            allowed=CONSULTANT_MOVES,
            actor=actor,
            kind="confirmed",
            note=note or _("确认单价 %(price)s") % {"price": rmb(price)},
            extra={"unit_price": price, "consultant_note": note},
        )
        _tell_buyer(
            locked,
            subject=_("咨询服务预约 %(number)s 已确认") % {"number": locked.number},
            body=_("咨询顾问已确认 %(start)s 起%(duration)s的咨询，合计 %(total)s，请确认下单。")
            % {
                "start": locked.start_date.isoformat(),
                "duration": locked.duration_label,
                "total": rmb(locked.confirmed_total),
            },
        )
    return locked


def engagement_propose(
    *, engagement: Engagement, actor, start_date, unit_price, note: str = ""
) -> Engagement:
    """The consultant proposes another start date (and its price per unit); the buyer accepts it
    or cancels. A day package's dates move on the calendar now."""
    _consultant_engagement(engagement=engagement, actor=actor)
    start = check_start(start_date)
    price = check_unit_price(unit_price, quantity=engagement.quantity)
    note = _text(note, label=_("改期说明"), limit=MAX_NOTE)
    with transaction.atomic():
        locked = _locked(engagement)
        _require_status(locked, to=Status.RESCHEDULED, allowed=CONSULTANT_MOVES)
        if start == locked.start_date:
            message = _("建议的开始日期与原日期相同；同意原日期请直接确认预约。")
            raise Invalid(message, fields={"start_date": message})
        old = locked.start_date
        locked.start_date = start
        locked.end_date = engagement_end(package=locked.package, start=start, quantity=locked.quantity)
        _book(locked, days=booked_days(package=locked.package, start=start, quantity=locked.quantity))
        locked = _move(
            locked,
            to=Status.RESCHEDULED,
            allowed=CONSULTANT_MOVES,
            actor=actor,
            kind="rescheduled",
            note=_("开始日期由 %(old)s 改为 %(new)s，单价 %(price)s。%(note)s")
            % {"old": old.isoformat(), "new": start.isoformat(), "price": rmb(price), "note": note},
            extra={
                "start_date": start,
                "end_date": locked.end_date,
                "unit_price": price,
                "consultant_note": note,
            },
        )
        _tell_buyer(
            locked,
            subject=_("咨询服务预约 %(number)s：顾问建议改期") % {"number": locked.number},
            body=_("咨询顾问建议改为 %(start)s 开始，合计 %(total)s。请确认新日期或取消预约。")
            % {"start": start.isoformat(), "total": rmb(locked.confirmed_total)},
        )
    return locked


def engagement_report(*, engagement: Engagement, actor, description: str, files: Sequence) -> Engagement:
    """The consultant hands in the deliverable: a 服务交付 of the whole order with the report
    file(s) (``fulfilment.delivery_record``: the contract must be signed and, paying first, the
    order paid). 报告已提交; the buyer accepts it like any delivery."""
    from shop.fulfilment.services import delivery_record

    _consultant_engagement(engagement=engagement, actor=actor)
    description = _text(
        description, label=_("报告说明"), limit=MAX_NOTE, required=True, field_name="description"
    )
    if not [f for f in (files or []) if f]:
        message = _("请上传咨询报告。")
        raise Invalid(message, fields={"files": message})
    with transaction.atomic():
        locked = _locked(engagement)
        _require_status(locked, to=Status.REPORTED, allowed=CONSULTANT_MOVES)
        line = locked.order.lines.order_by("pk").first()
        delivery_record(
            order=locked.order,
            line_id=line.pk,
            actor=actor,
            kind="service",
            quantity=line.quantity,
            description=_("咨询报告：%(text)s") % {"text": description},
            attachments=files,
        )
        locked = _move(
            locked,
            to=Status.REPORTED,
            allowed=CONSULTANT_MOVES,
            actor=actor,
            kind="reported",
            note=description,
        )
        _tell_buyer(
            locked,
            subject=_("咨询服务 %(number)s：报告已提交，请验收") % {"number": locked.number},
            body=_("咨询顾问已提交咨询报告，请查看并办理验收。"),
        )
    return locked


# --- the buyer after the consultant ---------------------------------------------------------------


def engagement_accept_proposal(*, engagement: Engagement, actor) -> Engagement:
    """The buyer accepts the consultant's new date and price: 已确认."""
    _buyer_engagement(engagement=engagement, actor=actor)
    with transaction.atomic():
        locked = _move(
            engagement,
            to=Status.CONFIRMED,
            allowed=BUYER_MOVES,
            actor=actor,
            kind="proposal_accepted",
            note=_("同意改期至 %(start)s") % {"start": engagement.start_date.isoformat()},
        )
        _tell_consultant(
            locked,
            subject=_("咨询服务预约 %(number)s：采购方已同意改期") % {"number": locked.number},
            body=_("采购方已同意 %(start)s 开始，等待下单。") % {"start": locked.start_date.isoformat()},
        )
    return locked


def engagement_cancel(*, engagement: Engagement, actor, reason: str) -> Engagement:
    """Either party cancels before the order (the buyer while it waits or is confirmed, the
    consultant likewise); the day package's dates are released."""
    reason = _text(reason, label=_("取消原因"), limit=MAX_NOTE, required=True, field_name="reason")
    if engagement.partner_id in user_partner_ids(actor):
        allowed, side = CONSULTANT_MOVES, "consultant"
    else:
        _buyer_engagement(engagement=engagement, actor=actor)
        allowed, side = BUYER_MOVES, "buyer"
    with transaction.atomic():
        locked = _move(
            engagement,
            to=Status.CANCELLED,
            allowed=allowed,
            actor=actor,
            kind="cancelled",
            note=reason,
            extra={"cancel_reason": reason},
        )
        BookedDay.objects.filter(engagement=locked).delete()
        subject = _("咨询服务预约 %(number)s 已取消") % {"number": locked.number}
        body = _("预约已取消，原因：%(reason)s") % {"reason": reason}
        if side == "buyer":
            _tell_consultant(locked, subject=subject, body=body)
        else:
            _tell_buyer(locked, subject=subject, body=body)
    return locked


def engagement_order(*, engagement: Engagement, actor):
    """The buyer orders the confirmed engagement: an Oscar order sold by the consultant at the
    confirmed price (units × unit price), for the unit and paid from its budget line; the unit's
    approval rules and a government unit's 直购 limit apply as to any direct purchase. The
    contract draft follows from the order (``shop.contracts.receivers``). Returns the order."""
    from shop.credit.services import refuse_if_suspended
    from shop.payments.orders import OrderLineSpec, order_place
    from shop.payments.services import direct_order_plan, order_direct_finalise
    from shop.sourcing.selectors import direct_limit_problem

    _buyer_engagement(engagement=engagement, actor=actor)
    with transaction.atomic():
        locked = _locked(engagement)
        _require_status(locked, to=Status.ORDERED, allowed=BUYER_MOVES)
        if locked.unit_price is None:  # pragma: no cover - confirmed always carries a price
            raise Conflict(_("咨询顾问尚未确认价格，不能下单。"))
        record = selectors.stockrecord_for(variant=locked.product, partner_id=locked.partner_id)
        if record is None:
            raise Conflict(_("咨询顾问已不再提供该服务规格，不能下单；请取消后重新预约。"))
        refuse_if_suspended(locked.partner_id, doing=_("接收订单"), name=locked.partner.name)
        total = locked.confirmed_total
        limit = direct_limit_problem(unit=locked.unit, total=total)
        if limit:
            raise Conflict(limit)
        base = selectors.base_product(locked.product)
        plan = direct_order_plan(
            user=actor,
            total=total,
            category_ids=list(base.categories.values_list("pk", flat=True)),
            budget_line_id=locked.budget_line_id,
        )
        invoice = None
        if locked.unit_id:
            from shop.buyers.models import INVOICE_FIELDS

            invoice = {f: getattr(locked.unit, f, "") for f in INVOICE_FIELDS}
        order = order_place(
            user=locked.buyer,
            lines=[
                OrderLineSpec(
                    product=locked.product,
                    stockrecord=record,
                    quantity=locked.quantity,
                    unit_price_incl_tax=locked.unit_price,
                    tax_rate=locked.tax_rate,
                    title=_("%(title)s（%(start)s 起，%(duration)s）")
                    % {
                        "title": locked.product.get_title(),
                        "start": locked.start_date.isoformat(),
                        "duration": locked.duration_label,
                    },
                )
            ],
            source="direct",
            reference=locked.number,
            invoice=invoice,
            unit=locked.unit,
            budget_line=plan.budget_line,
            status=plan.status,
            seller=locked.partner,
        )
        order_direct_finalise(order=order, plan=plan)
        locked = _move(
            locked,
            to=Status.ORDERED,
            allowed=BUYER_MOVES,
            actor=actor,
            kind="ordered",
            note=_("订单号 %(number)s") % {"number": order.number},
            extra={"order": order},
        )
        _tell_consultant(
            locked,
            subject=_("咨询服务 %(number)s 已下单") % {"number": locked.number},
            body=_(
                "采购方已下单（订单 %(order)s，%(total)s）。合同签订后按约提供咨询，并在结束时提交咨询报告。"
            )
            % {"order": order.number, "total": rmb(total)},
        )
    return order


def engagement_accept_report(
    *, engagement: Engagement, actor, passed: bool, comments: str = ""
) -> Engagement:
    """The buyer's 履约验收 of the report (``fulfilment.acceptance_record`` of the whole line):
    合格 ends the engagement (已验收) and opens the payable; 不合格 needs the reason and sends it
    back to the consultant (已下单) for a new report."""
    from shop.fulfilment.services import acceptance_record

    _buyer_engagement(engagement=engagement, actor=actor, action="acceptance.record")
    comments = _text(
        comments,
        label=_("验收意见") if passed else _("不合格原因"),
        limit=MAX_NOTE,
        required=not passed,
        field_name="comments",
    )
    to = Status.ACCEPTED if passed else Status.ORDERED
    with transaction.atomic():
        locked = _locked(engagement)
        _require_status(locked, to=to, allowed=BUYER_MOVES)
        if locked.status != Status.REPORTED:  # 已下单 → 已下单 is not a move of this step
            raise IllegalTransition(_("咨询报告尚未提交，不能验收。"))
        line = locked.order.lines.order_by("pk").first()
        acceptance_record(
            order=locked.order,
            line_id=line.pk,
            actor=actor,
            quantity=line.quantity,
            result="passed" if passed else "failed",
            comments=comments,
        )
        locked = _move(
            locked,
            to=to,
            allowed=BUYER_MOVES,
            actor=actor,
            kind="report_accepted" if passed else "report_rejected",
            note=comments,
        )
        if passed:
            subject = _("咨询服务 %(number)s 已验收") % {"number": locked.number}
            body = _("采购方已验收咨询报告，订单进入付款。")
        else:
            subject = _("咨询服务 %(number)s：报告验收不合格") % {"number": locked.number}
            body = _("采购方验收不合格，原因：%(reason)s。请修改后重新提交报告。") % {"reason": comments}
        _tell_consultant(locked, subject=subject, body=body)
    return locked


# --- the order's own pages ------------------------------------------------------------------------


def _followed_status(engagement) -> tuple[str, str] | None:
    """(status, note) the engagement's order says it is in, when that differs from its own."""
    from shop.fulfilment.models import Fulfilment, LineFulfilment

    fulfilment = Fulfilment.objects.filter(order_id=engagement.order_id).first()
    if fulfilment is not None and fulfilment.status == Fulfilment.Status.ACCEPTED:
        return (
            (Status.ACCEPTED, _("订单已在交付与验收页面验收合格。"))
            if engagement.status != Status.ACCEPTED
            else None
        )
    state = LineFulfilment.objects.filter(line__order_id=engagement.order_id).order_by("pk").first()
    if state is None:
        return None
    if engagement.status == Status.ORDERED and state.awaiting_inspection > 0:
        return Status.REPORTED, _("咨询报告已在交付页面提交。")
    if engagement.status == Status.REPORTED and state.awaiting_inspection == 0:
        return Status.ORDERED, _("交付已在验收页面退回，等待重新提交报告。")
    return None


def engagements_sync() -> list[str]:
    """Follow a report delivered, accepted or sent back on the order's own 交付与验收 pages (not
    through the engagement's): each such engagement moves to match, one event each. Run by beat;
    idempotent (a second run finds nothing to move). Returns the numbers moved."""
    moved = []
    candidates = Engagement.objects.filter(
        status__in=(Status.ORDERED, Status.REPORTED), order__isnull=False
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            engagement = Engagement.objects.select_for_update().filter(pk=pk).first()
            if engagement is None or engagement.status not in FOLLOW_MOVES:
                continue
            follow = _followed_status(engagement)
            if follow is None:
                continue
            to, note = follow
            _move(engagement, to=to, allowed=FOLLOW_MOVES, actor=None, kind="followed", note=note)
            moved.append(engagement.number)
    return moved


# --- the consultant's calendar ---------------------------------------------------------------------


def _own_partner_id(actor) -> int:
    ids = user_partner_ids(actor)
    if not ids:
        raise PermissionDenied(_("只有咨询顾问（供应商）可以设置自己的不可预约日期。"))
    return ids[0]


def blocked_day_add(*, actor, day, note: str = "") -> BlockedDay:
    """The consultant marks a day it takes no bookings; a day already booked is refused."""
    partner_id = _own_partner_id(actor)
    today = timezone.localdate()
    if not isinstance(day, date):
        raise Invalid(_("请选择日期。"), fields={"day": _("请选择日期。")})
    if day <= today:
        message = _("只能设置明天及以后的日期。")
        raise Invalid(message, fields={"day": message})
    if day > today + timedelta(days=MAX_LEAD_DAYS):
        message = _("只能设置一年以内的日期。")
        raise Invalid(message, fields={"day": message})
    note = _text(note, label=_("说明"), limit=60)
    with transaction.atomic():
        booked = BookedDay.objects.filter(partner_id=partner_id, day=day).select_related("engagement").first()
        if booked is not None:
            message = _("%(day)s 已有预约 %(number)s，不能设为不可预约。") % {
                "day": day.isoformat(),
                "number": booked.engagement.number,
            }
            raise Conflict(message, fields={"day": message})
        if BlockedDay.objects.filter(partner_id=partner_id, day=day).exists():
            message = _("%(day)s 已是不可预约日期。") % {"day": day.isoformat()}
            raise Conflict(message, fields={"day": message})
        try:
            with transaction.atomic():
                return BlockedDay.objects.create(partner_id=partner_id, day=day, note=note, created_by=actor)
        except IntegrityError:
            message = _("%(day)s 已是不可预约日期。") % {"day": day.isoformat()}
            raise Conflict(message, fields={"day": message})


def blocked_day_remove(*, actor, pk) -> None:
    partner_id = _own_partner_id(actor)
    blocked = BlockedDay.objects.filter(pk=_int(pk) or 0, partner_id=partner_id).first()
    if blocked is None:  # another consultant's day: nothing is touched
        raise NotFound(_("该不可预约日期不存在。"))
    blocked.delete()


__all__ = [
    "EngagementInput",
    "blocked_day_add",
    "blocked_day_remove",
    "check_quantity",
    "check_start",
    "check_topics",
    "check_unit_price",
    "engagement_accept_proposal",
    "engagement_accept_report",
    "engagement_cancel",
    "engagement_confirm",
    "engagement_order",
    "engagement_propose",
    "engagement_report",
    "engagement_request",
    "engagements_sync",
]
