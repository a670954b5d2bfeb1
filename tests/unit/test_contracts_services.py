"""采购合同: every award gets exactly one draft, both parties confirm the exact PDF online, a
signed contract changes only through a 补充协议 both confirm, and a government unit's contract
is published as a 合同公告 within two working days of signing."""

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from shop.buyers.access import refusal
from shop.buyers.models import ApprovalRequest, OrgType, UnitRole
from shop.buyers.services import approval_decide
from shop.contracts import selectors, services
from shop.contracts.models import Confirmation, Contract, ContractEvent, ContractVersion
from shop.contracts.pdf import render_contract_pdf
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.workdays import CHINA
from shop.notices.models import Notice
from shop.payments.orders import order_place
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.buyers import UnitMemberFactory, make_unit
from tests.factories.payments import line_spec, unit_order, unit_world
from tests.factories.vendors import make_application

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")

SELLER_USCC = "91430100MA4L000001"


def award_order(
    *, source: str, unit=None, buyer=None, partner=None, price="11800.00", qty=2, reference="WX1"
):
    """An order placed the way each award places it (``order_place`` with its source)."""
    if partner is None:
        _vendor, partner = make_vendor_user()
    buyer = buyer or UserFactory()
    return order_place(
        user=buyer,
        lines=[line_spec(title="75 寸会议一体机", price=price, qty=qty, partner=partner)],
        source=source,
        reference=reference,
        unit=unit,
        shipping={"name": "收货人", "address": "岳麓区麓谷大道 1 号", "city": "长沙市", "province": "湖南省"},
    )


def signed_setup(
    django_capture_on_commit_callbacks,
    *,
    org_type=OrgType.PARTY_GOV,
    price="11800.00",
    seller_uscc=SELLER_USCC,
):
    """A government unit (管理员, 经办人, 审批人, 财务), an approved vendor, an awarded 询价's order
    with its contract draft rendered."""
    unit, members = make_unit(
        roles_by_name={
            "handler": [UnitRole.HANDLER.value],
            "approver": [UnitRole.APPROVER.value],
            "finance": [UnitRole.FINANCE.value],
        },
        org_type=org_type,
        org_name="长沙市数据资源局",
    )
    vendor, partner = make_vendor_user()
    make_application(
        status="approved", partner=partner, company_name="湖南湘慧科技有限公司", uscc=seller_uscc
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = award_order(
            source="sourcing", unit=unit, buyer=members["handler"].user, partner=partner, price=price
        )
    contract = Contract.objects.get(order=order)
    version = services.contract_version_render(version_id=contract.versions.get().pk)
    return {
        "unit": unit,
        "members": members,
        "vendor": vendor,
        "partner": partner,
        "order": order,
        "contract": contract,
        "version": version,
    }


def confirm(version, user, *, sha=None, now=None):
    version = ContractVersion.objects.get(pk=version.pk)
    return services.contract_confirm(
        version=version, user=user, pdf_sha256=sha or version.pdf_sha256, client_address="127.0.0.1", now=now
    )


def render(version):
    return services.contract_version_render(version_id=version.pk)


# --- one draft per award -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,org_type",
    [
        ("sourcing", OrgType.PARTY_GOV),
        ("quote", OrgType.INSTITUTION),
        ("quote", OrgType.PRIVATE),
        ("oem", OrgType.SOE),
        ("oem", None),
    ],
)
def test_each_award_source_creates_exactly_one_contract(django_capture_on_commit_callbacks, source, org_type):
    # given a buyer (of a unit of this type, or alone) and an approved vendor
    unit = make_unit(org_type=org_type, org_name="某采购单位")[0] if org_type else None
    _vendor, partner = make_vendor_user()
    make_application(
        status="approved", partner=partner, company_name="湖南湘慧科技有限公司", uscc=SELLER_USCC
    )
    # when the award's order is placed and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        order = award_order(source=source, unit=unit, partner=partner, reference="REF-1")
    # then exactly one contract draft exists, with both parties and the award it comes from
    contract = Contract.objects.get()
    assert (contract.order, contract.source, contract.award_reference, contract.status) == (
        order,
        source,
        "REF-1",
        "draft",
    )
    assert (contract.seller_name, contract.seller_uscc, contract.payment_term_days) == (
        "湖南湘慧科技有限公司",
        SELLER_USCC,
        30,
    )
    if unit is not None:
        assert (contract.buyer_name, contract.buyer_uscc) == ("某采购单位", unit.org_uscc)
    assert contract.is_government == (org_type in (OrgType.PARTY_GOV, OrgType.INSTITUTION))
    assert list(contract.versions.values_list("sequence", "kind", "status")) == [(1, "original", "draft")]
    assert selectors.order_needs_contract(order) is True
    assert selectors.contract_is_signed(order) is False
    # and ensuring it again (a hook or the sweep running twice) creates nothing more
    assert services.contract_ensure(order_id=order.pk) == contract
    assert services.contracts_sweep()["created"] == []
    assert (Contract.objects.count(), ContractVersion.objects.count()) == (1, 1)


