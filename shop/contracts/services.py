"""Writes of contracts: the draft an award produces, the buyer's terms before anyone confirmed,
确认签订 by both parties, 补充协议, the PDF renders and the 合同公告 of government units.

Rules enforced here:
- 《保障中小企业款项支付条例》第八条、第九条: payment within 30 days of acceptance unless the
  contract agrees otherwise, never beyond 60 days. The buyer may put a longer term (31..60) in
  the draft before anyone confirmed; the vendor's confirmation of that text is the agreement.
- 《政府采购法实施条例》第五十条: a government unit's contract is published within two working
  days of signing (``contract_notices_publish``, run by beat; ``notice_due_at`` records the limit).
- Each confirmation is of the exact PDF bytes the party was shown: the page posts the SHA-256
  it showed and a different one is refused, nothing stored.
"""

import hashlib
import logging
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.core.enqueue import enqueue_on_commit
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.models import next_document_number
from shop.core.money import q2, rmb, rmb_upper, split_tax_inclusive
from shop.core.tax import vat_footnote, vat_rate_percent
from shop.core.transitions import transition
from shop.core.workdays import after_workdays

from . import selectors
from .models import (
    DEFAULT_TERM_DAYS,
    MAX_TERM_DAYS,
    MIN_TERM_DAYS,
    Confirmation,
    Contract,
    ContractEvent,
    ContractStatus,
    ContractVersion,
    Side,
    VersionKind,
    VersionStatus,
)
from .notify import notify

log = logging.getLogger(__name__)
Order = get_model("order", "Order")

ORDER_AWAITING_APPROVAL = "待审批"
ORDER_CANCELLED = "已取消"
NOTICE_WORKDAYS = 2  # 《政府采购法实施条例》第五十条

SOURCE_LABELS = {
    "sourcing": "网上询价/反向竞价成交",
    "quote": "询价报价成交",
    "oem": "OEM 定制订单成交",
    "direct": "直购（电子卖场直接订购）",
}
DEFAULT_WARRANTY = "自履约验收合格之日起 12 个月，质保期内因产品质量问题乙方免费维修或更换。"
DEFAULT_ACCEPTANCE = (
    "乙方交货后，甲方在 7 个工作日内按本合同约定的品名、规格、数量和质量要求组织履约验收，"
    "逐项填写验收结果并签署验收单；不合格的，乙方应在甲方指出之日起 10 日内更换或补足，"
    "重新验收。"
)
MAX_TEXT = {"delivery_place": 200, "warranty": 300, "acceptance_terms": 1000, "note": 500}

CONTRACT_MOVES = {ContractStatus.DRAFT: {ContractStatus.SIGNED}}
CONTRACT_LABELS = dict(ContractStatus.choices)


def sha256(data: bytes) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


def _event(contract, *, kind: str, actor=None, note: str = "") -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=contract.status,
        to_status=contract.status,
        kind=kind,
        note=note,
    )


# --- the draft ---------------------------------------------------------------------------------


def _buyer_party(order, origin) -> tuple[str, str]:
    """(name, 统一社会信用代码) of the buyer: the unit, else the request's organisation snapshot."""
    if origin.unit_id:
        return origin.unit.org_name, origin.unit.org_uscc
    doc = None
    if origin.source == "quote":
        from shop.quotes.models import QuoteRequest

        doc = QuoteRequest.objects.filter(number=origin.reference).first()
    elif origin.source == "oem":
        from shop.oem.models import OemOrder

        doc = OemOrder.objects.filter(number=origin.reference).first()
    if doc is None and order.user_id:
        from shop.buyers.models import BuyerOrganisation

        doc = BuyerOrganisation.objects.filter(user_id=order.user_id).first()
    if doc is not None:
        return doc.org_name, doc.org_uscc
    user = order.user
    return (user.get_full_name() or user.get_username()) if user else "", ""


def _seller_party(partner) -> tuple[str, str]:
    """(name, 统一社会信用代码) of the seller: the vendor's approved application; the mall's own
    sales (no application) name the mall's company."""
    from shop.vendors.models import ApplicationStatus, VendorApplication

    app = (
        VendorApplication.objects.filter(partner=partner, status=ApplicationStatus.APPROVED)
        .order_by("-decided_at", "-pk")
        .first()
    )
    if app is not None:
        return app.company_name, app.uscc
    if getattr(partner, "code", "") == "xianghui":
        return settings.MALL_COMPANY_NAME, settings.MALL_USCC
    return partner.name, ""


