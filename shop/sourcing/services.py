"""Writes of sourcing events: publishing a 询价 or 竞价, sealed responses, bids, opening and
closing at the deadline (Celery beat), evaluation, award through the unit's approval rules,
and re-issue. Every state change is a guarded transition with one ``SourcingEventLog`` row.

Rules enforced here (财政部令第74号《政府采购非招标采购方式管理办法》 for 询价):
- at least ``SOURCING_MIN_VALID`` (3) qualified suppliers invited, or an open call with as
  many qualified suppliers in the category;
- at least ``SOURCING_MIN_RESPONSE_WORKDAYS`` (3) Chinese working days from publication to the
  deadline (第二十九条 of the order counts 3 working days for 询价);
- each supplier responds once, with a price it cannot change (一次报出不得更改的价格), before
  the deadline — checked against the server clock under the event's row lock, whatever the
  closing task is doing;
- at the deadline the event is opened and evaluated: responses that miss a line, exceed the
  最高限价 or come from a supplier no longer qualified are excluded with the reason; the rest
  are ranked by total (ties: the earlier response); fewer than 3 valid → 失败;
- the buyer confirms the lowest valid price (through the unit's approval rules) or records
  why it does not award."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.models import DocumentKind
from shop.core.access import user_partner_ids
from shop.core.exceptions import Conflict, DomainError, IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.core.limits import MAX_AMOUNT, MAX_QUOTE_QUANTITY, MAX_UNIT_PRICE
from shop.core.mail import mail_queue
from shop.core.models import next_document_number
from shop.core.money import q2, rmb
from shop.core.tax import DEFAULT_VAT_RATE, product_vat_rate
from shop.core.transitions import transition
from shop.core.workdays import after_workdays, local
from shop.credit.selectors import partner_suspended
from shop.credit.services import refuse_if_suspended

from . import selectors
from .models import (
    ES,
    EVENT_MOVES,
    Bid,
    EventStatus,
    Invitation,
    Mode,
    ResponseLine,
    SourcingEvent,
    SourcingEventLog,
    SourcingInvite,
    SourcingLine,
    SupplierResponse,
)

Partner = get_model("partner", "Partner")


# --- helpers --------------------------------------------------------------------------------------


def _log(
    event: SourcingEvent, *, kind: str, actor=None, note: str = "", from_status="", to_status=""
) -> None:
    SourcingEventLog.objects.create(
        event=event,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:1000],
        from_status=from_status,
        to_status=to_status,
    )


def _move(
    event: SourcingEvent, to: str, *, kind: str, actor=None, note: str = "", extra=None
) -> SourcingEvent:
    return transition(
        obj=event,
        to=to,
        allowed=EVENT_MOVES,
        labels=dict(EventStatus.choices),
        event_model=SourcingEventLog,
        event_fk="event",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


def money(value, *, label: str, max_value: Decimal) -> Decimal:
    """A price typed by a person: > 0, at most two decimals, at most ``max_value`` (the one
    money check of the buyers app, ``budget_amount``)."""
    from shop.buyers.services import budget_amount

    return budget_amount(value, label=label, max_value=max_value)


def earliest_deadline(*, now: datetime | None = None) -> datetime:
    """The earliest response deadline allowed for an event published ``now``."""
    now = now or timezone.now()
    days = settings.SOURCING_MIN_RESPONSE_WORKDAYS
    if days > 0:
        return after_workdays(now, days)
    return now + timedelta(minutes=settings.SOURCING_MIN_RESPONSE_MINUTES)


def _handler(actor):
    member = membership(actor, fresh=True)
    if member is None:
        raise PermissionDenied("网上询价和反向竞价由采购单位发起，请先加入或创建采购单位。")
    if not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    return member


def _event_of_unit(event: SourcingEvent, actor):
    member = _handler(actor)
    if member.unit_id != event.unit_id:
        raise NotFound("采购项目不存在。")
    return member


def _partner_users_emails(partner_id: int) -> list[str]:
    return list(Partner.objects.get(pk=partner_id).users.exclude(email="").values_list("email", flat=True))


def _vendor_path(event: SourcingEvent) -> str:
    return reverse("dashboard:sourcing-detail", kwargs={"number": event.number})


def _buyer_path(event: SourcingEvent) -> str:
    return reverse("sourcing:detail", kwargs={"number": event.number})


def _site(path: str) -> str:
    return f"{settings.MALL_SITE_URL.rstrip('/')}{path}"


def _notice(users, *, subject: str, body: str, path: str) -> None:
    """The in-site notice (我的账户 → 通知) beside each e-mail; Oscar shows it as HTML: escaped."""
    from django.utils.html import escape

    Notification = get_model("communication", "Notification")
    for user in users:
        Notification.objects.create(
            recipient=user,
            subject=escape(subject)[:255],
            body=f'{escape(body)}<br><a href="{escape(path)}">查看项目</a>',
        )


def _mail_partner(event: SourcingEvent, partner_id: int, *, subject: str, body: str, key: str) -> None:
    _notice(
        Partner.objects.get(pk=partner_id).users.all(), subject=subject, body=body, path=_vendor_path(event)
    )
    mail_queue(
        to=_partner_users_emails(partner_id),
        subject=f"【湘慧商城】{subject}",
        body=f"{body}\n\n项目：{event.number} {event.title}\n查看：{_site(_vendor_path(event))}\n",
        dedupe_key=f"sourcing:{event.pk}:{key}:{partner_id}",
    )


def _mail_buyer(event: SourcingEvent, *, subject: str, body: str, key: str) -> None:
    _notice([event.buyer], subject=subject, body=body, path=_buyer_path(event))
    mail_queue(
        to=[event.buyer.email],
        subject=f"【湘慧商城】{subject}",
        body=f"{body}\n\n项目：{event.number} {event.title}\n查看：{_site(_buyer_path(event))}\n",
        dedupe_key=f"sourcing:{event.pk}:{key}:buyer",
    )


def _publish_notice(event: SourcingEvent) -> None:
    """The public 公告 of the event's new state (询价/竞价公告, 成交公告, 失败公告), in the same
    transaction; published within the two working days the rules allow (at once)."""
    from shop.notices.services import notice_for_event

    notice_for_event(event=event)


# --- publishing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    title: str
    quantity: int
    unit: str
    spec: str = ""
    product: object | None = None


def _clean_lines(lines: list[LineSpec]) -> list[LineSpec]:
    if not lines:
        raise Invalid("请至少填写一项采购明细。")
    if len(lines) > 50:
        raise Invalid("采购明细最多 50 项。")
    cleaned = []
    for i, line in enumerate(lines, start=1):
        title = " ".join(str(line.title or "").split())[:255]
        if not title:
            raise Invalid(f"第 {i} 项：请填写名称。")
        try:
            quantity = int(str(line.quantity).strip())
        except (TypeError, ValueError):
            raise Invalid(f"第 {i} 项：数量应为正整数。")
        if not 1 <= quantity <= MAX_QUOTE_QUANTITY:
            raise Invalid(f"第 {i} 项：数量应在 1–{MAX_QUOTE_QUANTITY} 之间。")
        unit = " ".join(str(line.unit or "").split())[:16]
        if not unit:
            raise Invalid(f"第 {i} 项：请填写计量单位（如 台、套、项）。")
        cleaned.append(
            LineSpec(
                title=title, quantity=quantity, unit=unit, spec=(line.spec or "")[:4000], product=line.product
            )
        )
    return cleaned


def sourcing_publish(
    *,
    actor,
    mode: str,
    title: str,
    category,
    lines: list[LineSpec],
    delivery_place: str,
    delivery_date,
    deadline: datetime,
    invitation: str = Invitation.INVITED,
    invited_partner_ids=(),
    max_total=None,
    qualifications: str = "",
    budget_line_id=None,
    starts_at: datetime | None = None,
    start_price=None,
    decrement=None,
    now: datetime | None = None,
) -> SourcingEvent:
    """A unit's 经办人 publishes a 询价 (``mode=inquiry``) or a 竞价 (``mode=auction``)."""
    from shop.buyers.services import budget_amount, budget_line_for_document

    now = now or timezone.now()
    member = _handler(actor)
    if mode not in Mode.values:
        raise Invalid("请选择采购方式。")
    title = " ".join(str(title or "").split())
    if not title:
        raise Invalid("请填写项目名称。")
    if len(title) > 120:
        raise Invalid("项目名称最多 120 个字。")
    if category is None:
        raise Invalid("请选择品目。")
    lines = _clean_lines(lines)
    delivery_place = " ".join(str(delivery_place or "").split())[:200]
    if not delivery_place:
        raise Invalid("请填写交货地点。")
    if delivery_date is None:
        raise Invalid("请填写交货日期。")
    starts_at = starts_at or now
    if mode == Mode.AUCTION and starts_at < now - timedelta(minutes=1):
        raise Invalid("竞价开始时间不能早于现在。")
    if deadline is None or deadline <= now:
        raise Invalid("截止时间必须晚于现在。")
    earliest = earliest_deadline(now=starts_at if mode == Mode.AUCTION else now)
    if mode == Mode.INQUIRY and deadline < earliest:
        raise Invalid(
            f"响应截止时间不得早于 {local(earliest):%Y-%m-%d %H:%M}"
            f"（自发布之日起至少 {settings.SOURCING_MIN_RESPONSE_WORKDAYS} 个工作日）。"
            if settings.SOURCING_MIN_RESPONSE_WORKDAYS
            else f"响应截止时间不得早于 {local(earliest):%Y-%m-%d %H:%M}。"
        )
    if mode == Mode.AUCTION and deadline <= starts_at:
        raise Invalid("竞价结束时间必须晚于开始时间。")
    if local(deadline).date() > delivery_date:
        raise Invalid("交货日期不能早于截止时间。")
    max_total = budget_amount(max_total, label="最高限价") if max_total not in (None, "") else None
    if mode == Mode.AUCTION:
        start_price = money(start_price, label="起始价", max_value=max_total or MAX_AMOUNT)
        decrement = money(decrement, label="最小降价幅度", max_value=start_price)
    qualified = set(selectors.qualified_partner_ids(category=category))
    minimum = settings.SOURCING_MIN_VALID
    if invitation == Invitation.INVITED:
        invited = {int(p) for p in invited_partner_ids or ()}
        unqualified = invited - qualified
        if unqualified:
            names = (
                "、".join(Partner.objects.filter(pk__in=unqualified).values_list("name", flat=True))
                or "所选供应商"
            )
            raise Invalid(f"{names}不是本品目的合格供应商，不能邀请。")
        if len(invited) < minimum:
            raise Invalid(f"至少邀请 {minimum} 家本品目的合格供应商（已选 {len(invited)} 家）。")
    elif invitation == Invitation.OPEN:
        invited = set()
        if len(qualified) < minimum:
            raise Invalid(f"本品目合格供应商不足 {minimum} 家，不能发起公开{Mode(mode).label}。")
    else:
        raise Invalid("请选择供应商范围。")
    budget_line = budget_line_for_document(unit_id=member.unit_id, budget_line_id=budget_line_id)
    with transaction.atomic():
        event = SourcingEvent.objects.create(
            number=next_document_number("WX" if mode == Mode.INQUIRY else "JJ"),
            mode=mode,
            title=title,
            unit_id=member.unit_id,
            buyer=actor,
            category=category,
            budget_line=budget_line,
            delivery_place=delivery_place,
            delivery_date=delivery_date,
            max_total=max_total,
            qualifications=(qualifications or "").strip()[:4000],
            invitation=invitation,
            starts_at=starts_at,
            deadline=deadline,
            start_price=start_price if mode == Mode.AUCTION else None,
            decrement=decrement if mode == Mode.AUCTION else None,
            extend_minutes=settings.SOURCING_EXTEND_MINUTES if mode == Mode.AUCTION else 0,
            min_valid=minimum,
            published_at=now,
        )
        for i, line in enumerate(lines, start=1):
            SourcingLine.objects.create(
                event=event,
                sequence=i,
                product=line.product,
                title=line.title,
                spec=line.spec,
                quantity=line.quantity,
                unit=line.unit,
                tax_rate=product_vat_rate(line.product) if line.product is not None else DEFAULT_VAT_RATE,
            )
        for partner_id in sorted(invited):
            SourcingInvite.objects.create(event=event, partner_id=partner_id)
        _log(event, kind="published", actor=actor, to_status=ES.OPEN, note=f"{Mode(mode).label}：{title}")
        _publish_notice(event)
        for partner_id in sorted(invited or qualified):
            _mail_partner(
                event,
                partner_id,
                subject=f"{Mode(mode).label}邀请：{title}",
                body=f"截止时间 {local(deadline):%Y-%m-%d %H:%M}。",
                key="published",
            )
    return event