def test_a_government_direct_order_gets_its_contract_only_once_approved(django_capture_on_commit_callbacks):
    # given a government unit's direct order over its approval threshold (待审批)
    world = unit_world()
    with django_capture_on_commit_callbacks(execute=True):
        order = unit_order(world, price="30000.00", qty=2)
    order.refresh_from_db()
    assert order.status == "待审批"
    # then it has no contract yet (the order may still be rejected), not even from the sweep
    assert Contract.objects.count() == 0
    assert services.contracts_sweep()["created"] == []
    # when the 审批人 approves
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    # then the order has exactly one contract, with the unit as the buyer
    contract = Contract.objects.get()
    assert (contract.order_id, contract.source, contract.unit, contract.is_government) == (
        order.pk,
        "direct",
        world.unit,
        True,
    )


def test_a_direct_order_under_the_threshold_gets_its_contract_when_placed(django_capture_on_commit_callbacks):
    world = unit_world()
    with django_capture_on_commit_callbacks(execute=True):
        order = unit_order(world, price="12000.00", qty=1)
    assert Contract.objects.get().order_id == order.pk


@pytest.mark.parametrize("org_type", [OrgType.SOE, OrgType.PRIVATE, None])
def test_company_basket_orders_get_no_contract(django_capture_on_commit_callbacks, org_type):
    # given a company unit's (or a lone buyer's) plain basket order
    unit = make_unit(org_type=org_type)[0] if org_type else None
    with django_capture_on_commit_callbacks(execute=True):
        order = award_order(source="direct", unit=unit)
    # then no contract is needed or made
    assert selectors.order_needs_contract(order) is False
    assert services.contract_ensure(order_id=order.pk) is None
    assert services.contracts_sweep()["created"] == []
    assert Contract.objects.count() == 0
    assert selectors.contract_is_signed(order) is False


def test_the_sweep_creates_a_contract_a_lost_hook_missed():
    # given an awarded order whose on-commit hook never ran (no callbacks executed)
    order = award_order(source="quote", unit=make_unit()[0])
    assert Contract.objects.count() == 0
    # when the sweep runs
    result = services.contracts_sweep()
    # then the contract exists, once
    contract = Contract.objects.get()
    assert (result["created"], contract.order_id) == ([contract.number], order.pk)


# --- the PDF and its hash ------------------------------------------------------------------------