def _delivery(order, origin) -> tuple[str, date | None]:
    place, day = "", None
    if origin.source == "sourcing":
        from shop.sourcing.models import SourcingEvent

        event = SourcingEvent.objects.filter(number=origin.reference).first()
        if event is not None:
            place, day = event.delivery_place, event.delivery_date
    elif origin.source == "quote":
        from shop.quotes.models import QuoteRequest

        qr = QuoteRequest.objects.filter(number=origin.reference).first()
        if qr is not None:
            place, day = qr.delivery_address, qr.needed_by
    elif origin.source == "oem":
        from shop.oem.models import OemOrder

        oem = OemOrder.objects.filter(number=origin.reference).first()
        if oem is not None:
            place, day = oem.delivery_address, oem.promised_date
    if not place and order.shipping_address_id:
        a = order.shipping_address
        place = "".join(p for p in (a.state, a.line4, a.line1) if p)
    return place[: MAX_TEXT["delivery_place"]], day


def _lines(order) -> list[dict]:
    from shop.payments.selectors import line_tax_rate

    rows = []
    for line in order.lines.select_related("product").order_by("pk"):
        rate = line_tax_rate(line)
        _excl, tax = split_tax_inclusive(line.line_price_incl_tax, rate)
        rows.append(
            {
                "title": line.title,
                "quantity": line.quantity,
                "unit": (getattr(line.product, "unit", "") if line.product_id else "") or "项",
                "unit_price": f"{q2(line.unit_price_incl_tax):.2f}",
                "tax_rate": vat_rate_percent(rate),
                "rate": f"{rate:.2f}",
                "amount": f"{q2(line.line_price_incl_tax):.2f}",
                "tax": f"{tax:.2f}",
            }
        )
    return rows


def contract_terms(contract: Contract) -> dict:
    """Everything version 1's PDF shows, as a snapshot of the contract and its order now."""
    order = contract.order
    lines = _lines(order)
    total = q2(order.total_incl_tax)
    tax_total = sum((q2(row["tax"]) for row in lines), q2(0))
    return {
        "number": contract.number,
        "order_number": order.number,
        "source": contract.source,
        "source_label": SOURCE_LABELS.get(contract.source, contract.source),
        "award_reference": contract.award_reference or order.number,
        "buyer": {"name": contract.buyer_name, "uscc": contract.buyer_uscc},
        "seller": {"name": contract.seller_name, "uscc": contract.seller_uscc},
        "lines": lines,
        "total": f"{total:.2f}",
        "total_text": rmb(total),
        "total_upper": rmb_upper(total),
        "tax_total": f"{tax_total:.2f}",
        "vat_footnote": vat_footnote(row["rate"] for row in lines),
        "delivery_place": contract.delivery_place,
        "delivery_date": contract.delivery_date.isoformat() if contract.delivery_date else "",
        "acceptance_terms": contract.acceptance_terms,
        "payment_term_days": contract.payment_term_days,
        "warranty": contract.warranty,
        "created_on": timezone.localdate(contract.created_at).isoformat(),
    }


