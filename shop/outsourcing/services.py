"""Writes of 人才开发外包: typed functions, one transaction each, every state change a guarded
transition with its audit event, the other party told by notice and e-mail. A refusal raises a
DomainError (Chinese) and stores nothing.

Price rules live in ``pricing`` (one function per rule); here they are applied:
- a proposal's monthly rate per level is at least the vendor's listed price of that level (its
  起价: the catalogue says "一级开发师 20000 元起" without a unit; the mall bills this service per
  person and month);
- the order has one payment stage per month of Σ rate × headcount; accepting a month's report
  sets that stage to the month's amount (absences pro rata) and opens it as a payable due on
  ``payment_due_date(acceptance date, contract term)``;
- an early end (with at least OUTSOURCING_NOTICE_DAYS of notice) makes the month of the end date
  the last (its workdays up to that date), and cancels the later months' stages."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.notify import tell
from shop.core.access import user_partner_ids
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.money import q2, rmb, split_tax_inclusive
from shop.core.tax import product_vat_rate
from shop.core.transitions import transition
from shop.core.uploads import check_upload

from . import pricing, selectors
from .models import (
    MOVES,
    REPORT_MOVES,
    OutsourcingEvent,
    OutsourcingRequest,
    Place,
    Profile,
    Proposal,
    ProposalRate,
    ProposalStatus,
    ReportEvent,
    ReportLine,
    ReportStatus,
    RequestLine,
    Status,
    WorkReport,
)

Order = get_model("order", "Order")

MAX_MONTHS = 24
MAX_HEADCOUNT = 50
MAX_YEARS = 60
MAX_RATE = Decimal("9999999.99")
CV_KINDS = {"pdf", "docx"}
LABELS = dict(Status.choices)
REPORT_LABELS = dict(ReportStatus.choices)


def notice_days() -> int:
    return int(getattr(settings, "OUTSOURCING_NOTICE_DAYS", 30))


# --- who acts ------------------------------------------------------------------------------------


def _require_buyer_act(
    actor, request: OutsourcingRequest | None = None, action: str = "purchases.act"
) -> None:
    """The actor acts for the buyer: a unit member with the role (of the request's unit), or a
    buyer without a unit (their own request). Another unit's request does not exist for them."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("请先登录。"))
    member = membership(actor, fresh=True)
    if request is not None:
        if member is not None:
            if member.unit_id != request.unit_id:
                raise NotFound(_("人才外包需求不存在。"))
        elif request.unit_id is not None or request.buyer_id != actor.pk:
            raise NotFound(_("人才外包需求不存在。"))
    if member is not None and not member_can(member, action):
        raise PermissionDenied(refusal(action))


def _require_vendor(actor, request: OutsourcingRequest) -> int:
    """The accepted vendor's partner id, when the actor is one of its users."""
    proposal = request.accepted_proposal
    if proposal is None or proposal.partner_id not in user_partner_ids(actor):
        raise NotFound(_("人才外包需求不存在。"))
    return proposal.partner_id


def _buyer_users(request):
    return [request.buyer] if request.buyer.is_active else []


def _vendor_users(partner_ids):
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(partners__pk__in=list(partner_ids), is_active=True)
        .distinct()
        .order_by("pk")
    )


def _event(request, *, kind: str, actor=None, note: str = "") -> OutsourcingEvent:
    return OutsourcingEvent.objects.create(
        request=request, actor=actor if getattr(actor, "pk", None) else None, kind=kind, note=note
    )


