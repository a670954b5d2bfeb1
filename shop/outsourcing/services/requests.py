"""The buyer's request: its rules (levels, headcount, months, start date, place, skills), submission and withdrawal."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.access import membership
from shop.buyers.notify import tell
from shop.core.exceptions import Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number

from .. import selectors
from ..models import (
    OutsourcingRequest,
    Place,
    Proposal,
    ProposalStatus,
    RequestLine,
    Status,
)
from .common import (
    MAX_HEADCOUNT,
    MAX_MONTHS,
    _event,
    _int,
    _move,
    _require_buyer_act,
    _vendor_users,
)


@dataclass(frozen=True)
class RequestInput:
    title: str
    lines: list  # [(level product id, headcount)]
    months: int | str
    start_date: date | None
    place: str
    skills: str
    city: str = ""


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
        for other in Proposal.objects.filter(request=locked, status=ProposalStatus.SUBMITTED).select_related(
            "partner"
        ):
            Proposal.objects.filter(pk=other.pk).update(status=ProposalStatus.DECLINED)
            _event(
                locked,
                kind="proposal_declined",
                actor=actor,
                note=_("需求撤回，%(v)s 的方案未选用") % {"v": other.partner.name},
            )
        tell(
            users=_vendor_users(set(locked.proposals.values_list("partner_id", flat=True))),
            subject=_("人才外包需求 %(n)s 已撤回") % {"n": locked.number},
            body=_("采购人已撤回需求“%(t)s”。") % {"t": locked.title},
            path=f"/dashboard/outsourcing/{locked.number}/",
            key=f"outsourcing:{locked.pk}:withdrawn",
        )
    return locked
