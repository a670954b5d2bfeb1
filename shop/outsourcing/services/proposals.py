"""The vendor's proposal (rates not below its 起价, one named profile with a CV per head) and the buyer's acceptance: the engagement, its order with one stage per month and its contract draft."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.notify import tell
from shop.core.access import user_partner_ids
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.money import rmb
from shop.core.tax import product_vat_rate
from shop.core.uploads import check_upload

from .. import pricing, selectors
from ..models import (
    OutsourcingRequest,
    Profile,
    Proposal,
    ProposalRate,
    ProposalStatus,
    Status,
)
from .common import (
    CV_KINDS,
    MAX_RATE,
    MAX_YEARS,
    _buyer_users,
    _event,
    _int,
    _move,
    _require_buyer_act,
    _vendor_users,
)


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


SETTLEMENT_NOTE = "人才外包按月结算：每月工作量经采购人验收后，当月服务费按合同约定的付款期限支付。"


def proposal_accept(
    *, actor, proposal: Proposal, budget_line_id=None, today: date | None = None
) -> OutsourcingRequest:
    """The buyer accepts ``proposal``'s profiles: the request becomes an engagement 服务中, the
    other proposals are not chosen, and an order follows with one stage per month (paid after
    each month's acceptance); its contract draft is created when the order commits. The unit's
    rules apply as to any purchase: the 经办人 names one of its budget lines (when it has any),
    which must carry the whole engagement, and an amount reaching an approval rule places the
    order in 待审批 until the unit approves it (refused: the order is cancelled and the
    engagement withdrawn, ``order_cancelled``)."""
    from shop.buyers.models import INVOICE_FIELDS
    from shop.payments.models import OrderOrigin, Settlement
    from shop.payments.orders import OrderLineSpec, order_place
    from shop.payments.services import ORDER_IN_FULFILMENT, direct_order_plan, order_unit_controls

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
        # a government unit accepts a vendor's proposal (a negotiated price) only within the
        # 直购 limit; above it the purchase goes through 网上询价 or 反向竞价
        from shop.sourcing.selectors import direct_limit_problem

        total = monthly * locked.months
        problem = direct_limit_problem(unit=unit, total=total)
        if problem:
            raise Conflict(problem)
        base = proposal.rates.first().line.level
        base = base.parent or base
        plan = direct_order_plan(
            user=actor,
            total=total,
            category_ids=list(base.categories.values_list("pk", flat=True)),
            budget_line_id=budget_line_id,
        )
        order = order_place(
            user=locked.buyer,
            lines=specs,
            source="quote",
            reference=locked.number,
            stages=stages,
            invoice={f: getattr(unit, f, "") for f in INVOICE_FIELDS} if unit is not None else None,
            unit=unit,
            budget_line=plan.budget_line,
            status=plan.status or ORDER_IN_FULFILMENT,
        )
        OrderOrigin.objects.filter(order=order).update(
            settlement=Settlement.AFTER_ACCEPTANCE, settlement_reason=SETTLEMENT_NOTE
        )
        order_unit_controls(order=order, plan=plan, actor=actor)
        proposal.status = ProposalStatus.ACCEPTED
        proposal.save(update_fields=["status", "updated_at"])
        declined = list(locked.proposals.exclude(pk=proposal.pk).filter(status=ProposalStatus.SUBMITTED))
        Proposal.objects.filter(pk__in=[p.pk for p in declined]).update(status=ProposalStatus.DECLINED)
        for other in declined:
            _event(
                locked,
                kind="proposal_declined",
                actor=actor,
                note=_("未选用 %(v)s 的方案") % {"v": other.partner.name},
            )
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


def order_cancelled(*, order_id: int) -> None:
    """The engagement's order was cancelled before any month was accepted (the unit's approval
    refused or withdrew it): the engagement is withdrawn, audited, the vendor told."""
    with transaction.atomic():
        locked = OutsourcingRequest.objects.select_for_update().filter(order_id=order_id).first()
        if locked is None or locked.status != Status.IN_SERVICE:
            return
        if locked.reports.filter(status="accepted").exists():
            return
        locked = _move(
            locked,
            Status.WITHDRAWN,
            kind="order_cancelled",
            actor=None,
            note=_("订单 %(order)s 未获本单位审批通过，已取消；外包服务不再进行。")
            % {"order": locked.order.number},
        )
        if locked.accepted_proposal_id:
            tell(
                users=_vendor_users({locked.accepted_proposal.partner_id}),
                subject=_("人才外包需求 %(n)s 已取消") % {"n": locked.number},
                body=_("采购单位的内部审批未通过，订单已取消，外包服务不再进行。"),
                path=f"/dashboard/outsourcing/{locked.number}/",
                key=f"outsourcing:{locked.pk}:order-cancelled",
            )