def test_the_hash_is_of_the_exact_pdf_bytes_and_changes_when_the_text_changes(
    django_capture_on_commit_callbacks,
):
    s = signed_setup(django_capture_on_commit_callbacks)
    version = s["version"]
    data = bytes(version.pdf)
    # then the stored hash is the SHA-256 of the stored bytes, and rendering again is byte-identical
    assert version.pdf_sha256 == hashlib.sha256(data).hexdigest()
    again = render_contract_pdf(terms=version.terms, kind="original", title=version.title)
    assert again == data
    # and any changed byte gives another hash
    changed = data[:500] + bytes([data[500] ^ 1]) + data[501:]
    assert hashlib.sha256(changed).hexdigest() != version.pdf_sha256
    # when the buyer changes a term before anyone confirmed
    services.contract_terms_update(
        contract=s["contract"],
        user=s["members"]["handler"].user,
        payment_term_days=45,
        delivery_place="长沙市岳麓区麓谷大道 1 号",
        delivery_date=date(2027, 1, 15),
        warranty=services.DEFAULT_WARRANTY,
        acceptance_terms=services.DEFAULT_ACCEPTANCE,
    )
    stale = ContractVersion.objects.get(pk=version.pk)
    assert (stale.revision, stale.pdf_ready) == (2, False)
    # then a confirmation before the new text is rendered is refused, nothing stored
    with pytest.raises(Conflict) as exc:
        confirm(stale, s["vendor"], sha=version.pdf_sha256)
    assert exc.value.message == "合同文本正在生成，请稍候刷新页面，查看最新文本后再确认。"
    fresh = render(stale)
    assert fresh.pdf_sha256 != version.pdf_sha256
    assert fresh.pdf_sha256 == hashlib.sha256(bytes(fresh.pdf)).hexdigest()
    # and the confirmation of the hash the page showed before the change is refused
    with pytest.raises(Conflict) as exc:
        confirm(fresh, s["vendor"], sha=version.pdf_sha256)
    assert exc.value.message == (
        "合同文本在您查看之后已发生变化（文件 SHA-256 不一致），本次确认未生效。请重新查看最新文本后再确认。"
    )
    assert Confirmation.objects.count() == 0
    # while the current hash is accepted, recording member, address and hash
    c = confirm(fresh, s["vendor"], sha=fresh.pdf_sha256.upper())
    assert (c.side, c.user, c.client_address, c.pdf_sha256, c.party_name) == (
        "vendor",
        s["vendor"],
        "127.0.0.1",
        fresh.pdf_sha256,
        "湖南湘慧科技有限公司",
    )


# --- who confirms, and how often -----------------------------------------------------------------


def test_a_member_without_the_role_cannot_confirm_and_outsiders_do_not_find_it(
    django_capture_on_commit_callbacks,
):
    s = signed_setup(django_capture_on_commit_callbacks)
    version = s["version"]
    for name in ("approver", "finance"):
        with pytest.raises(PermissionDenied) as exc:
            confirm(version, s["members"][name].user)
        assert (
            exc.value.message
            == refusal("contracts.confirm")
            == "只有本单位的管理员、经办人可以确认签订本单位的采购合同。"
        )
    outsider = UnitMemberFactory(unit=make_unit()[0], roles=["admin", "handler"]).user
    other_vendor, _p = make_vendor_user()
    for user in (outsider, other_vendor, UserFactory()):
        with pytest.raises(NotFound):
            confirm(version, user)
    assert Confirmation.objects.count() == 0
    # the unit's 管理员 may (as its 经办人)
    assert confirm(version, s["members"]["admin"].user).side == "buyer"


def test_a_second_confirmation_of_the_same_side_is_refused(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks)
    at = datetime(2026, 12, 4, 10, 0, tzinfo=CHINA)
    confirm(s["version"], s["members"]["handler"].user, now=at)
    # when another member of the unit (or the same one) confirms again
    for user in (s["members"]["handler"].user, s["members"]["admin"].user):
        with pytest.raises(Conflict) as exc:
            confirm(s["version"], user)
        assert exc.value.message == "贵方已于 2026-12-04 10:00 确认签订，不能重复确认。"
    # then one confirmation stays, and the contract is still a draft
    assert Confirmation.objects.count() == 1
    assert Contract.objects.get().status == "draft"