def contract_ensure(*, order_id: int) -> Contract | None:
    """The contract draft of an award's order, created once (idempotent: the order row is
    locked and the contract is one per order). None when the order needs no contract or is
    not ready for one (still 待审批, or cancelled)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            return None
        existing = Contract.objects.filter(order_id=order.pk).first()
        if existing is not None:
            return existing
        if order.status in (ORDER_AWAITING_APPROVAL, ORDER_CANCELLED) or not selectors.order_needs_contract(
            order
        ):
            return None
        from shop.buyers.services import GOVERNMENT_TYPES

        origin = order.origin
        partner = order.lines.filter(partner__isnull=False).select_related("partner").first().partner
        buyer_name, buyer_uscc = _buyer_party(order, origin)
        seller_name, seller_uscc = _seller_party(partner)
        place, day = _delivery(order, origin)
        contract = Contract.objects.create(
            number=next_document_number("HT"),
            order=order,
            source=origin.source,
            award_reference=origin.reference or order.number,
            unit=origin.unit,
            buyer=order.user,
            partner=partner,
            is_government=bool(origin.unit_id and origin.unit.org_type in GOVERNMENT_TYPES),
            buyer_name=buyer_name[:128],
            buyer_uscc=buyer_uscc or "",
            seller_name=seller_name[:128],
            seller_uscc=seller_uscc or "",
            payment_term_days=DEFAULT_TERM_DAYS,
            delivery_place=place,
            delivery_date=day,
            warranty=DEFAULT_WARRANTY,
            acceptance_terms=DEFAULT_ACCEPTANCE,
        )
        version = ContractVersion.objects.create(
            contract=contract, sequence=1, kind=VersionKind.ORIGINAL, terms=contract_terms(contract)
        )
        notify(
            contract,
            sides=(Side.BUYER, Side.VENDOR),
            subject=f"采购合同 {contract.number} 待确认签订",
            body="成交后的采购合同草稿已生成。请核对合同文本（双方确认签订前，采购人可修改交货、验收、付款期限等条款），然后在线确认签订。",
            key="drafted",
        )
        _event(
            contract,
            kind="drafted",
            note=f"根据{SOURCE_LABELS.get(contract.source, '')} {contract.award_reference} 生成合同草稿",
        )
        from . import tasks

        enqueue_on_commit(tasks.contract_version_render, version.pk)
    return contract


# --- who acts for which side --------------------------------------------------------------------


def party_side(*, contract: Contract, user) -> str:
    """The side ``user`` may confirm for (Side.BUYER / Side.VENDOR). Raises PermissionDenied
    (Chinese) for anyone else, naming the roles that may."""
    from shop.buyers.access import member_can, membership, refusal

    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if user.partners.filter(pk=contract.partner_id).exists():
        return Side.VENDOR
    member = membership(user, fresh=True)
    if contract.unit_id is not None:
        if member is None or member.unit_id != contract.unit_id:
            raise NotFound("没有找到该合同。")
        if not member_can(member, "contracts.confirm"):
            raise PermissionDenied(refusal("contracts.confirm"))
        return Side.BUYER
    if contract.buyer_id == user.pk:
        return Side.BUYER
    raise NotFound("没有找到该合同。")


# --- the buyer's terms before anyone confirmed ---------------------------------------------------


def _term_days(value) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(
            "付款期限须填写天数（整数）。", fields={"payment_term_days": "请填写 1 至 60 之间的整数。"}
        ) from None
    if days < MIN_TERM_DAYS or days > MAX_TERM_DAYS:
        raise Invalid(
            f"付款期限须在 {MIN_TERM_DAYS} 至 {MAX_TERM_DAYS} 日之间：按《保障中小企业款项支付条例》，"
            f"验收合格后付款期限最长不得超过 {MAX_TERM_DAYS} 日。",
            fields={"payment_term_days": f"请填写 {MIN_TERM_DAYS} 至 {MAX_TERM_DAYS} 之间的天数。"},
        )
    return days


def _text(value, field: str, label: str) -> str:
    text = " ".join(str(value or "").split()) if field != "acceptance_terms" else str(value or "").strip()
    if len(text) > MAX_TEXT[field]:
        raise Invalid(f"{label}不能超过 {MAX_TEXT[field]} 个字。", fields={field: "内容过长。"})
    return text


def _checked_terms(*, payment_term_days, delivery_place, delivery_date, warranty, acceptance_terms) -> dict:
    values = {
        "payment_term_days": _term_days(payment_term_days),
        "delivery_place": _text(delivery_place, "delivery_place", "交货地点"),
        "delivery_date": delivery_date,
        "warranty": _text(warranty, "warranty", "质量保证"),
        "acceptance_terms": _text(acceptance_terms, "acceptance_terms", "验收要求"),
    }
    if not values["delivery_place"]:
        raise Invalid("请填写交货地点。", fields={"delivery_place": "请填写交货地点。"})
    if delivery_date is not None and not isinstance(delivery_date, date):
        raise Invalid("交货日期格式不正确。", fields={"delivery_date": "请填写日期。"})
    return values


def contract_terms_update(
    *,
    contract: Contract,
    user,
    payment_term_days,
    delivery_place: str,
    delivery_date: date | None,
    warranty: str,
    acceptance_terms: str,
) -> Contract:
    """The buyer sets the draft's terms (a payment term of 31..60 days is a proposal the vendor
    agrees to by confirming). Only before either party confirmed; the PDF is rendered again and
    its hash changes."""
    values = _checked_terms(
        payment_term_days=payment_term_days,
        delivery_place=delivery_place,
        delivery_date=delivery_date,
        warranty=warranty,
        acceptance_terms=acceptance_terms,
    )
    if party_side(contract=contract, user=user) != Side.BUYER:
        raise PermissionDenied("合同条款由采购人填写；供应商如有异议，请与采购人协商。")
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.DRAFT:
            raise Conflict("合同已签订，内容不能再修改；如需变更，请签订补充协议。")
        version = ContractVersion.objects.select_for_update().get(contract=locked, sequence=1)
        if version.confirmations.exists():
            raise Conflict("已有一方确认签订，合同内容不能再修改；如需变更，请在签订后签订补充协议。")
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        if not changed:
            return locked
        for key, value in values.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*values, "updated_at"])
        version.terms = contract_terms(locked)
        version.revision += 1
        version.save(update_fields=["terms", "revision"])
        note = f"付款期限：验收合格后 {locked.payment_term_days} 日内"
        if locked.payment_term_days > DEFAULT_TERM_DAYS:
            note += "（超过 30 日，须经供应商确认签订方为约定）"
        _event(locked, kind="terms_updated", actor=user, note=note)
        from . import tasks

        enqueue_on_commit(tasks.contract_version_render, version.pk)
    contract.refresh_from_db()
    return locked


# --- rendering ----------------------------------------------------------------------------------


def _confirmation_rows(version: ContractVersion) -> list[dict]:
    rows = []
    for c in version.confirmations.select_related("user").order_by("confirmed_at", "pk"):
        rows.append(
            {
                "side": str(Side(c.side).label),
                "party": c.party_name,
                "member": c.user.get_full_name() or c.user.get_username(),
                "at": timezone.localtime(c.confirmed_at).strftime("%Y-%m-%d %H:%M:%S"),
                "address": c.client_address or "—",
                "sha256": c.pdf_sha256,
            }
        )
    return rows


def contract_version_render(*, version_id: int) -> ContractVersion | None:
    """Render what is missing of one version: the PDF of its current terms, and once signed the
    signed PDF (the text plus the confirmations and the hash). Idempotent: a version whose PDFs
    are current is left alone; a render overtaken by a newer revision is not stored."""
    from .pdf import render_contract_pdf

    version = ContractVersion.objects.filter(pk=version_id).select_related("contract").first()
    if version is None:
        return None
    if not version.pdf_ready:
        revision, terms = version.revision, version.terms
        data = render_contract_pdf(terms=terms, kind=version.kind, title=version.title)
        with transaction.atomic():
            locked = ContractVersion.objects.select_for_update().get(pk=version.pk)
            if locked.revision == revision and not locked.pdf_ready:
                locked.pdf, locked.pdf_sha256, locked.pdf_revision = data, sha256(data), revision
                locked.save(update_fields=["pdf", "pdf_sha256", "pdf_revision"])
        version.refresh_from_db()
    if version.status == VersionStatus.SIGNED and not version.signed_pdf_sha256 and version.pdf_ready:
        data = render_contract_pdf(
            terms=version.terms,
            kind=version.kind,
            title=version.title,
            confirmations=_confirmation_rows(version),
            confirmed_sha256=version.pdf_sha256,
        )
        with transaction.atomic():
            locked = ContractVersion.objects.select_for_update().get(pk=version.pk)
            if not locked.signed_pdf_sha256:
                locked.signed_pdf, locked.signed_pdf_sha256 = data, sha256(data)
                locked.save(update_fields=["signed_pdf", "signed_pdf_sha256"])
        version.refresh_from_db()
    return version


# --- 确认签订 ------------------------------------------------------------------------------------


def contract_confirm(
    *,
    version: ContractVersion,
    user,
    pdf_sha256: str,
    client_address: str | None,
    now: datetime | None = None,
) -> Confirmation:
    """One party confirms ``version`` as shown: ``pdf_sha256`` is the hash the page showed and
    must be the hash of the version's current PDF. Refused (Chinese, nothing stored) for a
    member without the role, a second confirmation of the same side, a stale or unknown hash, a
    version already signed or withdrawn. With both sides confirmed the version is signed: the
    contract becomes 已签订 (version 1) or takes the 补充协议's changes."""
    shown = str(pdf_sha256 or "").strip().lower()
    with transaction.atomic():
        locked = ContractVersion.objects.select_for_update().select_related("contract").get(pk=version.pk)
        contract = Contract.objects.select_for_update().get(pk=locked.contract_id)
        side = party_side(contract=contract, user=user)
        if locked.status != VersionStatus.DRAFT:
            raise Conflict(f"该{locked.title}{locked.get_status_display()}，不能再确认。")
        earlier = locked.confirmations.filter(side=side).first()
        if earlier is not None:
            raise Conflict(
                f"贵方已于 {timezone.localtime(earlier.confirmed_at):%Y-%m-%d %H:%M} 确认签订，不能重复确认。"
            )
        if not locked.pdf_ready:
            raise Conflict("合同文本正在生成，请稍候刷新页面，查看最新文本后再确认。")
        if shown != locked.pdf_sha256:
            raise Conflict(
                "合同文本在您查看之后已发生变化（文件 SHA-256 不一致），本次确认未生效。请重新查看最新文本后再确认。"
            )
        party = contract.buyer_name if side == Side.BUYER else contract.seller_name
        try:
            with transaction.atomic():
                confirmation = Confirmation.objects.create(
                    version=locked,
                    side=side,
                    user=user,
                    party_name=party,
                    client_address=client_address or None,
                    pdf_sha256=locked.pdf_sha256,
                    confirmed_at=now or timezone.now(),
                )
        except IntegrityError:  # pragma: no cover - the version lock orders confirmations
            raise Conflict("贵方已确认签订，不能重复确认。") from None
        _event(
            contract,
            kind="confirmed",
            actor=user,
            note=f"{Side(side).label}确认签订{locked.title}（SHA-256 {locked.pdf_sha256}）",
        )
        if locked.confirmations.count() == 2:
            _version_signed(locked, contract=contract, actor=user, now=now or timezone.now())
        else:
            other = Side.VENDOR if side == Side.BUYER else Side.BUYER
            notify(
                contract,
                sides=(other,),
                subject=f"{Side(side).label}已确认签订{locked.title} {contract.number}",
                body=f"{party}已在线确认签订{locked.title}，请查看文本后确认签订。",
                key=f"v{locked.sequence}:confirmed:{side}",
            )
    return confirmation