def _move(request, to: str, *, kind: str, actor, note: str = "", extra: dict | None = None):
    return transition(
        obj=request,
        to=to,
        allowed=MOVES,
        labels=LABELS,
        event_model=OutsourcingEvent,
        event_fk="request",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


# --- the buyer's request ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    title: str
    lines: list  # [(level product id, headcount)]
    months: int | str
    start_date: date | None
    place: str
    skills: str
    city: str = ""


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _check_request(*, data: RequestInput, product, today: date) -> tuple[dict, list]:
    errors: dict[str, str] = {}
    values = {
        "title": (data.title or "").strip(),
        "skills": (data.skills or "").strip(),
        "city": (data.city or "").strip(),
        "place": (data.place or "").strip(),
    }
    levels = {lvl.pk: lvl for lvl in selectors.levels(product=product)}
    lines = []
    seen = set()
    if not data.lines:
        errors["lines"] = _("请至少选择一个级别并填写人数。")
    for level_id, headcount in data.lines:
        level = levels.get(_int(level_id))
        if level is None:
            errors["lines"] = _("未知的开发师级别。")
            break
        count = _int(headcount)
        if count is None or not 1 <= count <= MAX_HEADCOUNT:
            errors["lines"] = _("“%(level)s”的人数须为 1 至 %(n)s 人。") % {
                "level": level.level_name,
                "n": MAX_HEADCOUNT,
            }
            break
        if level.pk in seen:
            errors["lines"] = _("“%(level)s”重复填写。") % {"level": level.level_name}
            break
        seen.add(level.pk)
        lines.append((level, count))
    if not values["title"]:
        errors["title"] = _("请填写项目名称。")
    elif len(values["title"]) > 80:
        errors["title"] = _("项目名称不能超过 80 个字。")
    months = _int(data.months)
    if months is None or not 1 <= months <= MAX_MONTHS:
        errors["months"] = _("服务月数须为 1 至 %(n)s 个月。") % {"n": MAX_MONTHS}
    else:
        values["months"] = months
    if not isinstance(data.start_date, date):
        errors["start_date"] = _("请填写开始日期。")
    elif data.start_date <= today:
        errors["start_date"] = _("开始日期须晚于今天。")
    elif (data.start_date - today).days > 366:
        errors["start_date"] = _("开始日期不能晚于一年之后。")
    else:
        values["start_date"] = data.start_date
    if values["place"] not in Place.values:
        errors["place"] = _("请选择工作地点：现场或远程。")
    elif values["place"] == Place.ON_SITE and not values["city"]:
        errors["city"] = _("现场工作请填写驻场城市。")
    elif values["place"] == Place.REMOTE:
        values["city"] = ""
    if len(values["city"]) > 40:
        errors["city"] = _("驻场城市不能超过 40 个字。")
    if not values["skills"]:
        errors["skills"] = _("请填写技能要求。")
    elif len(values["skills"]) > 2000:
        errors["skills"] = _("技能要求不能超过 2000 个字。")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return values, lines


@transaction.atomic
def outsourcing_request_submit(
    *, actor, product, data: RequestInput, today: date | None = None
) -> OutsourcingRequest:
    """A buyer's request for developers (for its unit when a member: only a 经办人 submits).
    Vendors that list every requested level are told."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("请先登录后再提交人才外包需求。"))
    _require_buyer_act(actor)
    if not selectors.is_outsourcing_product(product):
        raise NotFound(_("该商品不是人才开发外包服务。"))
    base = product.parent if product.parent_id else product
    values, lines = _check_request(data=data, product=base, today=today or timezone.localdate())
    member = membership(actor, fresh=True)
    request = OutsourcingRequest.objects.create(
        number=next_document_number("WB"),
        buyer=actor,
        unit_id=member.unit_id if member is not None else None,
        product=base,
        **values,
    )
    for level, count in lines:
        RequestLine.objects.create(request=request, level=level, level_name=level.level_name, headcount=count)
    _event(request, kind="submitted", actor=actor, note=_summary(request))
    tell(
        users=_vendor_users(selectors.vendor_partner_ids_for(request)),
        subject=_("新的人才外包需求 %(n)s") % {"n": request.number},
        body=_("%(summary)s。请在管理后台“人才外包”中提交人选方案。") % {"summary": _summary(request)},
        path=f"/dashboard/outsourcing/{request.number}/",
        key=f"outsourcing:{request.pk}:submitted",
    )
    return request


def _summary(request) -> str:
    levels = "、".join(f"{line.level_name} {line.headcount} 人" for line in request.lines.all())
    return _("%(title)s：%(levels)s，%(months)s 个月，%(start)s 开始，%(place)s") % {
        "title": request.title,
        "levels": levels or "—",
        "months": request.months,
        "start": f"{request.start_date:%Y-%m-%d}",
        "place": request.place_label,
    }


def outsourcing_request_withdraw(
    *, actor, request: OutsourcingRequest, reason: str = ""
) -> OutsourcingRequest:
    """The buyer withdraws a request no proposal was accepted for."""
    _require_buyer_act(actor, request)
    with transaction.atomic():
        locked = _move(
            request, Status.WITHDRAWN, kind="withdrawn", actor=actor, note=(reason or "").strip()[:300]
        )
        Proposal.objects.filter(request=locked, status=ProposalStatus.SUBMITTED).update(
            status=ProposalStatus.DECLINED
        )
        tell(
            users=_vendor_users(set(locked.proposals.values_list("partner_id", flat=True))),
            subject=_("人才外包需求 %(n)s 已撤回") % {"n": locked.number},
            body=_("采购人已撤回需求“%(t)s”。") % {"t": locked.title},
            path=f"/dashboard/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:withdrawn",
        )
    return locked


# --- the vendor's proposal ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInput:
    line_id: int
    name: str
    years: int | str
    skills: str
    cv: object  # an upload


@dataclass(frozen=True)
class ProposalInput:
    rates: dict  # {request line id: monthly rate}
    profiles: list = field(default_factory=list)  # [ProfileInput]
    note: str = ""


def _rate(value, label) -> Decimal:
    try:
        rate = Decimal(str(value).replace(",", "").strip())
        if not rate.is_finite() or rate <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise Invalid(_("请填写“%(level)s”的月单价（元/人·月）。") % {"level": label}, fields={"rates": ""})
    if rate != rate.quantize(Decimal("0.01")) or rate > MAX_RATE:
        raise Invalid(
            _("“%(level)s”的月单价最多保留两位小数，且不超过 %(max)s。")
            % {"level": label, "max": rmb(MAX_RATE)},
            fields={"rates": ""},
        )
    return rate


def _vendor_partner_for(actor, request) -> int:
    ids = set(user_partner_ids(actor)) & selectors.vendor_partner_ids_for(request)
    if not ids:
        if user_partner_ids(actor):
            raise PermissionDenied(_("贵公司未在本商城上架本需求的全部级别，不能提交方案。"))
        raise NotFound(_("人才外包需求不存在。"))
    return min(ids)


def proposal_submit(*, actor, request: OutsourcingRequest, data: ProposalInput) -> Proposal:
    """A vendor's proposal: a monthly rate per requested level (not below its listed price of
    the level, its 起价) and exactly the requested headcount of named profiles per level, each
    with a CV (PDF or Word). Submitting again replaces the vendor's earlier proposal while the
    request is open."""
    partner_id = _vendor_partner_for(actor, request)
    lines = list(request.lines.select_related("level").all())
    rates = {}
    for line in lines:
        raw = data.rates.get(line.pk, data.rates.get(str(line.pk)))
        rate = _rate(raw, line.level_name)
        record = selectors.vendor_stockrecord(partner_id=partner_id, level=line.level)
        if record is None:
            raise PermissionDenied(
                _("贵公司未在本商城上架“%(level)s”，不能报此级别。") % {"level": line.level_name}
            )
        if rate < record.price:
            raise Invalid(
                _("“%(level)s”的月单价不能低于贵公司的标价（起价）%(floor)s/人·月。")
                % {"level": line.level_name, "floor": rmb(record.price)},
                fields={"rates": ""},
            )
        rates[line.pk] = (line, record, rate)
    unknown = {str(k) for k in data.rates} - {str(line.pk) for line in lines}
    if unknown:
        raise Invalid(_("未知的开发师级别。"), fields={"rates": ""})
    by_line = {line.pk: [] for line in lines}
    checked = []
    for item in data.profiles:
        line_id = _int(item.line_id)
        if line_id not in by_line:
            raise Invalid(_("未知的开发师级别。"), fields={"profiles": ""})
        name = (item.name or "").strip()
        skills = (item.skills or "").strip()
        years = _int(item.years)
        if not name or len(name) > 40:
            raise Invalid(_("请填写人选姓名（不超过 40 个字）。"), fields={"profiles": ""})
        if years is None or not 0 <= years <= MAX_YEARS:
            raise Invalid(
                _("“%(name)s”的工作年限须为 0 至 60 年。") % {"name": name}, fields={"profiles": ""}
            )
        if not skills or len(skills) > 300:
            raise Invalid(
                _("请填写“%(name)s”的技能（不超过 300 个字）。") % {"name": name}, fields={"profiles": ""}
            )
        if item.cv is None:
            raise Invalid(
                _("请上传“%(name)s”的简历（PDF 或 Word）。") % {"name": name}, fields={"profiles": ""}
            )
        try:
            info = check_upload(item.cv, allowed=CV_KINDS)
        except ValidationError as exc:
            raise Invalid(
                _("“%(name)s”的简历：%(error)s") % {"name": name, "error": exc.messages[0]},
                fields={"profiles": ""},
            )
        by_line[line_id].append(name)
        checked.append((line_id, name, years, skills, item.cv, info))
    for line in lines:
        if len(by_line[line.pk]) != line.headcount:
            raise Invalid(
                _("“%(level)s”需要 %(n)s 名人选，当前提供 %(m)s 名。")
                % {"level": line.level_name, "n": line.headcount, "m": len(by_line[line.pk])},
                fields={"profiles": ""},
            )
    note = (data.note or "").strip()[:2000]
    monthly = pricing.full_month_amount((rate, line.headcount) for line, _r, rate in rates.values())
    with transaction.atomic():
        locked = OutsourcingRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.OPEN:
            raise Conflict(
                _("该需求已不再征集方案（当前状态：%(s)s）。") % {"s": locked.get_status_display()}
            )
        proposal = Proposal.objects.filter(request=locked, partner_id=partner_id).first()
        kind = "proposal_submitted"
        if proposal is not None:
            if proposal.status != ProposalStatus.SUBMITTED:
                raise Conflict(_("贵公司的方案已%(s)s，不能再修改。") % {"s": proposal.get_status_display()})
            for profile in proposal.profiles.all():
                profile.cv.delete(save=False)
            proposal.profiles.all().delete()
            proposal.rates.all().delete()
            proposal.note, proposal.monthly_total, proposal.submitted_by = note, monthly, actor
            proposal.save()
            kind = "proposal_revised"
        else:
            proposal = Proposal.objects.create(
                request=locked, partner_id=partner_id, submitted_by=actor, note=note, monthly_total=monthly
            )
        for line, record, rate in rates.values():
            ProposalRate.objects.create(
                proposal=proposal, line=line, stockrecord=record, floor=record.price, rate=rate
            )
        for line_id, name, years, skills, upload, info in checked:
            profile = Profile(
                proposal=proposal,
                line_id=line_id,
                name=name,
                years=years,
                skills=skills,
                cv_name=info.display_name[:128],
                cv_type=info.kind,
                cv_size=info.size,
            )
            profile.cv.save(info.display_name, upload, save=False)
            profile.save()
        _event(
            locked,
            kind=kind,
            actor=actor,
            note=_("%(vendor)s 提交人选方案，每月合计 %(total)s")
            % {"vendor": proposal.partner.name, "total": rmb(monthly)},
        )
        tell(
            users=_buyer_users(locked),
            subject=_("人才外包需求 %(n)s 收到人选方案") % {"n": locked.number},
            body=_("%(vendor)s 提交了人选方案（每月合计 %(total)s），请查看人选简历并确认。")
            % {"vendor": proposal.partner.name, "total": rmb(monthly)},
            path=f"/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:proposal:{proposal.pk}:{proposal.updated_at.timestamp()}",
        )
    return proposal


# --- the buyer accepts a proposal: the engagement and its order -----------------------------------

SETTLEMENT_NOTE = "人才外包按月结算：每月工作量经采购人验收后，当月服务费按合同约定的付款期限支付。"


def proposal_accept(*, actor, proposal: Proposal, today: date | None = None) -> OutsourcingRequest:
    """The buyer accepts ``proposal``'s profiles: the request becomes an engagement 服务中, the
    other proposals are not chosen, and an order follows with one stage per month (paid after
    each month's acceptance); its contract draft is created when the order commits."""
    from shop.buyers.models import INVOICE_FIELDS
    from shop.payments.models import OrderOrigin, Settlement
    from shop.payments.orders import OrderLineSpec, order_place
    from shop.payments.services import ORDER_IN_FULFILMENT

    request = proposal.request
    _require_buyer_act(actor, request)
    with transaction.atomic():
        locked = OutsourcingRequest.objects.select_for_update().get(pk=request.pk)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk, request=locked)
        if locked.status != Status.OPEN:
            raise Conflict(_("该需求当前为“%(s)s”，不能再确认方案。") % {"s": locked.get_status_display()})
        if proposal.status != ProposalStatus.SUBMITTED:
            raise Conflict(_("该方案%(s)s，不能确认。") % {"s": proposal.get_status_display()})
        if locked.start_date <= (today or timezone.localdate()):
            raise Conflict(_("需求的开始日期已到，请撤回后重新提交需求。"))
        rates = list(
            proposal.rates.select_related("line", "line__level", "stockrecord", "stockrecord__partner")
        )
        specs = [
            OrderLineSpec(
                product=r.line.level,
                stockrecord=r.stockrecord,
                quantity=r.line.headcount * locked.months,
                unit_price_incl_tax=r.rate,
                tax_rate=product_vat_rate(r.line.level),
                title=_("%(level)s（%(n)s 人 × %(m)s 个月，元/人·月）")
                % {"level": r.line.level_name, "n": r.line.headcount, "m": locked.months},
            )
            for r in rates
        ]
        monthly = pricing.full_month_amount((r.rate, r.line.headcount) for r in rates)
        stages = [(_("第 %(k)s 个月服务费") % {"k": k}, monthly) for k in range(1, locked.months + 1)]
        unit = locked.unit
        order = order_place(
            user=locked.buyer,
            lines=specs,
            source="quote",
            reference=locked.number,
            stages=stages,
            invoice={f: getattr(unit, f, "") for f in INVOICE_FIELDS} if unit is not None else None,
            unit=unit,
            status=ORDER_IN_FULFILMENT,
        )
        OrderOrigin.objects.filter(order=order).update(
            settlement=Settlement.AFTER_ACCEPTANCE, settlement_reason=SETTLEMENT_NOTE
        )
        proposal.status = ProposalStatus.ACCEPTED
        proposal.save(update_fields=["status", "updated_at"])
        declined = list(locked.proposals.exclude(pk=proposal.pk).filter(status=ProposalStatus.SUBMITTED))
        Proposal.objects.filter(pk__in=[p.pk for p in declined]).update(status=ProposalStatus.DECLINED)
        locked = _move(
            locked,
            Status.IN_SERVICE,
            kind="accepted",
            actor=actor,
            note=_("确认 %(vendor)s 的人选方案，每月 %(total)s，订单 %(order)s")
            % {"vendor": proposal.partner.name, "total": rmb(monthly), "order": order.number},
            extra={"accepted_proposal": proposal, "order": order},
        )
        tell(
            users=_vendor_users({proposal.partner_id}),
            subject=_("人才外包需求 %(n)s：贵公司的人选方案已确认") % {"n": locked.number},
            body=_(
                "采购人已确认贵公司的人选方案，服务自 %(start)s 开始，共 %(m)s 个月。请在线确认签订采购合同，每月末提交工作量。"
            )
            % {"start": f"{locked.start_date:%Y-%m-%d}", "m": locked.months},
            path=f"/dashboard/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:accepted",
        )
        if declined:
            tell(
                users=_vendor_users({p.partner_id for p in declined}),
                subject=_("人才外包需求 %(n)s 已选定其他方案") % {"n": locked.number},
                body=_("采购人已选定其他供应商的方案，感谢参与。"),
                path=f"/dashboard/outsourcing/{locked.number}/",
                key=f"outsourcing:{locked.pk}:declined",
            )
    return locked


