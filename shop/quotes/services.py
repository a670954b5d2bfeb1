"""Writes of the quote domain. Keyword-only, typed; every state change through ``transition``.

Side effects done by the worker (PDF, e-mails) are steps with a state on their row
(pending → done, or failed past ``QUOTES_STEP_MAX_ATTEMPTS``), checked under
``select_for_update`` so running a task twice does the work once."""

import logging
import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from shop.buyers.access import member_can, membership, refusal, scope
from shop.buyers.models import (
    INVOICE_FIELDS,
    ApprovalRequest,
    ApprovalStatus,
    BudgetCommitment,
    DocumentKind,
    OrgType,
)
from shop.buyers.services import (
    approval_cancel,
    approval_pending_for,
    approval_restart,
    approval_rule_for,
    approval_submit,
    budget_commit,
    budget_line_for_document,
    buyer_organisation_remember,
)
from shop.core.access import is_operator, user_partner_ids
from shop.core.enqueue import enqueue_on_commit, sweep_enqueue
from shop.core.exceptions import Conflict, DomainError, IllegalTransition, PermissionDenied
from shop.core.limits import (
    BUDGET_TOO_LARGE,
    MAX_AMOUNT,
    MAX_QUOTE_LEAD_DAYS,
    MAX_QUOTE_VALIDITY_DAYS,
    MAX_UNIT_PRICE,
    PRICE_TOO_LARGE,
    TOTAL_TOO_LARGE,
    VALIDITY_TOO_LONG,
    limit_text,
)
from shop.core.models import next_document_number
from shop.core.money import q2
from shop.core.tax import is_vat_rate, product_vat_rate
from shop.core.transitions import transition
from shop.core.uploads import DOCUMENT_KINDS, check_upload
from shop.core.validators import validate_cn_mobile, validate_invoice_wish, validate_uscc
from shop.core.versions import require_seen_version

from . import selectors
from .models import (
    AWAITING_VENDOR_STATUSES,
    LIVE_VENDOR_QUOTE_STATUSES,
    MAX_LINE_QUANTITY,
    QUOTING_REQUEST_STATUSES,
    REQUEST_INPUT_FIELDS,
    REQUEST_MOVES,
    VENDOR_QUOTE_MOVES,
    ProcurementMethod,
    QuoteAttachment,
    QuoteList,
    QuoteListLine,
    QuoteRequest,
    QuoteRequestEvent,
    QuoteRequestLine,
    RequestStatus,
    StepState,
    VendorQuote,
    VendorQuoteEvent,
    VendorQuoteLine,
    VendorQuoteStatus,
)

log = logging.getLogger(__name__)

Product = get_model("catalogue", "Product")
Partner = get_model("partner", "Partner")
OrderLine = get_model("order", "Line")

SESSION_LIST_KEY = "quotes_list_id"
SESSION_COUNT_KEY = "quotes_list_count"
TEST_PDF_DELAY_ENV = "XH_TEST_QUOTE_PDF_DELAY"

VQ = VendorQuoteStatus
RS = RequestStatus


# --- transitions ----------------------------------------------------------------------------