# --- responses (询价) ------------------------------------------------------------------------------


def _lock_open(
    event: SourcingEvent, *, now: datetime | None, closed_msg: str
) -> tuple[SourcingEvent, datetime]:
    locked = SourcingEvent.objects.select_for_update().get(pk=event.pk)
    now = now or timezone.now()  # read under the lock: a late request waits, then is late
    if locked.status != ES.OPEN or now >= locked.deadline:
        raise Conflict(closed_msg)
    return locked, now


def _vendor_partner(actor, partner_id=None) -> int:
    ids = user_partner_ids(actor)
    if not ids:
        raise PermissionDenied("只有供应商可以报价。")
    if partner_id is None:
        return ids[0]
    if int(partner_id) not in ids:
        raise PermissionDenied("只能以本公司的名义报价。")
    return int(partner_id)


def response_submit(
    *,
    event: SourcingEvent,
    actor,
    prices: dict,
    delivery_days,
    notes: str = "",
    partner_id=None,
    now: datetime | None = None,
) -> SupplierResponse:
    """A supplier's one sealed response: a price per line (lines left out make the response
    invalid at evaluation), its delivery promise and notes. Refused after the deadline, twice,
    or from a supplier not invited / not qualified."""
    partner_id = _vendor_partner(actor, partner_id)
    if event.mode != Mode.INQUIRY:
        raise Invalid("竞价项目请在竞价页面出价。")
    try:
        delivery_days = int(str(delivery_days).strip())
    except (TypeError, ValueError):
        raise Invalid("承诺交货期应为天数。")
    if not 1 <= delivery_days <= 3650:
        raise Invalid("承诺交货期应在 1–3650 天之间。")
    lines = {line.pk: line for line in event.lines.all()}
    priced: dict[int, Decimal] = {}
    for key, value in (prices or {}).items():
        if value in (None, ""):
            continue
        try:
            line_id = int(key)
        except (TypeError, ValueError):
            raise Invalid("报价明细无效。")
        if line_id not in lines:
            raise Invalid("报价明细无效。")
        priced[line_id] = money(value, label=f"“{lines[line_id].title}”的单价", max_value=MAX_UNIT_PRICE)
    if not priced:
        raise Invalid("请至少为一项采购明细报价。")
    total = sum((q2(priced[i] * lines[i].quantity) for i in priced), Decimal("0.00"))
    with transaction.atomic():
        locked, now = _lock_open(event, now=now, closed_msg="已超过响应截止时间，不能再报价。")
        if not selectors.partner_may_take_part(event=locked, partner_id=partner_id):
            raise PermissionDenied("贵公司不在本项目的受邀或合格供应商之列。")
        refuse_if_suspended(partner_id, doing="参与询价报价", at=now)  # 暂停交易
        if SupplierResponse.objects.filter(event=locked, partner_id=partner_id).exists():
            raise Conflict("贵公司已报价。询价报价一次报出，不得更改。")
        response = SupplierResponse.objects.create(
            event=locked,
            partner_id=partner_id,
            submitted_by=actor,
            submitted_at=now,
            delivery_days=delivery_days,
            notes=(notes or "").strip()[:2000],
            total=total,
        )
        ResponseLine.objects.bulk_create(
            ResponseLine(response=response, line_id=i, unit_price=price)
            for i, price in sorted(priced.items())
        )
        # sealed: the log names the supplier's response, never its price
        _log(locked, kind="responded", actor=actor, note="供应商已提交报价（密封）")
    return response


