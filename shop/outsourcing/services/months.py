"""The months of an engagement: the vendor's report, the buyer's acceptance that opens that month's payable (or return with a reason), and the early end with notice."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.notify import tell
from shop.core.access import user_partner_ids
from shop.core.exceptions import Conflict, Invalid
from shop.core.money import q2, rmb, split_tax_inclusive
from shop.core.transitions import transition

from .. import pricing
from ..models import (
    REPORT_MOVES,
    OutsourcingRequest,
    ReportEvent,
    ReportLine,
    ReportStatus,
    Status,
    WorkReport,
)
from .common import (
    REPORT_LABELS,
    Order,
    _buyer_users,
    _int,
    _move,
    _require_buyer_act,
    _require_vendor,
    _vendor_users,
    notice_days,
)


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