def _request_move(qr, to, *, actor=None, note="", kind="status", extra=None):
    return transition(
        obj=qr,
        to=to,
        allowed=REQUEST_MOVES,
        labels=dict(RequestStatus.choices),
        event_model=QuoteRequestEvent,
        event_fk="request",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


def _quote_move(vq, to, *, actor=None, note="", kind="status", extra=None):
    return transition(
        obj=vq,
        to=to,
        allowed=VENDOR_QUOTE_MOVES,
        labels=dict(VendorQuoteStatus.choices),
        event_model=VendorQuoteEvent,
        event_fk="vendor_quote",
        actor=actor,
        note=note,
        kind=kind,
        extra_updates=extra,
    )


def _enqueue(task_name: str, *args) -> None:
    """Send a task once the current transaction commits (``shop.core.enqueue``). A broker
    outage is logged, never raised: the row is saved and the periodic sweep enqueues it again."""
    from . import tasks

    enqueue_on_commit(getattr(tasks, task_name), *args)


# --- quote list (询价单) --------------------------------------------------------------------


def _check_quantity(quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise DomainError(_("数量必须是整数。"))
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise DomainError(_("数量必须在 1 到 %(max)s 之间。") % {"max": MAX_LINE_QUANTITY})
    return quantity


def _merge_lists(*, source: QuoteList, target: QuoteList) -> None:
    for line in source.lines.all():
        existing = target.lines.filter(product_id=line.product_id).first()
        if existing:
            existing.quantity = min(existing.quantity + line.quantity, MAX_LINE_QUANTITY)
            existing.remark = existing.remark or line.remark
            existing.save(update_fields=["quantity", "remark"])
        else:
            line.quote_list = target
            line.save(update_fields=["quote_list"])
    source.delete()


def quote_list_count_remember(*, request, quote_list: QuoteList | None) -> int:
    count = quote_list.lines.count() if quote_list else 0
    request.session[SESSION_COUNT_KEY] = count
    return count


@transaction.atomic
def quote_list_for_request(*, request, user=None, create: bool = False) -> QuoteList | None:
    """The visitor's quote list: the user's own when logged in (an anonymous session's list is
    merged into it), else the session's. Created only when ``create``. ``user`` defaults to
    ``request.user`` (the login signal passes the user before the request carries it)."""
    user = user or request.user
    session_id = request.session.get(SESSION_LIST_KEY)
    anonymous = QuoteList.objects.filter(pk=session_id, user=None).first() if session_id else None
    if user.is_authenticated:
        qlist = QuoteList.objects.filter(user=user).first()
        if anonymous is not None:
            if qlist is None:
                anonymous.user = user
                anonymous.save(update_fields=["user"])
                qlist = anonymous
            else:
                _merge_lists(source=anonymous, target=qlist)
            request.session.pop(SESSION_LIST_KEY, None)
            quote_list_count_remember(request=request, quote_list=qlist)
        elif session_id:
            request.session.pop(SESSION_LIST_KEY, None)
        if qlist is None and create:
            qlist = QuoteList.objects.create(user=user)
        return qlist
    if anonymous is None and create:
        anonymous = QuoteList.objects.create()
        request.session[SESSION_LIST_KEY] = anonymous.pk
    return anonymous


@transaction.atomic
def quote_list_add(*, quote_list: QuoteList, product, quantity: int, remark: str = "") -> QuoteListLine:
    quantity = _check_quantity(quantity)
    problem = selectors.product_quote_problem(product)
    if problem:
        raise DomainError(problem)
    remark = (remark or "").strip()[:200]
    line = QuoteListLine.objects.select_for_update().filter(quote_list=quote_list, product=product).first()
    if line is None:
        return QuoteListLine.objects.create(
            quote_list=quote_list, product=product, quantity=quantity, remark=remark
        )
    if line.quantity + quantity > MAX_LINE_QUANTITY:
        raise DomainError(_("询价单中该商品数量合计不能超过 %(max)s。") % {"max": MAX_LINE_QUANTITY})
    line.quantity += quantity
    if remark:
        line.remark = remark
    line.save(update_fields=["quantity", "remark"])
    return line


@transaction.atomic
def quote_list_update(*, quote_list: QuoteList, changes: dict[int, tuple[int, str]]) -> None:
    """Set quantity and remark of lines (by line id); all checked before any is written."""
    lines = {line.pk: line for line in quote_list.lines.select_for_update()}
    checked = {}
    for line_id, (quantity, remark) in changes.items():
        if line_id not in lines:
            raise DomainError(_("询价单中没有这一行。"))
        checked[line_id] = (_check_quantity(quantity), (remark or "").strip()[:200])
    for line_id, (quantity, remark) in checked.items():
        line = lines[line_id]
        line.quantity, line.remark = quantity, remark
        line.save(update_fields=["quantity", "remark"])


def quote_list_remove(*, quote_list: QuoteList, line_id: int) -> None:
    """Remove one line of this list; another list's line reads like a missing one."""
    deleted = 0
    if 0 < line_id < 2**63:  # beyond a database integer: no such line (not a database error)
        deleted, _per_model = QuoteListLine.objects.filter(quote_list=quote_list, pk=line_id).delete()
    if not deleted:
        raise DomainError(_("询价单中没有这一行。"))


# --- submitting -----------------------------------------------------------------------------


DIRECT_IS_NOT_A_REQUEST = _(
    "直购按标价直接下单，不向供应商询价：请在询价单页选择“直购”，商品转入采购车后结算。"
)


def quote_list_buy_direct(*, user, quote_list: QuoteList, basket) -> int:
    """直购 from the quote list: every line goes into the basket at its list price and leaves the
    quote list; the buyer then places the order in the checkout (which checks the budget, the
    unit's approval and the government limit again). All or nothing: a line that cannot be
    bought directly (起价 or 仅询价, a product with 规格 to choose, no longer on sale) or a
    government unit's total above the 直购 limit refuses the whole move with the reasons, and
    neither the quote list nor the basket changes. Returns the number of lines moved."""
    from shop.apps.basket.forms import direct_purchase_problem
    from shop.sourcing.selectors import direct_limit_problem
    from shop.storefront.selectors import visible_products

    lines = list(quote_list.lines.select_related("product", "product__parent").order_by("pk"))
    if not lines:
        raise DomainError(_("询价单是空的，请先在商品页点击“加入询价单”。"))
    visible = set(
        visible_products().filter(pk__in=[line.product_id for line in lines]).values_list("pk", flat=True)
    )
    problems, priced = [], []
    for line in lines:
        product = line.product
        title = product.get_title()
        if product.pk not in visible:
            problems.append(_("“%(title)s”已下架，不能直接购买。") % {"title": title})
            continue
        if product.is_parent:
            problems.append(_("“%(title)s”有多个规格，请在商品页选择规格后加入采购车。") % {"title": title})
            continue
        problem = direct_purchase_problem(product)
        if problem:
            problems.append(problem)
            continue
        info = basket.strategy.fetch_for_product(product)
        if info.price.excl_tax is None or not info.availability.is_available_to_buy:
            problems.append(_("“%(title)s”目前没有可直接购买的报价，请选择协商报价。") % {"title": title})
            continue
        unit_price = info.price.incl_tax if info.price.is_tax_known else info.price.excl_tax
        priced.append((line, unit_price * line.quantity))
    if problems:
        message = " ".join(str(p) for p in problems)
        raise DomainError(message, fields={"procurement_method": message})
    member = membership(user)
    total = basket.total_incl_tax + sum((amount for _line, amount in priced), Decimal("0"))
    limit = direct_limit_problem(unit=member.unit if member else None, total=total)
    if limit:
        raise DomainError(limit, fields={"procurement_method": limit})
    with transaction.atomic():
        for line, _amount in priced:
            basket.add_product(line.product, line.quantity)
        quote_list.lines.filter(pk__in=[line.pk for line, _amount in priced]).delete()
    return len(priced)


@dataclass(frozen=True)
class LineInput:
    product: object
    quantity: int
    remark: str = ""


REQUEST_FIELDS = REQUEST_INPUT_FIELDS


def _check_request_data(data: dict) -> dict:
    """Re-check what forms and serializers already checked (services are called by both)."""
    values = {f: data.get(f) for f in REQUEST_FIELDS}
    for f in REQUEST_FIELDS:
        if values[f] is None and f not in ("budget", "needed_by"):
            values[f] = ""
    required = {
        "org_name": _("单位名称"),
        "org_uscc": _("统一社会信用代码"),
        "org_type": _("单位类型"),
        "province": _("省"),
        "city": _("市"),
        "contact_name": _("联系人"),
        "contact_mobile": _("手机号码"),
        "contact_email": _("电子邮箱"),
        "delivery_region": _("收货地区"),
        "delivery_address": _("收货地址"),
    }
    for field, label in required.items():
        values[field] = str(values[field]).strip()
        if not values[field]:
            raise DomainError(_("请填写%(label)s。") % {"label": label})
    values["org_uscc"] = values["org_uscc"].upper()
    try:
        validate_uscc(values["org_uscc"])
        validate_cn_mobile(values["contact_mobile"])
        values = validate_invoice_wish(values)
    except ValidationError as exc:
        raise DomainError(exc.messages[0])
    if values["org_type"] not in OrgType.values:
        raise DomainError(_("请选择单位类型。"))
    if values["procurement_method"] not in ProcurementMethod.values:
        raise DomainError(_("请选择采购方式。"))
    if values["procurement_method"] == ProcurementMethod.DIRECT:
        raise DomainError(DIRECT_IS_NOT_A_REQUEST, fields={"procurement_method": DIRECT_IS_NOT_A_REQUEST})
    needed_by = values["needed_by"]
    if not isinstance(needed_by, date):
        raise DomainError(_("请填写需求日期。"))
    if needed_by <= timezone.localdate():
        raise DomainError(_("需求日期必须晚于今天。"))
    budget = values["budget"]
    if budget is not None and budget != "":
        try:
            budget = Decimal(str(budget))
        except ArithmeticError:
            raise DomainError(_("请输入有效的预算金额。"))
        if not budget.is_finite() or budget <= 0:
            raise DomainError(_("预算必须大于零。"))
        if budget > MAX_AMOUNT:
            raise DomainError(BUDGET_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)})
        values["budget"] = q2(budget)
    else:
        values["budget"] = None
    return values


