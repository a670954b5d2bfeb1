"""Chromium: a buying unit buys as a team. The 经办人 builds a 询价单 and accepts an offer over
¥50,000 → it waits for the 审批人, who approves → the order is placed for the unit → the 财务
sees it due on the 单位工作台. Then the rejection path: a second acceptance is rejected and the
budget it held is released. A real Celery worker routes the requests in between."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from shop.buyers import services as unit_services
from shop.buyers.models import ApprovalRequest, BudgetLine
from shop.quotes import services as quote_services
from shop.quotes.models import QuoteRequest, VendorQuote
from shop.quotes.services import PriceInput
from tests.conftest import wait_until
from tests.factories.buyers import make_unit
from tests.factories.quotes import make_vendor, stocked_product, submit_request
from tests.factories.vendors import make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _answer(vq, vendor_user, price):
    line = vq.lines.get()
    quote_services.vendor_quote_answer(
        vendor_quote=vq,
        actor=vendor_user,
        prices={line.pk: PriceInput(Decimal(price), Decimal("0.13"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=15),
    )


def _member_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    _log_in(context, user, live_server.url)
    return context, context.new_page()


def _contract_signed_delivered_accepted(order, *, handler, vendor_user):
    """The steps between the award and the payable, through their services (their own pages
    are tested in the contracts and fulfilment tests)."""
    from shop.contracts.models import ContractVersion
    from shop.contracts.services import contract_confirm, contract_version_render
    from shop.fulfilment.services import acceptance_record, delivery_record

    wait_until(lambda: ContractVersion.objects.filter(contract__order=order).exists(), timeout=40)
    version = ContractVersion.objects.get(contract__order=order)
    contract_version_render(version_id=version.pk)
    version.refresh_from_db()
    for user in (handler, vendor_user):
        contract_confirm(
            version=version, user=user, pdf_sha256=version.pdf_sha256, client_address="127.0.0.1"
        )
    line = order.lines.get()
    delivery_record(
        order=order,
        line_id=line.pk,
        actor=vendor_user,
        kind="shipment",
        quantity=line.quantity,
        carrier="顺丰速运",
        tracking_number="SF1234567890",
    )
    acceptance_record(order=order, line_id=line.pk, actor=handler, quantity=line.quantity, result="passed")
    order.refresh_from_db()
    assert order.status == "待付款"


def test_handler_accepts_approver_approves_finance_sees_it_due_and_a_rejection_releases_the_budget(
    page, browser, live_server, celery_worker
):
    # given a government unit (one approval from ¥50,000 by default) with four members and a
    # budget line of ¥200,000, and a vendor stocking a conference panel at ¥29,800
    unit, m = make_unit(
        roles_by_name={"handler": ["handler"], "approver": ["approver"], "finance": ["finance"]},
        org_name="长沙市示范局",
    )
    unit_services.approval_rules_default(unit=unit)
    line = BudgetLine.objects.create(
        unit=unit,
        name="会议室改造",
        year=timezone.localdate().year,
        amount=Decimal("200000.00"),
        fund_nature="fiscal",
    )
    (partner, vendor_user), (other, _u) = make_vendor("星城科技"), make_vendor("麓谷电子")
    product = stocked_product(vendors=[(partner, "29800.00"), (other, "30500.00")], title="86 寸会议平板")
    handler, approver, finance = m["handler"].user, m["approver"].user, m["finance"].user
    _log_in(page.context, handler, live_server.url)
    page.on("dialog", lambda dialog: dialog.accept())

    # when the 经办人 puts two panels on the 询价单 and submits it against the budget line
    page.goto(product.get_absolute_url())
    page.fill(f"#quote-qty-{product.pk}", "2")
    _go(page, "#add-to-quote")
    _go(page, "#quote-list-link")
    _go(page, "#quote-list-submit")
    page.fill("#id_org_name", "长沙市示范局")
    page.fill("#id_org_uscc", make_uscc())
    page.select_option("#id_org_type", "party_gov")
    page.fill("#id_province", "湖南省")
    page.fill("#id_city", "长沙市")
    page.fill("#id_contact_name", "李经办")
    page.fill("#id_contact_mobile", "13907310002")
    page.fill("#id_contact_email", "li@example.com")
    page.fill("#id_delivery_region", "湖南省长沙市岳麓区")
    page.fill("#id_delivery_address", "麓山南路 1 号")
    page.fill("#id_needed_by", (timezone.localdate() + timedelta(days=20)).isoformat())
    page.select_option("#id_budget_line", str(line.pk))
    _go(page, "#quote-submit-button")
    body = page.inner_text("body")
    assert "已提交成功" in body, body[:2000]
    qr = QuoteRequest.objects.get(unit=unit)

    # the worker routes it; the vendor answers ¥29,000 a panel (¥58,000 in all)
    wait_until(lambda: VendorQuote.objects.filter(request=qr, status="indicative").count() == 2, timeout=40)
    vq = VendorQuote.objects.get(request=qr, partner=partner)
    _answer(vq, vendor_user, "29000.00")

    # and the 经办人 accepts it on the request page
    page.goto(f"/quotes/{qr.number}/")
    _go(page, f"[data-accept='{vq.pk}']")
    # then it waits for approval: no order yet, the budget holds ¥58,000
    assert "审批中" in page.inner_text("#quote-approval")
    qr.refresh_from_db()
    assert qr.order_id is None
    line.refresh_from_db()
    assert (line.committed, line.spent) == (Decimal("58000.00"), Decimal("0.00"))
    approval = ApprovalRequest.objects.get(kind="quote", subject_id=vq.pk)

    # when the 审批人 opens it from the 单位工作台 and approves
    approver_context, approver_page = _member_page(browser, live_server, approver)
    try:
        approver_page.goto("/buyers/unit/")
        assert approval.number in approver_page.inner_text("#unit-to-approve")
        _go(approver_page, f"#unit-to-approve a[href$='/{approval.number}/']")
        assert approver_page.inner_text("#snapshot-total") == "¥58,000.00"
        approver_page.check("#decide-form input[value='approve']")
        _go(approver_page, "#decide-submit")
        assert "审批通过" in approver_page.inner_text("body")
    finally:
        approver_context.close()

    # then the order is placed for the unit at the quoted price
    qr.refresh_from_db()
    assert qr.status == "ordered"
    order = qr.order
    assert (order.total_incl_tax, order.origin.unit_id) == (Decimal("58000.00"), unit.pk)

    # and, a government unit paying after 履约验收, nothing is due yet: the order is 履约中
    assert order.status == "履约中"
    finance_context, finance_page = _member_page(browser, live_server, finance)
    try:
        finance_page.goto("/buyers/unit/")
        assert order.number not in finance_page.inner_text("body")
        # when both parties confirm the contract, the vendor delivers and the 经办人 accepts
        _contract_signed_delivered_accepted(order, handler=handler, vendor_user=vendor_user)
        # then the 财务 sees it due on the 单位工作台
        finance_page.goto("/buyers/unit/")
        due = finance_page.inner_text("#unit-to-pay")
        assert order.number in due and "¥58,000.00" in due
    finally:
        finance_context.close()

    # --- the rejection path: a second request accepted by the 经办人, rejected by the 审批人
    qr2 = submit_request(buyer=handler, lines=[(product, 2)], budget_line=line)
    wait_until(lambda: VendorQuote.objects.filter(request=qr2, status="indicative").count() == 2, timeout=40)
    vq2 = VendorQuote.objects.get(request=qr2, partner=partner)
    _answer(vq2, vendor_user, "28500.00")
    page.goto(f"/quotes/{qr2.number}/")
    _go(page, f"[data-accept='{vq2.pk}']")
    line.refresh_from_db()
    assert line.committed == Decimal("115000.00")  # 58,000 of the unpaid first order + 57,000 waiting
    approval2 = ApprovalRequest.objects.get(kind="quote", subject_id=vq2.pk)
    approver_context, approver_page = _member_page(browser, live_server, approver)
    try:
        approver_page.goto(f"/buyers/unit/approvals/{approval2.number}/")
        approver_page.check("#decide-form input[value='reject']")
        approver_page.fill("#decide-form textarea[name='comment']", "价格高于本年度同类采购，请重新比价")
        _go(approver_page, "#decide-submit")
        assert "已驳回" in approver_page.inner_text("body")
    finally:
        approver_context.close()
    # then the request is back to 已报价 and the line holds only the first order again
    qr2.refresh_from_db()
    line.refresh_from_db()
    assert qr2.status == "quoted"
    assert (line.committed, line.spent) == (Decimal("58000.00"), Decimal("0.00"))
    page.goto(f"/buyers/unit/budgets/{line.pk}/")
    assert "¥142,000.00" in page.inner_text("body")  # available: 200,000 − 58,000
    assert page.js_errors == []
