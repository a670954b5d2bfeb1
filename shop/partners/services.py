"""Writes of partner applications: submit (checked, stored once), and the operator's review
(approve → listed on the public page; reject with a reason), each with one audit event and
the applicant told."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.notify import tell
from shop.callbacks.phones import phone_normalise
from shop.core.access import is_operator
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.transitions import transition
from shop.core.validators import validate_uscc

from .models import MOVES, Industry, PartnerApplication, PartnerApplicationEvent, Status
from .regions import region_parse

LABELS = dict(Status.choices)


@dataclass(frozen=True)
class PartnerInput:
    company_name: str
    uscc: str
    region: str
    industry: str
    resources: str
    contact_name: str
    contact_phone: str
    contact_email: str = ""


def _check(data: PartnerInput) -> dict:
    errors = {}
    values = {
        "company_name": (data.company_name or "").strip(),
        "uscc": (data.uscc or "").strip().upper(),
        "industry": data.industry,
        "resources": (data.resources or "").strip(),
        "contact_name": (data.contact_name or "").strip(),
        "contact_email": (data.contact_email or "").strip(),
    }
    if not values["company_name"]:
        errors["company_name"] = _("请填写公司名称。")
    elif len(values["company_name"]) > 120:
        errors["company_name"] = _("公司名称不能超过 120 个字。")
    try:
        validate_uscc(values["uscc"])
    except ValidationError as exc:
        errors["uscc"] = exc.messages[0]
    region = region_parse(data.region)
    if region is None:
        errors["region"] = _("请选择湖南省的市州或县（市、区）。")
    else:
        values["city"], values["county"] = region.city, region.county
    if values["industry"] not in Industry.values:
        errors["industry"] = _("请选择行业。")
    if not values["resources"]:
        errors["resources"] = _("请介绍贵公司的资源与优势。")
    elif len(values["resources"]) > 2000:
        errors["resources"] = _("资源与优势不能超过 2000 个字。")
    if not values["contact_name"]:
        errors["contact_name"] = _("请填写联系人。")
    elif len(values["contact_name"]) > 40:
        errors["contact_name"] = _("联系人不能超过 40 个字。")
    if len(values["contact_email"]) > 254:
        errors["contact_email"] = _("请输入有效的电子邮箱。")
    try:
        values["contact_phone"] = phone_normalise(data.contact_phone)
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages[0]
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = _("请输入有效的电子邮箱。")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return values


@transaction.atomic
def partner_apply(*, user, data: PartnerInput) -> PartnerApplication:
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("请先登录后再申请成为合作伙伴。"))
    values = _check(data)
    if PartnerApplication.objects.filter(
        applicant=user, status=Status.PENDING, city=values["city"], county=values["county"]
    ).exists():
        raise Conflict(_("您在该地区已有一份待审核的申请，请等待审核结果。"))
    application = PartnerApplication.objects.create(
        number=next_document_number("HB"), applicant=user, **values
    )
    PartnerApplicationEvent.objects.create(
        application=application, actor=user, to_status=application.status, kind="submitted"
    )
    return application


def partner_review(
    *, application: PartnerApplication, actor, approve: bool, note: str = ""
) -> PartnerApplication:
    """Approve (listed on the public page at once) or reject with the reason the applicant reads."""
    if not is_operator(actor):
        raise NotFound(_("申请不存在。"))
    note = (note or "").strip()
    if not approve and not note:
        raise Invalid(_("请填写未通过的原因。"), fields={"note": _("请填写未通过的原因。")})
    if len(note) > 1000:
        raise Invalid(_("审核意见不能超过 1000 个字。"))
    to = Status.APPROVED if approve else Status.REJECTED
    with transaction.atomic():
        locked = transition(
            obj=application,
            to=to,
            allowed=MOVES,
            labels=LABELS,
            event_model=PartnerApplicationEvent,
            event_fk="application",
            actor=actor,
            note=note,
            extra_updates={"review_note": note, "reviewed_by": actor, "reviewed_at": timezone.now()},
        )
        body = (
            _("您的合作伙伴申请（%(company)s，%(region)s）已通过审核，已在“合作伙伴”页面展示。")
            if approve
            else _("您的合作伙伴申请（%(company)s，%(region)s）未通过审核。原因：%(note)s")
        ) % {"company": locked.company_name, "region": locked.region_label, "note": note}
        tell(
            users=[locked.applicant],
            subject=_("合作伙伴申请 %(number)s：%(status)s")
            % {"number": locked.number, "status": locked.get_status_display()},
            body=body,
            path="/partners/mine/",
            key=f"partners:{locked.pk}:{to}",
        )
    return locked