@transaction.atomic
def quote_request_submit(
    *,
    user,
    data: dict,
    lines: list[LineInput],
    attachments: list | tuple = (),
    quote_list: QuoteList | None = None,
    budget_line_id: int | str | None = None,
) -> QuoteRequest:
    """Save a request with its lines and attachments, remember the organisation, and enqueue
    its processing after commit. Any problem raises DomainError and saves nothing.

    A member of a buying unit submits for the unit (only a 经办人 may): the request belongs to
    the unit and names one of its budget lines of this year (required when it has any)."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("请先登录后再提交询价。"))
    member = membership(user, fresh=True)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))
    unit_id = member.unit_id if member is not None else None
    budget_line = budget_line_for_document(unit_id=unit_id, budget_line_id=budget_line_id)
    if not lines:
        raise DomainError(_("询价单是空的，请先添加商品。"))
    values = _check_request_data(data)
    seen = set()
    for line in lines:
        problem = selectors.product_quote_problem(line.product)
        if problem:
            raise DomainError(problem)
        if line.product.pk in seen:
            raise DomainError(
                _("商品“%(title)s”重复出现，请合并为一行。") % {"title": line.product.get_title()}
            )
        seen.add(line.product.pk)
        _check_quantity(line.quantity)
    if values["procurement_method"] == ProcurementMethod.INQUIRY:
        problem = selectors.inquiry_problem(products=[line.product for line in lines])
        if problem:
            raise DomainError(problem)
    if len(attachments) > settings.QUOTES_ATTACHMENT_MAX_FILES:
        raise DomainError(_("附件最多 %(n)s 个。") % {"n": settings.QUOTES_ATTACHMENT_MAX_FILES})
    checked = []
    for upload in attachments:
        try:
            checked.append(
                (
                    upload,
                    check_upload(
                        upload, allowed=DOCUMENT_KINDS, max_bytes=settings.QUOTES_ATTACHMENT_MAX_BYTES
                    ),
                )
            )
        except ValidationError as exc:
            raise DomainError(
                _("附件“%(name)s”：%(error)s") % {"name": upload.name, "error": exc.messages[0]}
            )

    qr = QuoteRequest.objects.create(
        number=next_document_number("XJ"), buyer=user, unit_id=unit_id, budget_line=budget_line, **values
    )
    for line in lines:
        product = line.product
        QuoteRequestLine.objects.create(
            request=qr,
            product=product,
            title=product.get_title()[:255],
            unit=getattr(product, "unit", "") or "台",
            quantity=int(line.quantity),
            remark=(line.remark or "").strip()[:200],
            tax_rate=product_vat_rate(product),
        )
    for upload, info in checked:
        att = QuoteAttachment(
            request=qr, display_name=info.display_name[:128], kind=info.kind, size=info.size
        )
        att.file.save(info.display_name, upload, save=False)
        att.save()
    QuoteRequestEvent.objects.create(request=qr, actor=user, to_status=qr.status, kind="submitted")
    buyer_organisation_remember(user=user, data=values)
    if quote_list is not None:
        quote_list.lines.all().delete()
    _enqueue("quote_request_process", qr.pk)
    return qr


# --- processing (worker) --------------------------------------------------------------------


def _indicative_valid_until() -> datetime:
    return timezone.now() + timedelta(days=settings.QUOTES_INDICATIVE_VALIDITY_DAYS)


def quote_request_process(*, quote_request_id: int) -> str:
    """Split a submitted request per vendor: one VendorQuote each (indicative prices from the
    list / 起价 prices where the vendor stocks the product). Idempotent: a request that is no
    longer ``submitted`` is left alone. Returns what happened."""
    with transaction.atomic():
        qr = QuoteRequest.objects.select_for_update().filter(pk=quote_request_id).first()
        if qr is None:
            log.warning("quotes: request %s does not exist", quote_request_id)
            return "missing"
        if qr.status != RS.SUBMITTED:
            return "skipped"
        qr = _request_move(qr, RS.PROCESSING, kind="processing")
        req_lines = list(qr.lines.select_related("product", "product__parent"))
        products = [line.product for line in req_lines if line.product is not None]
        try:
            routing = selectors.route_request(products=products, method=qr.procurement_method)
        except DomainError as exc:
            routing = {}
            reason = exc.message
        else:
            reason = "没有可报价的供应商（商品已下架或供应商已退出）。"
        if not routing:
            _request_move(qr, RS.CANCELLED, kind="cancelled", note=reason)
            qr.buyer_mail_state = StepState.DONE
            qr.save(update_fields=["buyer_mail_state"])
            return "no-vendors"
        partners = Partner.objects.in_bulk(list(routing))
        created = []
        for partner_id in sorted(routing):
            vq = VendorQuote.objects.filter(request=qr, partner_id=partner_id).first()
            if vq is not None:
                continue
            products_map = routing[partner_id]
            vq = VendorQuote.objects.create(
                request=qr,
                partner=partners[partner_id],
                number=next_document_number("BJ"),
                pdf_state=StepState.DONE,  # nothing to render until there is a price
                pdf_version=0,
            )
            VendorQuoteEvent.objects.create(
                vendor_quote=vq, to_status=vq.status, kind="routed", note=f"询价 {qr.number}"
            )
            priced = False
            lead = 0
            for req_line in req_lines:
                if req_line.product_id not in products_map:
                    continue
                sr = products_map[req_line.product_id]
                # a list price outside the quote bounds is left for the vendor to quote
                price = sr.price if sr is not None and sr.price and 0 < sr.price <= MAX_UNIT_PRICE else None
                priced = priced or price is not None
                if price is not None:
                    lead = max(lead, min(req_line.product.lead_time_days or 0, MAX_QUOTE_LEAD_DAYS))
                VendorQuoteLine.objects.create(
                    vendor_quote=vq,
                    request_line=req_line,
                    stockrecord=sr,
                    quantity=req_line.quantity,
                    unit_price_incl_tax=q2(price) if price is not None else None,
                    tax_rate=req_line.tax_rate,
                    is_from_price=bool(price is not None and req_line.product.price_is_from),
                )
            if priced:
                vq = _quote_move(
                    vq,
                    VQ.INDICATIVE,
                    kind="indicative",
                    note="按目录价（起价）自动生成，以供应商确认报价为准。",
                    extra={
                        "is_indicative": True,
                        "valid_until": _indicative_valid_until(),
                        "lead_time_days": lead or None,
                        "pdf_version": 1,
                        "pdf_state": StepState.PENDING,
                        "pdf_requested_at": timezone.now(),
                    },
                )
            created.append(vq)
        _request_move(
            qr,
            RS.QUOTED,
            kind="routed",
            note="询价已分发给供应商，等待报价。",  # no vendor names: vendors see this timeline too
            extra={"processed_at": timezone.now()},
        )
        for vq in created:
            if vq.pdf_state == StepState.PENDING:
                _enqueue("vendor_quote_render_pdf", vq.pk)
            _enqueue("vendor_quote_mail_vendor", vq.pk)
        _enqueue("quote_request_mail_buyer", qr.pk)
    return "processed"


def _step_failed(*, obj, state_field: str, attempts: int, error: Exception, what: str):
    """Record an error on the row; past the cap mark the step failed (visible to operators)."""
    obj.last_error = f"{what}: {error!r}"[:2000]
    fields = ["last_error"]
    if attempts >= settings.QUOTES_STEP_MAX_ATTEMPTS:
        setattr(obj, state_field, StepState.FAILED)
        fields.append(state_field)
        note = f"{what}失败（已尝试 {attempts} 次）：{error}"[:1000]
        if isinstance(obj, QuoteRequest):
            QuoteRequestEvent.objects.create(request=obj, kind="failed", note=note)
        else:
            vq = obj.vendor_quote if isinstance(obj, VendorQuoteEvent) else obj
            VendorQuoteEvent.objects.create(vendor_quote=vq, kind="failed", note=note)
        log.error("quotes: %s for %s failed after %s attempts: %r", what, obj, attempts, error)
    obj.save(update_fields=fields)
    return getattr(obj, state_field)


def _test_pdf_delay() -> float:
    """A slow PDF step for the killed-worker test only (never honoured outside test settings)."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".test"):
        return 0.0
    try:
        return float(os.environ.get(TEST_PDF_DELAY_ENV, "0") or 0)
    except ValueError:
        return 0.0