def _version_signed(version: ContractVersion, *, contract: Contract, actor, now: datetime) -> None:
    version.status, version.signed_at = VersionStatus.SIGNED, now
    version.save(update_fields=["status", "signed_at"])
    if version.kind == VersionKind.ORIGINAL:
        extra = {"signed_at": now}
        if contract.is_government:
            extra["notice_due_at"] = after_workdays(now, NOTICE_WORKDAYS)
        transition(
            obj=contract,
            to=ContractStatus.SIGNED,
            allowed=CONTRACT_MOVES,
            labels=CONTRACT_LABELS,
            event_model=ContractEvent,
            event_fk="contract",
            actor=actor,
            note="双方已确认签订",
            kind="signed",
            extra_updates=extra,
        )
    else:
        values = version.terms.get("values", {})
        for key, value in values.items():
            if key == "delivery_date":
                value = date.fromisoformat(value) if value else None
            setattr(contract, key, value)
        contract.save(update_fields=[*values, "updated_at"])
        _event(
            contract, kind="supplement_signed", actor=actor, note=f"{version.title}经双方确认签订，变更生效"
        )
    notify(
        contract,
        sides=(Side.BUYER, Side.VENDOR),
        subject=f"{version.title} {contract.number} 已签订",
        body=f"{version.title}已经双方在线确认签订，签署版文本（含签署页与文件校验值）可在合同页面下载。",
        key=f"v{version.sequence}:signed",
    )
    from . import tasks

    enqueue_on_commit(tasks.contract_version_render, version.pk)