# --- opening and closing at the deadline ----------------------------------------------------------


def _exclusion(event: SourcingEvent, lines, qualified: set[int], response: SupplierResponse) -> str:
    """Why a response does not meet the requirements ("" when it does)."""
    priced = {rl.line_id for rl in response.lines.all()}
    if any(line.pk not in priced for line in lines):
        return "未对全部采购明细报价"
    if event.max_total is not None and response.total > event.max_total:
        return f"报价总额超过最高限价 {rmb(event.max_total)}"
    if response.partner_id not in qualified:
        return "供应商资格不符合要求（已不是本品目的合格供应商）"
    if partner_suspended(response.partner_id):
        return "供应商处于暂停交易期"
    return ""


def _evaluate(event: SourcingEvent) -> tuple[list[SupplierResponse], int]:
    """Mark every response valid or excluded (with the reason) and rank the valid ones by total
    (ties: the earlier response). Returns (valid responses best first, number of responses)."""
    lines = list(event.lines.all())
    qualified = set(selectors.qualified_partner_ids(category=event.category))
    responses = list(event.responses.prefetch_related("lines").order_by("submitted_at", "pk"))
    valid = []
    for response in responses:
        reason = _exclusion(event, lines, qualified, response)
        response.valid, response.exclusion_reason, response.rank = not reason, reason, None
        if not reason:
            valid.append(response)
    valid.sort(key=lambda r: (r.total, r.submitted_at, r.pk))
    for i, response in enumerate(valid, start=1):
        response.rank = i
    for response in responses:
        response.save(update_fields=["valid", "exclusion_reason", "rank"])
    return valid, len(responses)