def vendor_quote_render_pdf(*, vendor_quote_id: int) -> str:
    """Render the 报价单 PDF of the quote's current version. Returns done/skipped/failed;
    raises when a retry is due."""
    from .pdf import render_vendor_quote_pdf

    with transaction.atomic():
        vq = VendorQuote.objects.select_for_update().filter(pk=vendor_quote_id).first()
        if vq is None or vq.pdf_state != StepState.PENDING:
            return "skipped"
        if vq.pdf_attempts >= settings.QUOTES_STEP_MAX_ATTEMPTS:
            _step_failed(
                obj=vq,
                state_field="pdf_state",
                attempts=vq.pdf_attempts,
                error=RuntimeError("attempts exhausted"),
                what="生成报价单 PDF",
            )
            return "failed"
        vq.pdf_attempts += 1
        vq.save(update_fields=["pdf_attempts"])
    delay = _test_pdf_delay()
    if delay:
        time.sleep(delay)
    old_name = ""
    try:
        # rendered without holding the quote's row lock (cutting the embedded font takes a
        # moment; the vendor's answer and the buyer's acceptance lock the same rows), then
        # stored only if the quote is still at the version that was rendered
        draft = VendorQuote.objects.get(pk=vendor_quote_id)
        data = render_vendor_quote_pdf(vendor_quote=draft)
        with transaction.atomic():
            vq = VendorQuote.objects.select_for_update().get(pk=vendor_quote_id)
            if vq.pdf_state != StepState.PENDING:
                return "skipped"
            if vq.pdf_version != draft.pdf_version:
                data = render_vendor_quote_pdf(vendor_quote=vq)
            old_name = vq.pdf.name
            vq.pdf.save(f"{vq.number}-v{vq.pdf_version}.pdf", ContentFile(data), save=False)
            vq.pdf_state = StepState.DONE
            vq.pdf_rendered_version = vq.pdf_version
            vq.pdf_attempts = 0
            vq.save(update_fields=["pdf", "pdf_state", "pdf_rendered_version", "pdf_attempts"])
            if old_name and old_name != vq.pdf.name:
                storage = vq.pdf.storage
                transaction.on_commit(lambda: storage.delete(old_name))
        return "done"
    except Exception as exc:
        log.warning("quotes: PDF for quote %s failed", vendor_quote_id, exc_info=True)
        with transaction.atomic():
            vq = VendorQuote.objects.select_for_update().get(pk=vendor_quote_id)
            state = _step_failed(
                obj=vq,
                state_field="pdf_state",
                attempts=vq.pdf_attempts,
                error=exc,
                what="生成报价单 PDF",
            )
        if state == StepState.FAILED:
            return "failed"
        raise


def _mail_step(*, model, pk: int, state_field: str, attempts_field: str, what: str, send) -> str:
    error = None
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(pk=pk).first()
        if obj is None or getattr(obj, state_field) != StepState.PENDING:
            return "skipped"
        attempts = getattr(obj, attempts_field) + 1
        setattr(obj, attempts_field, attempts)
        obj.save(update_fields=[attempts_field])
        try:
            send(obj)
        except Exception as exc:
            error = exc
            log.warning("quotes: %s for %s failed", what, obj, exc_info=True)
            state = _step_failed(
                obj=obj,
                state_field=state_field,
                attempts=attempts,
                error=exc,
                what=what,
            )
        else:
            setattr(obj, state_field, StepState.DONE)
            obj.save(update_fields=[state_field])
            return "done"
    if state == StepState.FAILED:
        return "failed"
    raise error


def vendor_quote_mail_vendor(*, vendor_quote_id: int) -> str:
    """Tell the vendor about a new request (once)."""
    from .emails import send_vendor_new_request

    return _mail_step(
        model=VendorQuote,
        pk=vendor_quote_id,
        state_field="vendor_mail_state",
        attempts_field="vendor_mail_attempts",
        what="通知供应商",
        send=lambda vq: send_vendor_new_request(vendor_quote=vq),
    )


def quote_request_mail_buyer(*, quote_request_id: int) -> str:
    """Tell the buyer the request went out, with the indicative figures (once)."""
    from .emails import send_buyer_request_processed

    return _mail_step(
        model=QuoteRequest,
        pk=quote_request_id,
        state_field="buyer_mail_state",
        attempts_field="buyer_mail_attempts",
        what="通知采购方",
        send=lambda qr: send_buyer_request_processed(quote_request=qr),
    )


# --- vendor side ----------------------------------------------------------------------------


def _check_vendor_actor(*, actor, vendor_quote) -> None:
    if is_operator(actor):
        return
    if vendor_quote.partner_id not in user_partner_ids(actor):
        raise PermissionDenied(_("只能处理本单位的报价。"))


@dataclass(frozen=True)
class PriceInput:
    unit_price_incl_tax: Decimal | None
    tax_rate: Decimal