# --- the months: the vendor's report, the buyer's acceptance ----------------------------------------


def last_month(request: OutsourcingRequest) -> int:
    """The last service month: the month of the early end date, else the request's months."""
    if request.end_date is not None:
        return pricing.month_for(request.start_date, request.end_date)
    return request.months


def month_facts(request: OutsourcingRequest, month: int) -> dict:
    """Period, workdays and served workdays of ``month`` (the last month of an early end is
    served up to the end date only)."""
    first, last = pricing.month_period(request.start_date, month)
    served_last = min(last, request.end_date) if request.end_date else last
    return {
        "month": month,
        "period_start": first,
        "period_end": last,
        "served_end": served_last,
        "workdays": pricing.workdays_between(first, last),
        "served_workdays": pricing.workdays_between(first, served_last),
    }


def next_month_to_report(request: OutsourcingRequest) -> int | None:
    """The first month without an accepted report (None: every month is accepted)."""
    accepted = set(request.reports.filter(status=ReportStatus.ACCEPTED).values_list("month", flat=True))
    for month in range(1, last_month(request) + 1):
        if month not in accepted:
            return month
    return None


def report_submit(
    *, actor, request: OutsourcingRequest, month: int, days: dict, note: str = "", today: date | None = None
) -> WorkReport:
    """The vendor's report of ``month``: for every accepted profile, days worked and absence
    days (``days`` = {profile id: (worked, absent)}). Months are reported in order, once the
    month (or the service, when ended early) is over; a returned report is submitted again."""
    _require_vendor(actor, request)
    today = today or timezone.localdate()
    if request.status not in (Status.IN_SERVICE, Status.ENDING):
        raise Conflict(_("该外包服务当前为“%(s)s”，不能提交工作量。") % {"s": request.get_status_display()})
    month = _int(month)
    if month is None or not 1 <= month <= last_month(request):
        raise Invalid(_("服务月份不正确。"), fields={"month": ""})
    expected = next_month_to_report(request)
    if month != expected:
        raise Conflict(_("请按月份顺序提交：当前应提交第 %(n)s 个月的工作量。") % {"n": expected})
    facts = month_facts(request, month)
    if facts["served_end"] > today:
        raise Conflict(
            _("第 %(n)s 个月（%(a)s 至 %(b)s）尚未结束，请在月末后提交工作量。")
            % {"n": month, "a": f"{facts['period_start']:%Y-%m-%d}", "b": f"{facts['served_end']:%Y-%m-%d}"}
        )
    served, workdays = facts["served_workdays"], facts["workdays"]
    profiles = list(request.accepted_proposal.profiles.all())
    rates = {r.line_id: r.rate for r in request.accepted_proposal.rates.all()}
    rows = []
    for profile in profiles:
        pair = days.get(profile.pk, days.get(str(profile.pk)))
        if pair is None:
            raise Invalid(
                _("请填写“%(name)s”的出勤和缺勤天数。") % {"name": profile.name}, fields={"days": ""}
            )
        worked, absent = _int(pair[0]), _int(pair[1])
        if worked is None or absent is None or worked < 0 or absent < 0:
            raise Invalid(
                _("“%(name)s”的出勤和缺勤天数须为不小于 0 的整数。") % {"name": profile.name},
                fields={"days": ""},
            )
        if worked > served:
            raise Invalid(
                _("“%(name)s”的出勤天数（%(d)s 天）不能超过当月工作日（%(w)s 天）。")
                % {"name": profile.name, "d": worked, "w": served},
                fields={"days": ""},
            )
        if worked + absent > served:
            raise Invalid(
                _("“%(name)s”的出勤与缺勤天数合计（%(d)s 天）不能超过当月工作日（%(w)s 天）。")
                % {"name": profile.name, "d": worked + absent, "w": served},
                fields={"days": ""},
            )
        rate = rates[profile.line_id]
        amount = pricing.person_month_amount(rate=rate, workdays=workdays, absences=absent, served=served)
        rows.append((profile, rate, worked, absent, amount))
    total = sum((row[4] for row in rows), Decimal("0.00"))
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        OutsourcingRequest.objects.select_for_update().get(pk=request.pk)
        report = WorkReport.objects.select_for_update().filter(request=request, month=month).first()
        values = {
            "period_start": facts["period_start"],
            "period_end": facts["served_end"],
            "workdays": workdays,
            "served_workdays": served,
            "amount": total,
            "note": note,
        }
        if report is None:
            report = WorkReport.objects.create(request=request, month=month, **values)
            ReportEvent.objects.create(
                report=report, actor=actor, to_status=report.status, kind="submitted", note=rmb(total)
            )
        elif report.status == ReportStatus.REJECTED:
            report.lines.all().delete()
            values["submitted_at"] = timezone.now()
            report = transition(
                obj=report,
                to=ReportStatus.SUBMITTED,
                allowed=REPORT_MOVES,
                labels=REPORT_LABELS,
                event_model=ReportEvent,
                event_fk="report",
                actor=actor,
                kind="resubmitted",
                note=rmb(total),
                extra_updates=values,
            )
        else:
            raise Conflict(_("第 %(n)s 个月的工作量已提交，请等待采购人验收。") % {"n": month})
        for profile, rate, worked, absent, amount in rows:
            ReportLine.objects.create(
                report=report,
                profile=profile,
                rate=rate,
                days_worked=worked,
                absence_days=absent,
                amount=amount,
            )
        tell(
            users=_buyer_users(request),
            subject=_("人才外包 %(n)s：第 %(m)s 个月工作量待验收") % {"n": request.number, "m": month},
            body=_("供应商提交了第 %(m)s 个月（%(a)s 至 %(b)s）的工作量，当月金额 %(amount)s，请验收。")
            % {
                "m": month,
                "a": f"{report.period_start:%Y-%m-%d}",
                "b": f"{report.period_end:%Y-%m-%d}",
                "amount": rmb(total),
            },
            path=f"/outsourcing/{request.number}/",
            key=f"outsourcing:{request.pk}:report:{report.pk}:{report.events.count()}",
        )
    return report