def sourcing_close(*, event_id: int, now: datetime | None = None) -> str:
    """Open a 询价 / close a 竞价 at its deadline (Celery beat): evaluate, then 待确认成交 with
    the lowest valid price proposed, or 失败 with the reason. Idempotent: an event already
    closed, or not yet due, is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        event = SourcingEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.status != ES.OPEN:
            return "skipped"
        if now < event.deadline:
            return "not-due"
        if event.mode == Mode.INQUIRY:
            valid, responded = _evaluate(event)
            count = len(valid)
            best_partner, best_total = (valid[0].partner_id, valid[0].total) if valid else (None, None)
            what = "有效响应供应商"
        else:
            bids = selectors.best_bids(event=event)
            count, responded = len(bids), len(bids)
            best = bids[0] if bids else None
            best_partner, best_total = (best.partner_id, best.amount) if best else (None, None)
            what = "出价供应商"
        extra = {"opened_at": now}
        if count < event.min_valid:
            note = f"{what}不足 {event.min_valid} 家（实际 {count} 家，共 {responded} 家响应），{Mode(event.mode).label}失败。"
            extra.update({"decided_at": now, "result_note": note})
            event = _move(event, ES.FAILED, kind="failed", note=note, extra=extra)
            _publish_notice(event)
            _mail_buyer(
                event, subject=f"{Mode(event.mode).label}失败：{event.title}", body=note, key="failed"
            )
            for partner_id in _respondents(event):
                _mail_partner(
                    event,
                    partner_id,
                    subject=f"{Mode(event.mode).label}结果：{event.title}",
                    body=note,
                    key="result",
                )
            return "failed"
        note = f"{what} {count} 家；最低价 {rmb(best_total)}，待采购人确认成交。"
        extra.update({"winner_id": best_partner, "award_total": best_total})
        event = _move(event, ES.EVALUATED, kind="opened", note=note, extra=extra)
        _mail_buyer(event, subject=f"请确认成交：{event.title}", body=note, key="opened")
        return "evaluated"


def _respondents(event: SourcingEvent) -> list[int]:
    if event.mode == Mode.INQUIRY:
        return list(event.responses.order_by("partner_id").values_list("partner_id", flat=True))
    return sorted(set(event.bids.values_list("partner_id", flat=True)))


def sourcing_close_due(*, now: datetime | None = None) -> list[str]:
    """Beat: close every open event whose deadline has passed."""
    now = now or timezone.now()
    done = []
    for event_id, number in selectors.due_to_close(now=now).values_list("pk", "number")[:200]:
        if sourcing_close(event_id=event_id, now=now) in ("failed", "evaluated"):
            done.append(number)
    return done


# --- bids (反向竞价) -------------------------------------------------------------------------------


def bid_place(*, event: SourcingEvent, actor, amount, partner_id=None, now: datetime | None = None) -> Bid:
    """A qualified supplier bids during the window: at most the starting price, and at least the
    decrement below its own previous bid. A bid in the last ``extend_minutes`` extends the end by
    as many minutes (延时竞价). Returns the bid; the bidder's rank comes from ``selectors.bid_rank``."""
    partner_id = _vendor_partner(actor, partner_id)
    if event.mode != Mode.AUCTION:
        raise Invalid("询价项目请在报价页面一次性报价。")
    amount = money(amount, label="报价", max_value=event.start_price or MAX_AMOUNT)
    with transaction.atomic():
        locked, now = _lock_open(event, now=now, closed_msg="竞价已结束，不能再出价。")
        if now < locked.starts_at:
            raise Conflict(f"竞价尚未开始（{local(locked.starts_at):%Y-%m-%d %H:%M} 开始）。")
        if not selectors.partner_may_take_part(event=locked, partner_id=partner_id):
            raise PermissionDenied("贵公司不在本项目的受邀或合格供应商之列。")
        refuse_if_suspended(partner_id, doing="参与竞价", at=now)  # 暂停交易
        previous = Bid.objects.filter(event=locked, partner_id=partner_id).order_by("amount", "pk").first()
        if previous is not None and amount > previous.amount - locked.decrement:
            raise Invalid(
                f"新报价须比您上一次报价 {rmb(previous.amount)} 至少低 {rmb(locked.decrement)}"
                f"（即不高于 {rmb(previous.amount - locked.decrement)}）。"
            )
        bid = Bid.objects.create(
            event=locked, partner_id=partner_id, bidder=actor, amount=amount, created_at=now
        )
        note = "供应商出价"
        if locked.extend_minutes and locked.deadline - now <= timedelta(minutes=locked.extend_minutes):
            locked.deadline = locked.deadline + timedelta(minutes=locked.extend_minutes)
            locked.save(update_fields=["deadline", "updated_at"])
            note += f"；截止前 {locked.extend_minutes} 分钟内出价，结束时间顺延至 {local(locked.deadline):%H:%M:%S}"
        _log(locked, kind="bid", actor=actor, note=note)
    return bid