def vendor_quote_answer(
    *,
    vendor_quote: VendorQuote,
    actor,
    prices: dict[int, PriceInput],
    lead_time_days: int,
    valid_until: date,
    terms: str = "",
) -> VendorQuote:
    """The vendor's firm quote (or a revision of it): prices per line (by VendorQuoteLine id;
    None = not quoted), lead time, validity and terms. Re-renders the PDF, tells the buyer."""
    _check_vendor_actor(actor=actor, vendor_quote=vendor_quote)
    if not isinstance(lead_time_days, int) or not 1 <= lead_time_days <= MAX_QUOTE_LEAD_DAYS:
        raise DomainError(_("交货期应为 1 到 %(max)s 天。") % {"max": MAX_QUOTE_LEAD_DAYS})
    if not isinstance(valid_until, date) or valid_until < timezone.localdate():
        raise DomainError(_("报价有效期不能早于今天。"))
    if valid_until > timezone.localdate() + timedelta(days=MAX_QUOTE_VALIDITY_DAYS):
        raise DomainError(VALIDITY_TOO_LONG % {"limit": MAX_QUOTE_VALIDITY_DAYS})
    with transaction.atomic():
        qr = QuoteRequest.objects.select_for_update().get(pk=vendor_quote.request_id)
        if qr.status not in QUOTING_REQUEST_STATUSES:
            raise DomainError(
                _("询价单当前状态为“%(status)s”，不能再报价。") % {"status": qr.get_status_display()}
            )
        vq = VendorQuote.objects.select_for_update().get(pk=vendor_quote.pk)
        lines = {line.pk: line for line in vq.lines.select_for_update()}
        if set(prices) - set(lines):
            raise DomainError(_("报价明细与询价单不一致，请刷新后重试。"))
        priced = 0
        total = Decimal("0.00")
        for line_id, line in lines.items():
            price = prices.get(line_id, PriceInput(None, line.tax_rate))
            if not is_vat_rate(price.tax_rate):
                raise DomainError(_("税率只能是 0%、1%、3%、6%、9% 或 13%。"))
            if price.unit_price_incl_tax is not None:
                title = line.request_line.title
                if price.unit_price_incl_tax <= 0:
                    raise DomainError(_("“%(title)s”的单价必须大于零。") % {"title": title})
                if price.unit_price_incl_tax > MAX_UNIT_PRICE:
                    raise DomainError(
                        _("“%(title)s”：%(error)s")
                        % {"title": title, "error": PRICE_TOO_LARGE % {"limit": limit_text(MAX_UNIT_PRICE)}}
                    )
                total += q2(price.unit_price_incl_tax) * line.quantity
                priced += 1
        if not priced:
            raise DomainError(_("请至少为一项商品填写报价。"))
        if total > MAX_AMOUNT:
            raise DomainError(TOTAL_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)})
        was_answered = vq.status == VQ.ANSWERED
        tz = timezone.get_current_timezone()
        until = timezone.make_aware(
            datetime.combine(valid_until, datetime.max.time().replace(microsecond=0)), tz
        )
        vq = _quote_move(
            vq,
            VQ.ANSWERED,
            actor=actor,
            kind="revised" if was_answered else "answered",
            note=(terms or "")[:500],
            extra={
                "is_indicative": False,
                "lead_time_days": lead_time_days,
                "valid_until": until,
                "terms": (terms or "").strip()[:2000],
                "answered_at": timezone.now(),
                "revision": vq.revision + 1,  # read under the row lock above
                "pdf_version": vq.pdf_version + 1,
                "pdf_state": StepState.PENDING,
                "pdf_attempts": 0,
                "pdf_requested_at": timezone.now(),
            },
        )
        for line_id, line in lines.items():
            price = prices.get(line_id, PriceInput(None, line.tax_rate))
            line.unit_price_incl_tax = q2(price.unit_price_incl_tax) if price.unit_price_incl_tax else None
            line.tax_rate = Decimal(price.tax_rate).quantize(Decimal("0.01"))
            line.is_from_price = False
            line.save(update_fields=["unit_price_incl_tax", "tax_rate", "is_from_price"])
        _notify_last_event(vq)
        _enqueue("vendor_quote_render_pdf", vq.pk)
        if qr.status == RS.AWAITING_APPROVAL:
            # the unit approves a snapshot of this quote: a new version starts it again
            _approval_changed(qr, vq, actor=actor, reason="供应商更新了报价")
    return vq


def _notify_last_event(vq) -> None:
    """Mark the quote's latest event for an e-mail to the other party and enqueue it."""
    ev = VendorQuoteEvent.objects.filter(vendor_quote=vq).order_by("-pk").first()
    if ev is not None:
        ev.notify_state = StepState.PENDING
        ev.save(update_fields=["notify_state"])
        _enqueue("vendor_quote_event_notify", ev.pk)


def vendor_quote_event_notify(*, event_id: int) -> str:
    """E-mail about one vendor-quote event: answers go to the buyer, the rest to the vendor."""
    from .emails import send_event_notification

    return _mail_step(
        model=VendorQuoteEvent,
        pk=event_id,
        state_field="notify_state",
        attempts_field="notify_attempts",
        what="发送通知",
        send=lambda ev: send_event_notification(event=ev),
    )


# --- buyer side -----------------------------------------------------------------------------