def test_payment_term_over_60_or_under_1_is_refused_and_31_to_60_needs_the_vendor(
    django_capture_on_commit_callbacks,
):
    s = signed_setup(django_capture_on_commit_callbacks)
    handler = s["members"]["handler"].user
    kwargs = {
        "delivery_place": "长沙",
        "delivery_date": None,
        "warranty": "12 个月",
        "acceptance_terms": "按国家标准验收",
    }
    for bad in (61, 0, "abc", -5):
        with pytest.raises(Invalid) as exc:
            services.contract_terms_update(
                contract=s["contract"], user=handler, payment_term_days=bad, **kwargs
            )
        assert exc.value.message in (
            "付款期限须在 1 至 60 日之间：按《保障中小企业款项支付条例》，验收合格后付款期限最长不得超过 60 日。",
            "付款期限须填写天数（整数）。",
        )
    assert Contract.objects.get().payment_term_days == 30
    assert ContractVersion.objects.get().revision == 1
    # the vendor does not set the terms
    with pytest.raises(PermissionDenied):
        services.contract_terms_update(
            contract=s["contract"], user=s["vendor"], payment_term_days=45, **kwargs
        )
    # the buyer proposes 60 days; the vendor's confirmation of that text is the agreement
    services.contract_terms_update(contract=s["contract"], user=handler, payment_term_days=60, **kwargs)
    version = render(s["version"])
    assert version.terms["payment_term_days"] == 60
    confirm(version, s["vendor"])
    # once anyone confirmed, the text is fixed
    with pytest.raises(Conflict) as exc:
        services.contract_terms_update(contract=s["contract"], user=handler, payment_term_days=30, **kwargs)
    assert exc.value.message == "已有一方确认签订，合同内容不能再修改；如需变更，请在签订后签订补充协议。"
    confirm(version, handler)
    contract = Contract.objects.get()
    assert (contract.status, contract.payment_term_days) == ("signed", 60)


# --- signed, immutable, 补充协议 ------------------------------------------------------------------


def test_signed_is_immutable_and_a_supplement_needs_both(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks)
    handler, vendor = s["members"]["handler"].user, s["vendor"]
    confirm(s["version"], handler)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        confirm(s["version"], vendor)
    contract = Contract.objects.get()
    assert contract.status == "signed" and contract.signed_at is not None
    assert selectors.contract_is_signed(s["order"]) is True
    assert (
        ContractEvent.objects.filter(
            contract=contract, kind="signed", from_status="draft", to_status="signed"
        ).count()
        == 1
    )
    renders = [
        c for c in callbacks if getattr(c, "task_name", "") == "shop.contracts.tasks.contract_version_render"
    ]
    assert len(renders) == 1  # the signed PDF is rendered by the task
    original = render(s["version"])
    pdf, sha = bytes(original.pdf), original.pdf_sha256
    assert original.signed_pdf_sha256 == hashlib.sha256(bytes(original.signed_pdf)).hexdigest()
    kwargs = {
        "delivery_place": contract.delivery_place,
        "delivery_date": contract.delivery_date,
        "warranty": contract.warranty,
        "acceptance_terms": contract.acceptance_terms,
    }
    # then the terms cannot change any more, nor be confirmed again
    with pytest.raises(Conflict) as exc:
        services.contract_terms_update(contract=contract, user=handler, payment_term_days=45, **kwargs)
    assert exc.value.message == "合同已签订，内容不能再修改；如需变更，请签订补充协议。"
    with pytest.raises(Conflict) as exc:
        confirm(original, handler)
    assert exc.value.message == "该采购合同已签订，不能再确认。"
    # a supplement that changes nothing is refused; a term over 60 too
    with pytest.raises(Invalid):
        services.supplement_propose(contract=contract, user=handler, payment_term_days=30, **kwargs)
    with pytest.raises(Invalid):
        services.supplement_propose(contract=contract, user=handler, payment_term_days=61, **kwargs)
    # when the buyer proposes a 补充协议 (45 days) and only the buyer confirms
    supplement = render(
        services.supplement_propose(
            contract=contract, user=handler, payment_term_days=45, note="资金拨付周期", **kwargs
        )
    )
    assert (supplement.sequence, supplement.kind, supplement.terms["changes"]) == (
        2,
        "supplement",
        [{"label": "付款期限（验收合格后天数）", "old": "验收合格后 30 日内", "new": "验收合格后 45 日内"}],
    )
    with pytest.raises(Conflict):
        services.supplement_propose(contract=contract, user=vendor, payment_term_days=50, **kwargs)
    confirm(supplement, handler)
    # then nothing changed yet
    assert Contract.objects.get().payment_term_days == 30
    # when the vendor confirms too
    confirm(supplement, vendor)
    # then the contract's term is 45 days, and the signed contract's PDF is the same bytes
    contract = Contract.objects.get()
    assert (contract.status, contract.payment_term_days) == ("signed", 45)
    original = ContractVersion.objects.get(pk=original.pk)
    assert (bytes(original.pdf), original.pdf_sha256, original.status) == (pdf, sha, "signed")
    assert ContractVersion.objects.get(pk=supplement.pk).status == "signed"