# --- award ----------------------------------------------------------------------------------------


def _award_lines(event: SourcingEvent) -> list[tuple[SourcingLine, Decimal, int]]:
    """(line, unit price incl. tax, quantity) rows of the award: the winner's response prices
    for a 询价. For a 竞价 the winning total is spread over the lines in proportion to quantity ×
    reference price (the catalogue price where a line names a product, else equal shares per
    unit); the last line takes the rounding, split into one unit carrying the leftover cents when
    they do not divide by its quantity — so the rows add up to the total to the cent."""
    from decimal import ROUND_DOWN

    lines = list(event.lines.select_related("product").order_by("sequence"))
    if event.mode == Mode.INQUIRY:
        response = event.responses.get(partner_id=event.winner_id)
        prices = {rl.line_id: rl.unit_price for rl in response.lines.all()}
        return [(line, prices[line.pk], line.quantity) for line in lines]
    total = event.award_total
    weights = []
    for line in lines:
        ref = Decimal("1")
        if line.product is not None:
            record = line.product.stockrecords.order_by("price").first()
            ref = record.price if record and record.price else Decimal("1")
        weights.append(ref * line.quantity)
    whole = sum(weights)
    out, used = [], Decimal("0.00")
    for line, weight in zip(lines[:-1], weights[:-1], strict=True):
        unit_price = q2(total * weight / whole / line.quantity)
        out.append((line, unit_price, line.quantity))
        used += unit_price * line.quantity
    last = lines[-1]
    rest = total - used
    unit_price = (rest / last.quantity).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    leftover = rest - unit_price * last.quantity
    if leftover:
        out += [(last, unit_price, last.quantity - 1), (last, unit_price + leftover, 1)]
    else:
        out.append((last, unit_price, last.quantity))
    return [row for row in out if row[2] > 0]