def _check_buyer(*, actor, quote_request, action: str = "purchases.act") -> None:
    """The actor may ``action`` this request: a member of its unit whose role allows it (a
    member without the role gets the unit's refusal), or its buyer when it has no unit."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("只能处理自己的询价。"))
    buyer_scope = scope(actor, action, fresh=True)
    if buyer_scope.owns(unit_id=quote_request.unit_id, user_id=quote_request.buyer_id):
        return
    if buyer_scope.unit_id is not None and buyer_scope.unit_id == quote_request.unit_id:
        raise PermissionDenied(refusal(action))
    raise PermissionDenied(_("只能处理自己的询价。"))


def _open_quote(*, actor, vendor_quote) -> tuple[QuoteRequest, VendorQuote]:
    _check_buyer(actor=actor, quote_request=vendor_quote.request)
    qr = QuoteRequest.objects.select_for_update().get(pk=vendor_quote.request_id)
    if qr.status != RS.QUOTED:
        raise IllegalTransition(
            _("询价单当前状态为“%(status)s”，不能再处理报价。") % {"status": qr.get_status_display()}
        )
    vq = VendorQuote.objects.select_for_update().get(pk=vendor_quote.pk)
    return qr, vq


def vendor_quote_request_revision(*, vendor_quote: VendorQuote, actor, note: str) -> VendorQuote:
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写需要供应商修改的内容。"))
    with transaction.atomic():
        _qr, vq = _open_quote(actor=actor, vendor_quote=vendor_quote)
        vq = _quote_move(
            vq,
            VQ.REVISION_REQUESTED,
            actor=actor,
            kind="revision_requested",
            note=note[:1000],
            extra={"revision_note": note[:2000]},
        )
        _notify_last_event(vq)
    return vq


def vendor_quote_decline(*, vendor_quote: VendorQuote, actor, note: str = "") -> VendorQuote:
    with transaction.atomic():
        _qr, vq = _open_quote(actor=actor, vendor_quote=vendor_quote)
        vq = _quote_move(vq, VQ.DECLINED, actor=actor, kind="declined", note=(note or "").strip()[:1000])
        _notify_last_event(vq)
    return vq


def quote_request_cancel(*, quote_request: QuoteRequest, actor, note: str = "") -> QuoteRequest:
    if not is_operator(actor):
        _check_buyer(actor=actor, quote_request=quote_request)
    with transaction.atomic():
        waiting = QuoteRequest.objects.filter(pk=quote_request.pk, status=RS.AWAITING_APPROVAL).exists()
        qr = _request_move(
            quote_request, RS.CANCELLED, actor=actor, kind="cancelled", note=(note or "").strip()[:1000]
        )
        if waiting:
            for pending in _pending_approvals(qr):
                approval_cancel(
                    kind=DocumentKind.QUOTE, subject_id=pending.subject_id, actor=actor, reason="询价已取消"
                )
        for vq in VendorQuote.objects.filter(request=qr, status__in=LIVE_VENDOR_QUOTE_STATUSES):
            vq = _quote_move(vq, VQ.DECLINED, actor=actor, kind="declined", note="采购方已取消询价。")
            _notify_last_event(vq)
    return qr


def payment_stages_for(total: Decimal) -> list[tuple[str, Decimal]] | None:
    """Above the online single-charge cap the order is paid as 定金 30% + 尾款 70%."""
    from shop.payments.orders import STRIPE_MAX_CHARGE

    if total <= STRIPE_MAX_CHARGE:
        return None
    deposit = q2(total * Decimal("0.30"))
    return [("定金", deposit), ("尾款", total - deposit)]


def _acceptance(qr: QuoteRequest, vq: VendorQuote, *, revision) -> tuple[list, Decimal]:
    """Check that ``vq`` (locked, of the locked ``qr``) can be accepted in version ``revision``
    now; the order lines it would become and their total (tax included)."""
    from shop.payments.orders import OrderLineSpec

    if vq.status not in (VQ.INDICATIVE, VQ.ANSWERED):
        raise IllegalTransition(
            _("报价当前状态为“%(status)s”，不能接受。") % {"status": vq.get_status_display()}
        )
    require_seen_version(current=vq.revision, seen=revision)
    from shop.credit.services import refuse_if_suspended  # 暂停交易: no orders for the vendor

    refuse_if_suspended(vq.partner_id, doing="接收订单", name=vq.partner.name)
    if vq.valid_until and vq.valid_until < timezone.now():
        raise DomainError(_("该报价已超过有效期，不能接受；可要求供应商修改报价。"))
    lines = list(vq.lines.select_related("request_line__product", "stockrecord__partner"))
    priced = [line for line in lines if line.unit_price_incl_tax is not None]
    if not priced:
        raise DomainError(_("该报价没有任何报价明细，不能接受。"))
    if vq.status == VQ.INDICATIVE and any(line.is_from_price for line in priced):
        raise DomainError(_("参考报价含“起价”商品，需供应商确认报价后才能接受。"))
    specs = []
    for line in priced:
        product = line.request_line.product
        if product is None:
            raise DomainError(
                _("商品“%(title)s”已下架，不能下单，请联系供应商。") % {"title": line.request_line.title}
            )
        specs.append(
            OrderLineSpec(
                product=product,
                stockrecord=line.stockrecord,
                quantity=line.quantity,
                unit_price_incl_tax=line.unit_price_incl_tax,
                tax_rate=line.tax_rate,
                title=line.request_line.title,
            )
        )
    total = sum((q2(s.unit_price_incl_tax * s.quantity) for s in specs), Decimal("0.00"))
    if total > MAX_AMOUNT:
        raise DomainError(TOTAL_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)})
    return specs, total


def _approval_title(qr: QuoteRequest, vq: VendorQuote) -> str:
    return f"询价 {qr.number}：接受{vq.partner.name}报价 {vq.number}"


def _place_order(
    qr: QuoteRequest, vq: VendorQuote, *, specs, total: Decimal, actor, approval: ApprovalRequest | None
):
    """The acceptance itself (``qr`` and ``vq`` locked and checked): the quote is accepted, the
    other open quotes declined, and an order at the quoted prices is placed for the request's
    buyer (and unit, paid from its budget line). Without an approval the budget line's share is
    committed now; with one it was committed on submission and now points at the order."""
    from shop.payments.orders import order_place

    vq = _quote_move(vq, VQ.ACCEPTED, actor=actor, kind="accepted")
    _notify_last_event(vq)
    for other in VendorQuote.objects.filter(request=qr, status__in=LIVE_VENDOR_QUOTE_STATUSES).exclude(
        pk=vq.pk
    ):
        other = _quote_move(
            other, VQ.DECLINED, actor=actor, kind="declined", note="采购方已接受其他供应商的报价。"
        )
        _notify_last_event(other)
    note = f"接受 {vq.partner.name} 的报价 {vq.number}"
    if approval is not None:
        note += f"（审批单 {approval.number} 已通过）"
    qr = _request_move(qr, RS.ACCEPTED, actor=actor, kind="accepted", note=note, extra={"accepted_quote": vq})
    order = order_place(
        user=qr.buyer,
        lines=specs,
        source="quote",
        reference=qr.number,
        stages=payment_stages_for(total),
        invoice={f: getattr(qr, f) for f in INVOICE_FIELDS},
        shipping={
            "name": qr.contact_name,
            "address": qr.delivery_address,
            "city": qr.delivery_region or qr.city,
            "province": qr.province,
            "phone": qr.contact_mobile,
        },
        unit=qr.unit,
        budget_line=qr.budget_line,
        # lines quoted by a vendor without a stock record of the product (询价采购) are still
        # sold by that vendor: its settlement, contract, dashboard and account
        seller=vq.partner,
    )
    if approval is not None:
        BudgetCommitment.objects.filter(approval=approval).update(order=order)
    elif qr.budget_line_id is not None:
        budget_commit(
            line=qr.budget_line,
            amount=total,
            kind=DocumentKind.QUOTE,
            number=qr.number,
            title=_approval_title(qr, vq),
            actor=actor,
            order=order,
        )
    _request_move(
        qr, RS.ORDERED, actor=actor, kind="ordered", note=f"订单号 {order.number}", extra={"order": order}
    )
    return order


def _category_ids(specs) -> set[int]:
    return selectors._category_ids([s.product for s in specs])


def vendor_quote_accept(*, vendor_quote: VendorQuote, actor, revision: int | None):
    """Accept one vendor's quote in the version the buyer saw (``revision``, sent by the page's
    hidden field or the API; a quote revised since is refused and nothing changes): it becomes
    an Oscar order at the quoted prices (ready for payment), the other open quotes are
    declined. Returns the order.

    A buying unit's request whose total (tax included) reaches one of the unit's approval rules
    is not accepted yet: it waits in 待审批 for the unit's 审批人 (the budget line's share is
    committed now) and the ``ApprovalRequest`` is returned instead; the approval accepts it
    (``approval_accepted``)."""
    with transaction.atomic():
        qr, vq = _open_quote(actor=actor, vendor_quote=vendor_quote)
        specs, total = _acceptance(qr, vq, revision=revision)
        from shop.sourcing.selectors import direct_limit_problem

        limit = direct_limit_problem(unit=qr.unit, total=total)
        if limit:
            raise DomainError(limit)
        rule = None
        if qr.unit_id is not None:
            rule = approval_rule_for(unit_id=qr.unit_id, amount=total, category_ids=_category_ids(specs))
        if rule is None:
            return _place_order(qr, vq, specs=specs, total=total, actor=actor, approval=None)
        qr = _request_move(
            qr,
            RS.AWAITING_APPROVAL,
            actor=actor,
            kind="approval_submitted",
            note=f"接受 {vq.partner.name} 的报价 {vq.number}，需本单位审批",
        )
        return approval_submit(
            unit_id=qr.unit_id,
            actor=actor,
            kind=DocumentKind.QUOTE,
            subject_id=vq.pk,
            subject_number=qr.number,
            title=_approval_title(qr, vq),
            amount=total,
            snapshot=approval_snapshot(vendor_quote_id=vq.pk),
            rule=rule,
            budget_line=qr.budget_line,
        )


# --- the unit's approval of an acceptance (shop.buyers approvals call these) ---------------------


def _money(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def approval_snapshot(*, vendor_quote_id: int) -> dict | None:
    """What the unit approves: the quote as it can be accepted now (supplier, version, lines,
    prices, quantities, total); None when it can no longer be accepted (gone, expired, declined,
    request cancelled or ordered)."""
    vq = VendorQuote.objects.select_related("request", "partner").filter(pk=vendor_quote_id).first()
    if vq is None:
        return None
    qr = vq.request
    if qr.status not in QUOTING_REQUEST_STATUSES or vq.status not in (VQ.INDICATIVE, VQ.ANSWERED):
        return None
    if vq.valid_until and vq.valid_until < timezone.now():
        return None
    lines = [
        line
        for line in vq.lines.select_related("request_line").order_by("request_line_id", "pk")
        if line.unit_price_incl_tax is not None
    ]
    if not lines:
        return None
    rows = [
        {
            "title": line.request_line.title,
            "quantity": line.quantity,
            "unit": line.request_line.unit,
            "unit_price": _money(line.unit_price_incl_tax),
            "tax_rate": f"{(line.tax_rate * 100).normalize():f}",  # percent
            "amount": _money(line.line_total_incl_tax),
        }
        for line in lines
    ]
    total = sum((line.line_total_incl_tax for line in lines), Decimal("0.00"))
    return {
        "kind": DocumentKind.QUOTE.value,
        "number": qr.number,
        "title": _approval_title(qr, vq),
        "supplier": vq.partner.name,
        "lines": rows,
        "total": _money(total),
        "revision": vq.revision,
        "budget_line": qr.budget_line_id,
        "note": f"报价单 {vq.number}"
        + (f"，交货期 {vq.lead_time_days} 天" if vq.lead_time_days else "")
        + (f"，有效期至 {timezone.localtime(vq.valid_until):%Y-%m-%d}" if vq.valid_until else ""),
    }


def approval_accepted(approval: ApprovalRequest, actor) -> None:
    """The unit approved: the quote is accepted as its submitter asked (the version approved)
    and the order placed for the unit; the approval's budget commitment follows the order."""
    vq = VendorQuote.objects.filter(pk=approval.subject_id).first()
    if vq is None:
        raise Conflict("报价已不存在，不能接受。")
    qr = QuoteRequest.objects.select_for_update().get(pk=vq.request_id)
    vq = VendorQuote.objects.select_for_update().get(pk=vq.pk)
    if qr.status != RS.AWAITING_APPROVAL:
        raise IllegalTransition(
            _("询价单当前状态为“%(status)s”，不能再接受报价。") % {"status": qr.get_status_display()}
        )
    specs, total = _acceptance(qr, vq, revision=approval.snapshot.get("revision"))
    _place_order(qr, vq, specs=specs, total=total, actor=actor, approval=approval)