# --- 补充协议 -------------------------------------------------------------------------------------

FIELD_LABELS = {
    "payment_term_days": "付款期限（验收合格后天数）",
    "delivery_place": "交货地点",
    "delivery_date": "交货日期",
    "warranty": "质量保证",
    "acceptance_terms": "验收要求",
}


def _shown(key: str, value) -> str:
    if key == "payment_term_days":
        return f"验收合格后 {value} 日内"
    if key == "delivery_date":
        return value.isoformat() if isinstance(value, date) else (value or "按合同约定")
    return str(value or "—")


def supplement_propose(
    *,
    contract: Contract,
    user,
    payment_term_days,
    delivery_place: str,
    delivery_date: date | None,
    warranty: str,
    acceptance_terms: str,
    note: str = "",
) -> ContractVersion:
    """A 补充协议 to a signed contract: the changed terms as a new version both parties confirm.
    Either party may propose; one open proposal at a time; nothing changes until both confirm."""
    values = _checked_terms(
        payment_term_days=payment_term_days,
        delivery_place=delivery_place,
        delivery_date=delivery_date,
        warranty=warranty,
        acceptance_terms=acceptance_terms,
    )
    note = _text(note, "note", "变更说明")
    party_side(contract=contract, user=user)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.SIGNED:
            raise Conflict("合同尚未签订：签订前的修改直接在合同草稿中进行，无需补充协议。")
        if locked.versions.filter(status=VersionStatus.DRAFT).exists():
            raise Conflict("已有一份待确认的补充协议，请先确认或撤回。")
        changes = {k: v for k, v in values.items() if getattr(locked, k) != v}
        if not changes:
            raise Invalid("补充协议没有变更任何条款。")
        sequence = (locked.versions.order_by("-sequence").values_list("sequence", flat=True).first() or 1) + 1
        terms = {
            "number": locked.number,
            "supplement_number": f"{locked.number}-B{sequence - 1}",
            "order_number": locked.order.number,
            "award_reference": locked.award_reference,
            "buyer": {"name": locked.buyer_name, "uscc": locked.buyer_uscc},
            "seller": {"name": locked.seller_name, "uscc": locked.seller_uscc},
            "signed_on": timezone.localdate(locked.signed_at).isoformat() if locked.signed_at else "",
            "changes": [
                {"label": FIELD_LABELS[k], "old": _shown(k, getattr(locked, k)), "new": _shown(k, v)}
                for k, v in changes.items()
            ],
            "values": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()},
            "note": note,
            "created_on": timezone.localdate().isoformat(),
        }
        version = ContractVersion.objects.create(
            contract=locked,
            sequence=sequence,
            kind=VersionKind.SUPPLEMENT,
            terms=terms,
            created_by=user,
        )
        _event(
            locked,
            kind="supplement_proposed",
            actor=user,
            note=f"{version.title}："
            + "；".join(f"{c['label']} {c['old']} → {c['new']}" for c in terms["changes"]),
        )
        notify(
            locked,
            sides=(Side.BUYER, Side.VENDOR),
            subject=f"{version.title} {locked.number} 待确认签订",
            body="对方提出了补充协议，变更内容见合同页面；双方确认签订后生效。",
            key=f"v{version.sequence}:proposed",
        )
        from . import tasks

        enqueue_on_commit(tasks.contract_version_render, version.pk)
    return version