def award_snapshot(*, event_id: int) -> dict | None:
    """What the unit approves when an award waits for approval (None unless it waits)."""
    event = SourcingEvent.objects.filter(pk=event_id).select_related("winner").first()
    if event is None or event.status != ES.AWAITING_APPROVAL:
        return None
    rows = [
        {
            "title": line.title,
            "quantity": quantity,
            "unit": line.unit,
            "unit_price": f"{price:.2f}",
            "tax_rate": f"{line.tax_rate * 100:.0f}",
            "amount": f"{q2(price * quantity):.2f}",
        }
        for line, price, quantity in _award_lines(event)
    ]
    return {
        "kind": DocumentKind.SOURCING.value,
        "number": event.number,
        "title": event.title,
        "supplier": event.winner.name,
        "lines": rows,
        "total": f"{event.award_total:.2f}",
        "revision": 0,
        "budget_line": event.budget_line_id,
        "note": str(Mode(event.mode).label),
    }


def _place_award_order(event: SourcingEvent, *, actor, budget_line=None):
    from shop.payments.orders import OrderLineSpec, order_place

    specs = []
    for line, price, quantity in _award_lines(event):
        record = None
        if line.product is not None:
            record = line.product.stockrecords.filter(partner_id=event.winner_id).first()
        specs.append(
            OrderLineSpec(
                product=line.product,
                stockrecord=record,
                quantity=quantity,
                unit_price_incl_tax=price,
                tax_rate=line.tax_rate,
                title=line.title,
            )
        )
    order = order_place(
        user=event.buyer,
        lines=specs,
        source="sourcing",
        reference=event.number,
        unit=event.unit,
        budget_line=event.budget_line,
        shipping={
            "name": event.unit.org_name,
            "address": event.delivery_place,
            "city": event.unit.city,
            "province": event.unit.province,
            "phone": "",
        },
        seller=event.winner,  # free-text lines are the winner's too
    )
    return order