def test_a_supplement_can_be_withdrawn_before_both_confirmed(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks)
    confirm(s["version"], s["members"]["handler"].user)
    confirm(s["version"], s["vendor"])
    c = Contract.objects.get()
    kwargs = {
        "delivery_place": "株洲",
        "delivery_date": c.delivery_date,
        "warranty": c.warranty,
        "acceptance_terms": c.acceptance_terms,
    }
    supplement = services.supplement_propose(contract=c, user=s["vendor"], payment_term_days=30, **kwargs)
    services.supplement_withdraw(version=supplement, user=s["members"]["handler"].user)
    render(supplement)
    with pytest.raises(Conflict):
        confirm(supplement, s["vendor"])
    assert Contract.objects.get().delivery_place == c.delivery_place


# --- 合同公告 -------------------------------------------------------------------------------------


def sign(s, *, at):
    confirm(s["version"], s["members"]["handler"].user, now=at)
    confirm(s["version"], s["vendor"], now=at)
    return Contract.objects.get()


@pytest.mark.parametrize(
    "signed,due",
    [
        # the eve of 国庆 2026: the holiday (10-01..10-07) does not count
        (datetime(2026, 9, 30, 10, 0, tzinfo=CHINA), datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)),
        # a Friday afternoon: the weekend does not count
        (datetime(2026, 12, 4, 16, 30, tzinfo=CHINA), datetime(2026, 12, 8, 16, 30, tzinfo=CHINA)),
    ],
)
def test_the_contract_notice_is_due_within_two_working_days_and_published_once(
    django_capture_on_commit_callbacks, signed, due
):
    s = signed_setup(django_capture_on_commit_callbacks)
    contract = sign(s, at=signed)
    # then the notice is due two working days after signing
    assert contract.notice_due_at == due
    # when the scheduled task runs (the first working day after), twice
    first = services.contract_notices_publish(now=signed.replace(hour=23, minute=0))
    second = services.contract_notices_publish(now=due)
    # then one 合同公告 is published, before it is due, and the second run changes nothing
    notice = Notice.objects.get()
    assert (first, second) == ([contract.number], [])
    assert (notice.kind, notice.project_number, notice.unit_name, notice.supplier_name, notice.amount) == (
        "contract",
        contract.number,
        "长沙市数据资源局",
        "湖南湘慧科技有限公司",
        Decimal("23600.00"),
    )
    assert notice.published_at <= contract.notice_due_at
    assert Contract.objects.get().notice == notice
    assert notice.items == [{"title": "75 寸会议一体机", "quantity": 2, "unit": "台"}]