def _require_acceptor(actor, request) -> None:
    _require_buyer_act(actor, request, action="acceptance.record")


def report_reject(*, actor, report: WorkReport, reason: str) -> WorkReport:
    request = report.request
    _require_acceptor(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写退回原因。"), fields={"reason": _("请填写退回原因。")})
    if len(reason) > 300:
        raise Invalid(_("退回原因不能超过 300 个字。"), fields={"reason": ""})
    with transaction.atomic():
        locked = transition(
            obj=report,
            to=ReportStatus.REJECTED,
            allowed=REPORT_MOVES,
            labels=REPORT_LABELS,
            event_model=ReportEvent,
            event_fk="report",
            actor=actor,
            kind="rejected",
            note=reason,
            extra_updates={"reject_reason": reason, "decided_at": timezone.now()},
        )
        tell(
            users=_vendor_users({request.accepted_proposal.partner_id}),
            subject=_("人才外包 %(n)s：第 %(m)s 个月工作量被退回") % {"n": request.number, "m": locked.month},
            body=_("退回原因：%(r)s。请核对后重新提交。") % {"r": reason},
            path=f"/dashboard/outsourcing/{request.number}/",
            key=f"outsourcing:{request.pk}:report:{locked.pk}:rejected:{locked.events.count()}",
        )
    return locked


def report_accept(*, actor, report: WorkReport, now=None) -> WorkReport:
    """The buyer accepts the month: its payment stage takes the month's amount and is payable
    from now, due on ``payment_due_date(acceptance date, contract term)``; a month with nothing
    to pay (absent throughout) has its stage cancelled. The order moves 履约中 → 待付款 on the
    first payable. The last month completes the engagement."""
    from shop.contracts.selectors import contract_is_signed

    request = report.request
    _require_acceptor(actor, request)
    now = now or timezone.now()
    with transaction.atomic():
        locked_request = OutsourcingRequest.objects.select_for_update().get(pk=request.pk)
        if not contract_is_signed(locked_request.order):
            raise Conflict(_("采购合同尚未由双方确认签订，签订后才能验收工作量。"))
        locked = transition(
            obj=report,
            to=ReportStatus.ACCEPTED,
            allowed=REPORT_MOVES,
            labels=REPORT_LABELS,
            event_model=ReportEvent,
            event_fk="report",
            actor=actor,
            kind="accepted",
            note=rmb(report.amount),
            extra_updates={"decided_at": now},
        )
        stage = month_payable_open(
            order=locked_request.order,
            sequence=locked.month,
            amount=locked.amount,
            accepted_at=now,
            actor=actor,
        )
        WorkReport.objects.filter(pk=locked.pk).update(stage=stage)
        if locked.month == last_month(locked_request):
            _move(
                locked_request,
                Status.COMPLETED,
                kind="completed",
                actor=actor,
                note=_("第 %(m)s 个月（最后一个月）验收完成") % {"m": locked.month},
            )
        due = f"{stage.due_on:%Y-%m-%d}" if stage.due_on else ""
        tell(
            users=_vendor_users({locked_request.accepted_proposal.partner_id}),
            subject=_("人才外包 %(n)s：第 %(m)s 个月工作量已验收")
            % {"n": locked_request.number, "m": locked.month},
            body=(
                _("当月服务费 %(amount)s，采购人应于 %(due)s 前付款。")
                % {"amount": rmb(locked.amount), "due": due}
                if due
                else _("当月无应付金额。")
            ),
            path=f"/dashboard/outsourcing/{locked_request.number}/",
            key=f"outsourcing:{locked_request.pk}:report:{locked.pk}:accepted",
        )
    locked.stage = stage
    return locked


def _order_total_less(order, reduction: Decimal) -> None:
    """The order's total follows what the buyer owes: lowered by ``reduction`` (absences, the
    months cancelled by an early end). Lines keep the contracted rates."""
    from shop.payments.selectors import line_tax_rate

    if reduction <= 0:
        return
    line = order.lines.order_by("pk").first()
    rate = line_tax_rate(line) if line is not None else Decimal("0.06")
    excl, _tax = split_tax_inclusive(reduction, rate)
    order.total_incl_tax = q2(order.total_incl_tax - reduction)
    order.total_excl_tax = q2(order.total_excl_tax - excl)
    order.save(update_fields=["total_incl_tax", "total_excl_tax"])


def _stage_cancel(stage, *, actor, note: str) -> None:
    from shop.payments.models import PaymentAuditEvent, PaymentStage
    from shop.payments.services import STAGE_MOVES

    transition(
        obj=stage,
        to=PaymentStage.Status.CANCELLED,
        allowed=STAGE_MOVES,
        labels=dict(PaymentStage.Status.choices),
        event_model=PaymentAuditEvent,
        event_fk="stage",
        actor=actor,
        note=note,
        kind="stage_cancelled",
    )


def month_payable_open(*, order, sequence: int, amount: Decimal, accepted_at, actor):
    """One month of an engagement's order accepted at ``accepted_at``: stage ``sequence`` takes
    ``amount`` and is payable, due on ``payment_due_date(local acceptance date, the order's
    term)``; the order moves 履约中 → 待付款. ``amount`` 0 cancels the stage instead. Each step
    writes its payment audit event."""
    from shop.payments.models import PaymentAuditEvent, PaymentStage
    from shop.payments.selectors import PAYABLE_ORDER_STATUSES, order_payment_status
    from shop.payments.services import (
        ORDER_AWAITING,
        ORDER_IN_FULFILMENT,
        ORDER_PAID,
        order_status_move,
        order_term_days,
        payment_due_date,
    )

    locked_order = Order.objects.select_for_update().get(pk=order.pk)
    stage = PaymentStage.objects.select_for_update().get(order=locked_order, sequence=sequence)
    if stage.status != PaymentStage.Status.DUE or stage.due_on is not None:
        raise Conflict(_("该月款项已处理。"))
    amount = q2(amount)
    reduction = q2(stage.amount) - amount
    accepted_on = timezone.localtime(accepted_at).date()
    if amount <= 0:
        _stage_cancel(stage, actor=actor, note=_("第 %(k)s 个月验收：当月无应付金额") % {"k": sequence})
        _order_total_less(locked_order, reduction)
        stage.refresh_from_db()
        if (
            locked_order.status in PAYABLE_ORDER_STATUSES
            and not locked_order.payment_stages.filter(status=PaymentStage.Status.DUE).exists()
            and order_payment_status(locked_order) == ORDER_PAID
        ):
            order_status_move(order=locked_order, to=ORDER_PAID, actor=actor, note=_("其余各月已付清"))
        return stage
    term = order_term_days(locked_order)
    due_on = payment_due_date(accepted_on, term)
    stage.amount, stage.accepted_at, stage.due_on = amount, accepted_at, due_on
    stage.save(update_fields=["amount", "accepted_at", "due_on"])
    _order_total_less(locked_order, reduction)
    note = _("第 %(k)s 个月工作量验收合格（%(d)s），应付 %(a)s，应于 %(due)s 前付款（验收后 %(n)s 天）。") % {
        "k": sequence,
        "d": f"{accepted_on:%Y-%m-%d}",
        "a": rmb(amount),
        "due": f"{due_on:%Y-%m-%d}",
        "n": term,
    }
    PaymentAuditEvent.objects.create(
        stage=stage,
        order=locked_order,
        actor=actor if getattr(actor, "pk", None) else None,
        kind="month_payable_opened",
        note=note,
    )
    if locked_order.status == ORDER_IN_FULFILMENT:
        order_status_move(
            order=locked_order, to=ORDER_AWAITING, actor=actor, note=note, kind="payable_opened"
        )
    return stage


# --- early end --------------------------------------------------------------------------------------


def engagement_end_early(
    *, actor, request: OutsourcingRequest, end_date: date | None, reason: str, today: date | None = None
) -> OutsourcingRequest:
    """Either party ends the engagement early: notice today, the last day of service
    ``end_date`` at least ``notice_days()`` later and before the engagement's own end. The month
    of the end date is the last one (paid for its workdays up to the end date); the stages of
    the later months are cancelled. Both parties are told."""
    today = today or timezone.localdate()
    if request.accepted_proposal_id and request.accepted_proposal.partner_id in user_partner_ids(actor):
        side = _("供应商")
    else:
        _require_buyer_act(actor, request)
        side = _("采购人")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写提前终止的原因。"), fields={"reason": _("请填写提前终止的原因。")})
    if len(reason) > 300:
        raise Invalid(_("终止原因不能超过 300 个字。"), fields={"reason": ""})
    if not isinstance(end_date, date):
        raise Invalid(_("请填写终止日期。"), fields={"end_date": _("请填写终止日期。")})
    earliest = date.fromordinal(today.toordinal() + notice_days())
    if end_date < earliest:
        raise Invalid(
            _("提前终止须至少提前 %(n)s 天通知：终止日期不能早于 %(d)s。")
            % {"n": notice_days(), "d": f"{earliest:%Y-%m-%d}"},
            fields={"end_date": ""},
        )
    _first, engagement_last = pricing.month_period(request.start_date, request.months)
    if end_date >= engagement_last:
        raise Invalid(
            _("终止日期须早于服务期的最后一天（%(d)s）。") % {"d": f"{engagement_last:%Y-%m-%d}"},
            fields={"end_date": ""},
        )
    if end_date < request.start_date:
        raise Invalid(_("终止日期不能早于服务开始日期。"), fields={"end_date": ""})
    from shop.payments.models import PaymentStage

    end_month = pricing.month_for(request.start_date, end_date)
    with transaction.atomic():
        locked = _move(
            request,
            Status.ENDING,
            kind="ending",
            actor=actor,
            note=_("%(side)s通知提前终止：服务至 %(d)s（第 %(m)s 个月按实际工作日结算）。原因：%(r)s")
            % {"side": side, "d": f"{end_date:%Y-%m-%d}", "m": end_month, "r": reason},
            extra={"notice_given_on": today, "end_date": end_date, "end_reason": reason},
        )
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        later = list(
            PaymentStage.objects.select_for_update()
            .filter(order=order, sequence__gt=end_month, status=PaymentStage.Status.DUE)
            .order_by("sequence")
        )
        for stage in later:
            _stage_cancel(
                stage,
                actor=actor,
                note=_("外包服务提前终止于 %(d)s，该月不再服务") % {"d": f"{end_date:%Y-%m-%d}"},
            )
        _order_total_less(order, sum((q2(s.amount) for s in later), Decimal("0.00")))
        body = _(
            "%(side)s已通知提前终止人才外包服务“%(t)s”：服务至 %(d)s，第 %(m)s 个月按实际工作日结算，之后各月不再付款。原因：%(r)s"
        ) % {
            "side": side,
            "t": locked.title,
            "d": f"{end_date:%Y-%m-%d}",
            "m": end_month,
            "r": reason,
        }
        subject = _("人才外包 %(n)s 提前终止通知") % {"n": locked.number}
        tell(
            users=_buyer_users(locked),
            subject=subject,
            body=body,
            path=f"/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:ending",
        )
        tell(
            users=_vendor_users({locked.accepted_proposal.partner_id}),
            subject=subject,
            body=body,
            path=f"/dashboard/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:ending",
        )
    return locked