def _back_to_quoted(qr: QuoteRequest, *, actor, reason: str) -> QuoteRequest:
    return _request_move(qr, RS.QUOTED, actor=actor, kind="approval_ended", note=reason[:1000])


def approval_ended(approval: ApprovalRequest, actor, reason: str) -> None:
    """Rejected or withdrawn: the request is back to 已报价 (the buyer may accept again)."""
    request_id = (
        VendorQuote.objects.filter(pk=approval.subject_id).values_list("request_id", flat=True).first()
    )
    qr = QuoteRequest.objects.select_for_update().filter(pk=request_id).first()
    if qr is not None and qr.status == RS.AWAITING_APPROVAL:
        _back_to_quoted(qr, actor=actor, reason=reason)


def approval_path(approval: ApprovalRequest) -> str:
    from django.urls import reverse

    return reverse("quotes:detail", kwargs={"number": approval.subject_number})


def _pending_approvals(qr: QuoteRequest):
    return ApprovalRequest.objects.filter(
        kind=DocumentKind.QUOTE,
        subject_id__in=VendorQuote.objects.filter(request=qr).values("pk"),
        status=ApprovalStatus.PENDING,
    )


def _approval_changed(qr: QuoteRequest, vq: VendorQuote, *, actor, reason: str) -> None:
    """The quote waiting for approval changed (a new version): the approval starts again with
    it; when it can no longer go on (the budget line cannot carry the new total) the request is
    back to 已报价."""
    if approval_pending_for(kind=DocumentKind.QUOTE, subject_id=vq.pk) is None:
        return
    approval = approval_restart(kind=DocumentKind.QUOTE, subject_id=vq.pk, actor=actor, reason=reason)
    if approval is not None and approval.status != ApprovalStatus.PENDING:
        _back_to_quoted(qr, actor=actor, reason=f"审批已终止：{reason}")


def _approval_void(qr: QuoteRequest, vq: VendorQuote, *, actor, reason: str) -> None:
    """The quote waiting for approval can no longer be accepted (expired): the approval ends,
    its budget is released, and the request is back to 已报价."""
    if approval_cancel(kind=DocumentKind.QUOTE, subject_id=vq.pk, actor=actor, reason=reason) is None:
        return  # another vendor's quote: the approval waits on
    qr.refresh_from_db()
    if qr.status == RS.AWAITING_APPROVAL:
        _back_to_quoted(qr, actor=actor, reason=f"审批已终止：{reason}")


# --- operators ------------------------------------------------------------------------------


def quote_steps_retry(*, quote_request: QuoteRequest, actor) -> int:
    """An operator puts failed PDF / e-mail steps of a request back to pending and enqueues them."""
    if not is_operator(actor):
        raise PermissionDenied(_("只有平台运营人员可以重新处理。"))
    n = 0
    with transaction.atomic():
        qr = QuoteRequest.objects.select_for_update().get(pk=quote_request.pk)
        if qr.buyer_mail_state == StepState.FAILED:
            qr.buyer_mail_state, qr.buyer_mail_attempts = StepState.PENDING, 0
            qr.save(update_fields=["buyer_mail_state", "buyer_mail_attempts"])
            _enqueue("quote_request_mail_buyer", qr.pk)
            n += 1
        for vq in VendorQuote.objects.select_for_update().filter(request=qr):
            if vq.pdf_state == StepState.FAILED:
                vq.pdf_state, vq.pdf_attempts, vq.pdf_requested_at = StepState.PENDING, 0, timezone.now()
                vq.save(update_fields=["pdf_state", "pdf_attempts", "pdf_requested_at"])
                _enqueue("vendor_quote_render_pdf", vq.pk)
                n += 1
            if vq.vendor_mail_state == StepState.FAILED:
                vq.vendor_mail_state, vq.vendor_mail_attempts = StepState.PENDING, 0
                vq.save(update_fields=["vendor_mail_state", "vendor_mail_attempts"])
                _enqueue("vendor_quote_mail_vendor", vq.pk)
                n += 1
        for ev in VendorQuoteEvent.objects.select_for_update().filter(
            vendor_quote__request=qr, notify_state=StepState.FAILED
        ):
            ev.notify_state, ev.notify_attempts = StepState.PENDING, 0
            ev.save(update_fields=["notify_state", "notify_attempts"])
            _enqueue("vendor_quote_event_notify", ev.pk)
            n += 1
        if n:
            QuoteRequestEvent.objects.create(
                request=qr, actor=actor, kind="retried", note=f"重新处理 {n} 个失败步骤"
            )
    return n