def test_a_contract_notice_never_contains_a_bank_account_or_phone(django_capture_on_commit_callbacks):
    # given the unit has a bank account and a phone on file, and the order a phone for delivery
    s = signed_setup(django_capture_on_commit_callbacks)
    unit = s["unit"]
    unit.invoice_bank, unit.invoice_account, unit.invoice_phone = (
        "中国建设银行长沙麓谷支行",
        "43050175380000000001",
        "0731-88886666",
    )
    unit.save()
    s["order"].shipping_address.phone_number = "+8613800138000"
    s["order"].shipping_address.save()
    sign(s, at=datetime(2026, 12, 4, 10, 0, tzinfo=CHINA))
    services.contract_notices_publish()
    notice = Notice.objects.get()
    text = " ".join(str(getattr(notice, f.attname)) for f in Notice._meta.fields)
    for secret in ("43050175380000000001", "建设银行", "0731", "13800138000", "88886666"):
        assert secret not in text


def test_a_company_contract_gets_no_notice(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks, org_type=OrgType.SOE)
    contract = sign(s, at=datetime(2026, 12, 4, 10, 0, tzinfo=CHINA))
    assert contract.notice_due_at is None
    assert services.contract_notices_publish() == []
    assert Notice.objects.count() == 0


def test_accepting_a_quote_through_the_quotes_service_creates_one_contract(
    django_capture_on_commit_callbacks,
):
    from datetime import timedelta

    from django.utils import timezone

    from shop.quotes import services as quotes
    from shop.quotes.services import PriceInput
    from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

    # given a buyer's 询价 answered by a vendor
    partner, vendor_user = make_vendor("星城科技")
    product = stocked_product(vendors=[(partner, "11800.00")], title="75 寸会议一体机")
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 2)]))
    vq = qr.vendor_quotes.get()
    vq = quotes.vendor_quote_answer(
        vendor_quote=vq,
        actor=vendor_user,
        prices={vq.lines.get().pk: PriceInput(Decimal("11000.00"), Decimal("0.13"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=15),
        terms="",
    )
    # when the buyer accepts it
    with django_capture_on_commit_callbacks(execute=True):
        order = quotes.vendor_quote_accept(vendor_quote=vq, actor=buyer, revision=vq.revision)
    # then the order has exactly one contract: the request's organisation and the vendor
    contract = Contract.objects.get()
    qr.refresh_from_db()
    assert (contract.order, contract.source, contract.award_reference, contract.partner) == (
        order,
        "quote",
        qr.number,
        partner,
    )
    assert (contract.buyer_name, contract.buyer_uscc) == (qr.org_name, qr.org_uscc)
    assert (contract.delivery_place, contract.delivery_date) == (qr.delivery_address, qr.needed_by)
    assert ContractVersion.objects.get().terms["total_upper"] == "贰万贰仟元整"


def test_the_parties_are_told_when_the_draft_is_ready_when_the_other_confirmed_and_when_signed(
    django_capture_on_commit_callbacks,
):
    from shop.core.models import OutboundEmail

    Notification = get_model("communication", "Notification")
    s = signed_setup(django_capture_on_commit_callbacks)
    number = s["contract"].number
    members = s["members"]
    # the draft: the unit's members who may confirm (管理员, 经办人) and the vendor's users
    drafted = f"采购合同 {number} 待确认签订"
    assert set(Notification.objects.filter(subject=drafted).values_list("recipient", flat=True)) == {
        members["admin"].user.pk,
        members["handler"].user.pk,
        s["vendor"].pk,
    }
    assert OutboundEmail.objects.filter(subject=f"【湘慧商城】{drafted}").count() == 2  # one per side
    # the buyer confirms: the vendor is told
    confirm(s["version"], members["handler"].user)
    told = Notification.objects.get(subject=f"甲方（采购人）已确认签订采购合同 {number}")
    assert told.recipient == s["vendor"]
    # both confirmed: both sides are told once
    confirm(s["version"], s["vendor"])
    assert Notification.objects.filter(subject=f"采购合同 {number} 已签订").count() == 3
    assert OutboundEmail.objects.filter(subject=f"【湘慧商城】采购合同 {number} 已签订").count() == 2