def _award(event: SourcingEvent, *, actor) -> SourcingEvent:
    from shop.buyers.models import BudgetCommitment
    from shop.buyers.services import budget_commit

    refuse_if_suspended(event.winner_id, doing="成交或接收订单", name=event.winner.name)  # 暂停交易
    order = _place_award_order(event, actor=actor)
    commitments = BudgetCommitment.objects.filter(
        approval__kind=DocumentKind.SOURCING, approval__subject_id=event.pk
    )
    if commitments.exists():
        commitments.update(order=order)
    elif event.budget_line_id:
        budget_commit(
            line=event.budget_line,
            amount=event.award_total,
            kind=DocumentKind.SOURCING,
            number=event.number,
            title=event.title,
            actor=actor,
            order=order,
        )
    note = f"成交供应商 {event.winner.name}，成交金额 {rmb(event.award_total)}，订单 {order.number}"
    event = _move(
        event,
        ES.AWARDED,
        kind="awarded",
        actor=actor,
        note=note,
        extra={"order": order, "decided_at": timezone.now(), "result_note": note},
    )
    _publish_notice(event)
    for partner_id in _respondents(event):
        won = partner_id == event.winner_id
        _mail_partner(
            event,
            partner_id,
            subject=f"{Mode(event.mode).label}结果：{event.title}",
            body=(
                f"贵公司成交，成交金额 {rmb(event.award_total)}，订单 {order.number}。"
                if won
                else f"本项目已成交，成交供应商 {event.winner.name}，成交金额 {rmb(event.award_total)}。感谢参与。"
            ),
            key="result",
        )
    return event


