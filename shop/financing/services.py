"""Writes of 规划融资 applications and 自由职业 enquiries: typed functions, one transaction
each, one audit event per state change, the applicant or the vendor told by notice and e-mail.
Any refusal raises a DomainError (Chinese) and stores nothing."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.buyers.access import member_can, membership, refusal
from shop.buyers.notify import tell
from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.money import q2, rmb
from shop.core.transitions import transition
from shop.core.uploads import DOCUMENT_KINDS, check_upload
from shop.partners.regions import region_parse

from . import selectors
from .models import (
    APPLICANT_MOVES,
    HANDLER_MOVES,
    REQUIRED_DOCUMENTS,
    DocumentKind,
    FinancingApplication,
    FinancingDocument,
    FinancingEvent,
    FreelanceEnquiry,
    InvoiceNeed,
    LprQuote,
    ProjectType,
    Status,
)

MAX_TERM_MONTHS = 360  # 30 years: longer than any project loan a bank offers
MAX_DOCUMENTS = 10
LABELS = dict(Status.choices)


@dataclass(frozen=True)
class ApplicationInput:
    org_name: str
    project_name: str
    project_type: str
    region: str  # "长沙市/岳麓区"
    amount: Decimal | str
    term_months: int | str
    purpose: str
    contact_name: str
    contact_phone: str
    project_type_other: str = ""


def _check_application(*, data: ApplicationInput, product) -> dict:
    """The application's values, or Invalid with every problem by field (all found at once)."""
    from shop.callbacks.phones import phone_normalise

    errors: dict[str, str] = {}
    values = {
        "org_name": (data.org_name or "").strip(),
        "project_name": (data.project_name or "").strip(),
        "project_type": (data.project_type or "").strip(),
        "project_type_other": (data.project_type_other or "").strip(),
        "purpose": (data.purpose or "").strip(),
        "contact_name": (data.contact_name or "").strip(),
    }
    for field, label in (
        ("org_name", _("申请单位")),
        ("project_name", _("项目名称")),
        ("purpose", _("资金用途")),
        ("contact_name", _("联系人")),
    ):
        if not values[field]:
            errors[field] = _("请填写%(label)s。") % {"label": label}
    if len(values["project_name"]) > 120:
        errors["project_name"] = _("项目名称不能超过 120 个字。")
    if len(values["org_name"]) > 120:
        errors["org_name"] = _("申请单位名称不能超过 120 个字。")
    if len(values["purpose"]) > 2000:
        errors["purpose"] = _("资金用途不能超过 2000 个字。")
    if len(values["contact_name"]) > 40:
        errors["contact_name"] = _("联系人不能超过 40 个字。")
    if len(values["project_type_other"]) > 60:
        errors["project_type_other"] = _("其他类型说明不能超过 60 个字。")
    if values["project_type"] not in ProjectType.values:
        errors["project_type"] = _("请选择项目类型：EPC、PPP 或其他。")
    elif values["project_type"] == ProjectType.OTHER and not values["project_type_other"]:
        errors["project_type_other"] = _("项目类型选择“其他”时，请说明项目类型。")
    region = region_parse(data.region, county_required=True)
    if region is None:
        errors["region"] = _("请选择项目所在的湖南省市州和县（市、区）。")
    else:
        values["city"], values["county"] = region.city, region.county
    low, high = selectors.amount_range(product=product)
    try:
        amount = Decimal(str(data.amount).replace(",", "").strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = _("请输入有效的申请金额（元）。")
    else:
        if amount < low or amount > high:
            # the typed figure as typed (no quantize: a huge exponent would overflow the context)
            shown = f"¥{amount:,.2f}" if amount.as_tuple().exponent >= -2 else f"¥{amount:,f}"
            errors["amount"] = _(
                "申请金额须在 %(low)s 至 %(high)s 之间（本服务包的融资额度），当前为 %(amount)s。"
            ) % {"low": rmb(low), "high": rmb(high), "amount": shown}
        elif amount != amount.quantize(Decimal("0.01")):
            errors["amount"] = _("申请金额最多保留两位小数。")
        else:
            values["amount"] = q2(amount)
    min_term = selectors.min_term_months(product=product)
    try:
        term = int(str(data.term_months).strip())
    except (TypeError, ValueError):
        errors["term_months"] = _("请输入融资期限（月数，整数）。")
    else:
        if term < min_term:
            errors["term_months"] = _(
                "融资期限至少 %(years)s 年（%(months)s 个月），当前为 %(term)s 个月。"
            ) % {
                "years": min_term // 12,
                "months": min_term,
                "term": term,
            }
        elif term > MAX_TERM_MONTHS:
            errors["term_months"] = _("融资期限最长 %(n)s 个月（30 年）。") % {"n": MAX_TERM_MONTHS}
        else:
            values["term_months"] = term
    try:
        values["contact_phone"] = phone_normalise(data.contact_phone)
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages[0]
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return values


def _check_documents(documents) -> list:
    """[(kind, upload, CheckedUpload)] or Invalid: each upload checked by its content."""
    if len(documents) > MAX_DOCUMENTS:
        raise Invalid(_("申请材料最多 %(n)s 个文件。") % {"n": MAX_DOCUMENTS}, fields={"documents": ""})
    checked = []
    for kind, upload in documents:
        if kind not in DocumentKind.values:
            raise Invalid(_("材料类型不正确。"))
        try:
            info = check_upload(upload, allowed=DOCUMENT_KINDS)
        except ValidationError as exc:
            label = DocumentKind(kind).label
            raise Invalid(
                _("%(label)s“%(name)s”：%(error)s")
                % {"label": label, "name": upload.name, "error": exc.messages[0]},
                fields={f"document_{kind}": exc.messages[0]},
            )
        checked.append((kind, upload, info))
    return checked


def _save_documents(*, application, checked, actor) -> None:
    for kind, upload, info in checked:
        doc = FinancingDocument(
            application=application,
            kind=kind,
            display_name=info.display_name[:128],
            file_type=info.kind,
            size=info.size,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        doc.file.save(info.display_name, upload, save=False)
        doc.save()


def _vendor_users(application):
    if application.partner_id is None:
        return []
    return list(application.partner.users.filter(is_active=True).order_by("pk"))


@transaction.atomic
def financing_apply(*, actor, product, data: ApplicationInput, documents: list) -> FinancingApplication:
    """A buyer's application for the financing package ``product``; for its unit when a member
    (only a 经办人 applies). ``documents``: [(DocumentKind, upload)]; 立项批复 and 可研报告 are
    required."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("请先登录后再提交融资申请。"))
    member = membership(actor, fresh=True)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    if not selectors.is_financing_product(product):
        raise NotFound(_("该商品不是规划融资服务包。"))
    values = _check_application(data=data, product=product)
    kinds = {kind for kind, _upload in documents}
    missing = [DocumentKind(k).label for k in REQUIRED_DOCUMENTS if k not in kinds]
    if missing:
        raise Invalid(
            _("请上传申请材料：%(names)s。") % {"names": "、".join(str(m) for m in missing)},
            fields={f"document_{k}": _("请上传此材料。") for k in REQUIRED_DOCUMENTS if k not in kinds},
        )
    checked = _check_documents(documents)
    application = FinancingApplication.objects.create(
        number=next_document_number("RZ"),
        applicant=actor,
        unit_id=member.unit_id if member is not None else None,
        product=product,
        partner=selectors.package_partner(product=product),
        **values,
    )
    _save_documents(application=application, checked=checked, actor=actor)
    FinancingEvent.objects.create(
        application=application, actor=actor, to_status=application.status, kind="submitted"
    )
    tell(
        users=_vendor_users(application),
        subject=_("新的融资申请 %(number)s") % {"number": application.number},
        body=_("%(org)s 申请融资 %(amount)s（%(project)s，%(region)s），请在管理后台“融资申请”中处理。")
        % {
            "org": application.org_name,
            "amount": rmb(application.amount),
            "project": application.project_name,
            "region": application.region_label,
        },
        path=f"/dashboard/financing/{application.number}/",
        key=f"financing:{application.pk}:submitted",
    )
    return application


def may_handle(*, actor, application) -> bool:
    """Operators handle every application; a vendor the applications to its own package."""
    if is_operator(actor):
        return True
    return bool(application.partner_id and application.partner_id in user_partner_ids(actor))


def _tell_applicant(application, event, *, note: str) -> None:
    body = _("您的融资申请 %(number)s（%(project)s）状态变更为：%(status)s。") % {
        "number": application.number,
        "project": application.project_name,
        "status": application.get_status_display(),
    }
    if note:
        body += "\n" + _("处理意见：%(note)s") % {"note": note}
    tell(
        users=[application.applicant],
        subject=_("融资申请 %(number)s：%(status)s")
        % {"number": application.number, "status": application.get_status_display()},
        body=body,
        path=f"/financing/{application.number}/",
        key=f"financing:{application.pk}:event:{event.pk}",
    )


def financing_move(
    *, application: FinancingApplication, actor, to: str, note: str = ""
) -> FinancingApplication:
    """The handler's step (初审, 补充材料, 推荐, 批复, 未通过). 补充材料 and 未通过 need a note
    saying what is missing or why."""
    if not may_handle(actor=actor, application=application):
        raise NotFound(_("融资申请不存在。"))
    note = (note or "").strip()
    if to not in Status.values:
        raise Invalid(_("不能变更为该状态。"))
    if to in (Status.SUPPLEMENT, Status.REJECTED) and not note:
        raise Invalid(
            _("请填写处理意见（需补充的材料或未通过的原因）。"), fields={"note": _("请填写处理意见。")}
        )
    if len(note) > 1000:
        raise Invalid(_("处理意见不能超过 1000 个字。"))
    with transaction.atomic():
        locked = transition(
            obj=application,
            to=to,
            allowed=HANDLER_MOVES,
            labels=LABELS,
            event_model=FinancingEvent,
            event_fk="application",
            actor=actor,
            note=note,
            extra_updates={"handler_note": note} if note else None,
        )
        event = locked.events.order_by("-pk").first()
        _tell_applicant(locked, event, note=note)
    application.refresh_from_db()
    return locked


def financing_supplement(
    *, application: FinancingApplication, actor, documents: list, note: str = ""
) -> FinancingApplication:
    """The applicant hands in what 补充材料 asked for: at least one file; back to 初审."""
    if (
        not selectors.applications_for_buyer(user=actor, action="purchases.view")
        .filter(pk=application.pk)
        .exists()
    ):
        raise NotFound(_("融资申请不存在。"))
    member = membership(actor, fresh=True)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    if not documents:
        raise Invalid(_("请上传补充材料。"), fields={"documents": _("请上传补充材料。")})
    note = (note or "").strip()[:1000]
    checked = _check_documents(documents)
    with transaction.atomic():
        locked = transition(
            obj=application,
            to=Status.REVIEW,
            allowed=APPLICANT_MOVES,
            labels=LABELS,
            event_model=FinancingEvent,
            event_fk="application",
            actor=actor,
            note=note or _("已补充材料"),
            kind="supplemented",
        )
        if locked.documents.count() + len(checked) > MAX_DOCUMENTS * 2:
            raise Invalid(_("申请材料已达上限，请联系平台。"))
        _save_documents(application=locked, checked=checked, actor=actor)
        tell(
            users=_vendor_users(locked),
            subject=_("融资申请 %(number)s 已补充材料") % {"number": locked.number},
            body=_("%(org)s 已补充材料，申请回到初审。") % {"org": locked.org_name},
            path=f"/dashboard/financing/{locked.number}/",
            key=f"financing:{locked.pk}:supplemented:{locked.events.order_by('-pk').first().pk}",
        )
    application.refresh_from_db()
    return locked


def lpr_record(*, actor, one_year, five_year, published_on: date) -> LprQuote:
    """An operator enters the LPR as published (20th of each month by the 全国银行间同业拆借中心)."""
    if not is_operator(actor):
        raise PermissionDenied(_("只有平台运营人员可以录入 LPR。"))
    values = {}
    for field, raw, label in (
        ("one_year", one_year, _("1 年期 LPR")),
        ("five_year", five_year, _("5 年期以上 LPR")),
    ):
        try:
            value = Decimal(str(raw).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise Invalid(_("请输入有效的%(label)s（百分比）。") % {"label": label}, fields={field: ""})
        if not (Decimal("0") < value < Decimal("20")) or value != value.quantize(Decimal("0.01")):
            raise Invalid(
                _("%(label)s 应在 0 到 20 之间，最多两位小数（如 3.00）。") % {"label": label},
                fields={field: ""},
            )
        values[field] = value
    if not isinstance(published_on, date) or published_on > timezone.localdate():
        raise Invalid(_("公布日期不能晚于今天。"), fields={"published_on": ""})
    if published_on < timezone.localdate() - timedelta(days=3660):
        raise Invalid(_("公布日期过早。"), fields={"published_on": ""})
    return LprQuote.objects.create(published_on=published_on, entered_by=actor, **values)


# --- 自由职业服务包: an enquiry that is a quote request -------------------------------------


@dataclass(frozen=True)
class FreelanceInput:
    people: int | str
    monthly_amount: Decimal | str
    industry: str
    invoice_need: str
    start_date: date | None
    description: str = ""


MAX_PEOPLE = 100_000


def _check_freelance(data: FreelanceInput) -> dict:
    errors = {}
    values = {}
    try:
        people = int(str(data.people).strip())
        if people < 1:
            raise ValueError
        if people > MAX_PEOPLE:
            errors["people"] = _("结算人数不能超过 %(n)s 人。") % {"n": MAX_PEOPLE}
        values["people"] = people
    except (TypeError, ValueError):
        errors["people"] = _("请输入结算人数（至少 1 人）。")
    try:
        amount = Decimal(str(data.monthly_amount).replace(",", "").strip())
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
        if amount > Decimal("999999999.99"):
            errors["monthly_amount"] = _("月结算总额不能超过 999999999.99 元。")
        else:
            values["monthly_amount"] = q2(amount)
    except (InvalidOperation, ValueError):
        errors["monthly_amount"] = _("请输入有效的月结算总额（元，大于零）。")
    values["industry"] = (data.industry or "").strip()[:40]
    if not values["industry"]:
        errors["industry"] = _("请填写所属行业。")
    if data.invoice_need not in InvoiceNeed.values:
        errors["invoice_need"] = _("请选择发票需求。")
    values["invoice_need"] = data.invoice_need
    if not isinstance(data.start_date, date) or data.start_date <= timezone.localdate():
        errors["start_date"] = _("期望开始日期必须晚于今天。")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return values


@transaction.atomic
def freelance_enquiry_submit(
    *, user, product, organisation: dict, data: FreelanceInput, budget_line_id: int | None = None
):
    """The enquiry as a quote request for ``product`` (one line), with the settlement details
    in its 需求说明 and kept as a FreelanceEnquiry: the vendor answers it like any quote."""
    from shop.quotes.services import LineInput, quote_request_submit

    if not selectors.is_freelance_product(product):
        raise NotFound(_("该商品不是自由职业服务包。"))
    values = _check_freelance(data)
    remark = _(
        "【自由职业结算咨询】结算人数：%(people)s 人；月结算总额：%(amount)s；所属行业：%(industry)s；"
        "发票需求：%(invoice)s。"
    ) % {
        "people": values["people"],
        "amount": rmb(values["monthly_amount"]),
        "industry": values["industry"],
        "invoice": InvoiceNeed(values["invoice_need"]).label,
    }
    description = (data.description or "").strip()[:1000]
    if description:
        remark += "\n" + description
    request_data = dict(organisation)
    request_data.update(
        {
            "delivery_region": request_data.get("delivery_region") or _("线上服务"),
            "delivery_address": _("线上服务，无需收货"),
            "needed_by": data.start_date,
            "procurement_method": "negotiated",  # a request the vendor answers with a quote
            "remark": remark,
        }
    )
    qr = quote_request_submit(
        user=user,
        data=request_data,
        lines=[LineInput(product=product, quantity=1)],
        budget_line_id=budget_line_id,
    )
    FreelanceEnquiry.objects.create(quote_request=qr, **values)
    return qr


__all__ = [
    "ApplicationInput",
    "FreelanceInput",
    "financing_apply",
    "financing_move",
    "financing_supplement",
    "freelance_enquiry_submit",
    "lpr_record",
    "may_handle",
]