def supplement_withdraw(*, version: ContractVersion, user) -> ContractVersion:
    """Either party withdraws a 补充协议 not yet confirmed by both (the signed contract stands)."""
    party_side(contract=version.contract, user=user)
    with transaction.atomic():
        locked = ContractVersion.objects.select_for_update().select_related("contract").get(pk=version.pk)
        if locked.kind != VersionKind.SUPPLEMENT or locked.status != VersionStatus.DRAFT:
            raise Conflict("只有待确认的补充协议可以撤回。")
        locked.status = VersionStatus.WITHDRAWN
        locked.save(update_fields=["status"])
        _event(locked.contract, kind="supplement_withdrawn", actor=user, note=f"{locked.title}已撤回")
    return locked


# --- 合同公告 -------------------------------------------------------------------------------------


def contract_notice_publish(*, contract_id: int, now: datetime | None = None) -> "object | None":
    """The 合同公告 of one signed government contract, written once (the contract row is
    locked; a second run finds the notice and changes nothing). Only the notice's own fields:
    parties' names, items, amount, dates — no contact person, telephone or bank account."""
    from shop.notices.models import Notice, NoticeKind

    with transaction.atomic():
        contract = Contract.objects.select_for_update().filter(pk=contract_id).first()
        if contract is None or contract.status != ContractStatus.SIGNED or not contract.is_government:
            return None
        if contract.notice_id is not None:
            return contract.notice
        terms = contract.versions.get(sequence=1).terms
        signed_on = timezone.localdate(contract.signed_at)
        notice = Notice.objects.create(
            kind=NoticeKind.CONTRACT,
            project_number=contract.number,
            title=f"{contract.buyer_name}采购合同"[:120],
            unit_name=contract.buyer_name[:120],
            method=SOURCE_LABELS.get(contract.source, "")[:16],
            items=[
                {"title": r["title"], "quantity": r["quantity"], "unit": r["unit"]} for r in terms["lines"]
            ],
            supplier_name=contract.seller_name[:120],
            amount=q2(contract.order.total_incl_tax),
            reason=(
                f"合同编号 {contract.number}；成交依据 {contract.award_reference}；"
                f"签订日期 {signed_on:%Y年%m月%d日}；"
                f"付款期限 验收合格后 {contract.payment_term_days} 日内。"
            )[:300],
            published_at=now or timezone.now(),
        )
        contract.notice = notice
        contract.save(update_fields=["notice", "updated_at"])
        _event(contract, kind="notice_published", note=f"合同公告已发布（公告期限 {_due_text(contract)}）")
    return notice