def award_confirm(*, event: SourcingEvent, actor) -> SourcingEvent:
    """The buyer confirms the proposed award: straight to 已成交 (order placed for the winner),
    or 成交待审批 when the unit's approval rules say so."""
    from shop.buyers.services import approval_rule_for, approval_submit

    _event_of_unit(event, actor)
    with transaction.atomic():
        locked = SourcingEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status != ES.EVALUATED:
            raise IllegalTransition(f"项目当前状态为“{locked.get_status_display()}”，不能确认成交。")
        refuse_if_suspended(locked.winner_id, doing="成交或接收订单", name=locked.winner.name)  # 暂停交易
        rule = approval_rule_for(
            unit_id=locked.unit_id, amount=locked.award_total, category_ids=[locked.category_id]
        )
        if rule is None:
            return _award(locked, actor=actor)
        locked = _move(
            locked, ES.AWAITING_APPROVAL, kind="award_submitted", actor=actor, note="成交结果提交单位审批"
        )
        approval_submit(
            unit_id=locked.unit_id,
            actor=actor,
            kind=DocumentKind.SOURCING,
            subject_id=locked.pk,
            subject_number=locked.number,
            title=f"{Mode(locked.mode).label}成交：{locked.title}",
            amount=locked.award_total,
            snapshot=award_snapshot(event_id=locked.pk),
            rule=rule,
            budget_line=locked.budget_line,
        )
    return locked


def approval_approved(approval, actor) -> None:
    event = SourcingEvent.objects.select_for_update().get(pk=approval.subject_id)
    _award(event, actor=approval.submitted_by)


def approval_ended(approval, actor, reason: str) -> None:
    event = SourcingEvent.objects.select_for_update().get(pk=approval.subject_id)
    if event.status == ES.AWAITING_APPROVAL:
        _move(event, ES.EVALUATED, kind="award_returned", actor=actor, note=reason)


def approval_path(approval) -> str:
    return reverse("sourcing:detail", kwargs={"number": approval.subject_number})


def award_decline(*, event: SourcingEvent, actor, reason: str) -> SourcingEvent:
    """The buyer records why it does not award (未成交)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写不确认成交的理由。")
    _event_of_unit(event, actor)
    with transaction.atomic():
        event = _move(
            event,
            ES.NOT_AWARDED,
            kind="not_awarded",
            actor=actor,
            note=reason[:1000],
            extra={"decided_at": timezone.now(), "result_note": f"采购人未确认成交：{reason[:500]}"},
        )
        _publish_notice(event)
        for partner_id in _respondents(event):
            _mail_partner(
                event, partner_id, subject=f"结果：{event.title}", body="本项目未成交。", key="result"
            )
    return event


def sourcing_cancel(*, event: SourcingEvent, actor, reason: str) -> SourcingEvent:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写撤销理由。")
    _event_of_unit(event, actor)
    with transaction.atomic():
        event = _move(
            event,
            ES.CANCELLED,
            kind="cancelled",
            actor=actor,
            note=reason[:1000],
            extra={"decided_at": timezone.now(), "result_note": f"已撤销：{reason[:500]}"},
        )
    return event


def sourcing_reissue(
    *, event: SourcingEvent, actor, deadline: datetime, now: datetime | None = None
) -> SourcingEvent:
    """A failed or not-awarded event is published again with the same lines and suppliers."""
    _event_of_unit(event, actor)
    if event.status not in (ES.FAILED, ES.NOT_AWARDED):
        raise IllegalTransition("只有失败或未成交的项目可以重新发起。")
    lines = [
        LineSpec(
            title=line.title, quantity=line.quantity, unit=line.unit, spec=line.spec, product=line.product
        )
        for line in event.lines.all()
    ]
    new = sourcing_publish(
        actor=actor,
        mode=event.mode,
        title=event.title,
        category=event.category,
        lines=lines,
        delivery_place=event.delivery_place,
        delivery_date=max(event.delivery_date, local(deadline).date()),
        deadline=deadline,
        invitation=event.invitation,
        invited_partner_ids=list(event.invites.values_list("partner_id", flat=True)),
        max_total=event.max_total,
        qualifications=event.qualifications,
        budget_line_id=event.budget_line_id,
        start_price=event.start_price,
        decrement=event.decrement,
        now=now,
    )
    SourcingEvent.objects.filter(pk=new.pk).update(reissued_from=event)
    new.reissued_from = event
    return new


__all__ = [
    "LineSpec",
    "earliest_deadline",
    "money",
    "sourcing_publish",
    "response_submit",
    "sourcing_close",
    "sourcing_close_due",
    "bid_place",
    "award_confirm",
    "award_decline",
    "award_snapshot",
    "sourcing_cancel",
    "sourcing_reissue",
    "DomainError",
    "IllegalTransition",
]