# --- periodic jobs (beat) -------------------------------------------------------------------


def quotes_expire(*, now: datetime | None = None) -> dict:
    """Expire vendor quotes past their validity (and unanswered ones past the needed-by date),
    then requests with no live quote left. Uses database timestamps only."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired_quotes = expired_requests = 0
    stale = VendorQuote.objects.filter(request__status__in=QUOTING_REQUEST_STATUSES).filter(
        status__in=(VQ.INDICATIVE, VQ.ANSWERED), valid_until__lt=now
    ) | VendorQuote.objects.filter(
        request__status__in=QUOTING_REQUEST_STATUSES,
        status__in=(VQ.PENDING, VQ.REVISION_REQUESTED),
        request__needed_by__lt=today,
    )
    for pk in list(stale.order_by("pk").values_list("pk", flat=True)[:1000]):
        if vendor_quote_expire(vendor_quote_id=pk, now=now):
            expired_quotes += 1
    # a request left waiting with no approval pending (the approval ended without the request
    # hearing of it) is back to 已报价
    waiting = QuoteRequest.objects.filter(status=RS.AWAITING_APPROVAL)
    for pk in list(waiting.order_by("pk").values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            qr = QuoteRequest.objects.select_for_update().get(pk=pk)
            if qr.status == RS.AWAITING_APPROVAL and not _pending_approvals(qr).exists():
                _back_to_quoted(qr, actor=None, reason="审批已结束，报价待重新接受。")
    done = QuoteRequest.objects.filter(status=RS.QUOTED).exclude(
        vendor_quotes__status__in=LIVE_VENDOR_QUOTE_STATUSES
    )
    for pk in list(done.order_by("pk").values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            qr = QuoteRequest.objects.select_for_update().get(pk=pk)
            # re-checked under the lock: a quote may have been answered or accepted meanwhile
            if (
                qr.status != RS.QUOTED
                or qr.vendor_quotes.filter(status__in=LIVE_VENDOR_QUOTE_STATUSES).exists()
            ):
                continue
            _request_move(qr, RS.EXPIRED, kind="expired", note="所有报价均已失效。")
            expired_requests += 1
    return {"quotes": expired_quotes, "requests": expired_requests}


def _expiry_note(vq: VendorQuote, *, now: datetime) -> str | None:
    """Why ``vq`` (a freshly locked row) has expired at ``now``, or None when it has not."""
    if vq.request.status not in QUOTING_REQUEST_STATUSES:
        return None
    if vq.status in (VQ.INDICATIVE, VQ.ANSWERED):
        return "超过报价有效期。" if vq.valid_until is not None and vq.valid_until < now else None
    if vq.status in (VQ.PENDING, VQ.REVISION_REQUESTED):
        return "已过采购需求日期，未报价。" if vq.request.needed_by < timezone.localdate(now) else None
    return None


def vendor_quote_expire(*, vendor_quote_id: int, now: datetime) -> bool:
    """Expire one vendor quote if it is still due: the row and its request are locked and
    ``valid_until``/status re-read first, so a quote extended, revised or accepted after the
    candidate query is left alone. Returns whether it expired."""
    request_id = VendorQuote.objects.filter(pk=vendor_quote_id).values_list("request_id", flat=True).first()
    if request_id is None:
        return False
    with transaction.atomic():
        # request first, then quote: the order every other writer of a quote locks them in
        qr = QuoteRequest.objects.select_for_update().get(pk=request_id)
        vq = VendorQuote.objects.select_for_update().get(pk=vendor_quote_id)
        vq.request = qr
        note = _expiry_note(vq, now=now)
        if note is None:
            return False
        try:
            _quote_move(vq, VQ.EXPIRED, kind="expired", note=note)
        except IllegalTransition:
            return False
        if qr.status == RS.AWAITING_APPROVAL:
            _approval_void(qr, vq, actor=None, reason=f"报价 {vq.number} 已过期")
    return True


def quotes_remind_vendors(*, now: datetime | None = None) -> int:
    """Remind each vendor once of a request it has not answered within the reminder window."""
    from .emails import send_vendor_reminder

    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.QUOTES_REMIND_AFTER_HOURS)
    due = VendorQuote.objects.filter(
        request__status=RS.QUOTED,
        status__in=AWAITING_VENDOR_STATUSES,
        reminded_at__isnull=True,
        created_at__lt=cutoff,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due[:500]):
        try:
            with transaction.atomic():
                vq = VendorQuote.objects.select_for_update().get(pk=pk)
                if vq.reminded_at is not None or vq.status not in AWAITING_VENDOR_STATUSES:
                    continue
                send_vendor_reminder(vendor_quote=vq)
                vq.reminded_at = now
                vq.save(update_fields=["reminded_at"])
                VendorQuoteEvent.objects.create(
                    vendor_quote=vq,
                    kind="reminded",
                    note=f"超过 {settings.QUOTES_REMIND_AFTER_HOURS} 小时未报价",
                )
                sent += 1
        except Exception:
            # left un-reminded: the next run tries again
            log.warning("quotes: reminder for quote %s failed", pk, exc_info=True)
    return sent


def quotes_sweep(*, now: datetime | None = None, grace_seconds: int | None = None) -> dict:
    """Re-enqueue every step left undone longer than the grace period (a broker outage or a
    killed worker loses nothing; running a step twice does it once)."""
    now = now or timezone.now()
    grace = settings.QUOTES_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = now - timedelta(seconds=grace)
    from . import tasks

    found = {
        "quote_request_process": QuoteRequest.objects.filter(
            status__in=(RS.SUBMITTED, RS.PROCESSING), created_at__lt=cutoff
        ),
        "quote_request_mail_buyer": QuoteRequest.objects.filter(
            buyer_mail_state=StepState.PENDING, processed_at__lt=cutoff
        ),
        "vendor_quote_render_pdf": VendorQuote.objects.filter(
            pdf_state=StepState.PENDING, pdf_requested_at__lt=cutoff
        ),
        "vendor_quote_mail_vendor": VendorQuote.objects.filter(
            vendor_mail_state=StepState.PENDING, created_at__lt=cutoff
        ),
        "vendor_quote_event_notify": VendorQuoteEvent.objects.filter(
            notify_state=StepState.PENDING, created_at__lt=cutoff
        ),
    }
    return {name: len(sweep_enqueue(getattr(tasks, name), qs)) for name, qs in found.items()}