def _due_text(contract: Contract) -> str:
    due = contract.notice_due_at
    return f"{timezone.localtime(due):%Y-%m-%d %H:%M}" if due else "—"


def contract_notices_publish(*, now: datetime | None = None, limit: int = 200) -> list[str]:
    """Beat: publish every signed government contract's 合同公告 not yet published. Returns the
    contract numbers published by this run (a second run publishes nothing)."""
    ids = list(
        Contract.objects.filter(status=ContractStatus.SIGNED, is_government=True, notice__isnull=True)
        .order_by("signed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = []
    for pk in ids:
        before = Contract.objects.filter(pk=pk, notice__isnull=True).exists()
        notice = contract_notice_publish(contract_id=pk, now=now)
        if notice is not None and before:
            done.append(Contract.objects.get(pk=pk).number)
    return done


# --- sweep --------------------------------------------------------------------------------------


def contracts_sweep(*, since_days: int = 30, now: datetime | None = None, limit: int = 200) -> dict:
    """Beat: nothing is lost when a hook or a task did not run. Award orders of the last
    ``since_days`` without a contract get one; versions whose PDF is missing or stale are sent
    to the renderer again."""
    from datetime import timedelta

    from django.db.models import F, Q

    from shop.buyers.services import GOVERNMENT_TYPES
    from shop.payments.models import OrderOrigin

    from . import tasks
    from .selectors import AWARD_SOURCES

    now = now or timezone.now()
    origins = (
        OrderOrigin.objects.filter(created_at__gte=now - timedelta(days=since_days))
        .filter(Q(source__in=AWARD_SOURCES) | Q(source="direct", unit__org_type__in=GOVERNMENT_TYPES))
        .filter(order__contract__isnull=True)
        .exclude(order__status__in=[ORDER_AWAITING_APPROVAL, ORDER_CANCELLED])
        .values_list("order_id", flat=True)[:limit]
    )
    created = []
    for order_id in list(origins):
        contract = contract_ensure(order_id=order_id)
        if contract is not None:
            created.append(contract.number)
    stale = list(
        ContractVersion.objects.exclude(status=VersionStatus.WITHDRAWN)
        .filter(
            Q(pdf_sha256="")
            | ~Q(pdf_revision=F("revision"))
            | Q(status=VersionStatus.SIGNED, signed_pdf_sha256="")
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in stale[:limit]:
        enqueue_on_commit(tasks.contract_version_render, pk)
    return {"created": created, "rendering": stale[:limit]}
