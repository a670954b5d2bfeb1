"""Chromium, from a service package's product page to each end state: a unit's 经办人 applies
for 规划融资 (a refused amount first) and the operator and the vendor take it to 已推荐至金融机构;
a company's 自由职业 settlement enquiry (a bad date first) is answered by the vendor and accepted;
a buyer books a 预约咨询 call-back (a bad number first) that the operator answers; a company
applies as a 合作伙伴 and, once the operator approves it, is listed on its region's public page.
Every service page shows the hotline from the settings."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from shop.callbacks.models import CallbackRequest
from shop.financing.models import FinancingApplication
from shop.partners.models import PartnerApplication
from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory
from tests.factories.services import PDF, financing_world, package

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HOTLINE = "0731-00000000"  # a placeholder, set for the test


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _context(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    _log_in(context, user, live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return context, page


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_a_financing_application_from_the_product_page_to_recommended(
    page, browser, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MALL_HOTLINE = HOTLINE
    product, _partner, vendor, _unit, members = financing_world()
    handler = members["handler"].user
    operator = OperatorFactory()
    _log_in(page.context, handler, live_server.url)
    # given the 经办人 on the package's page: the hotline and 申请融资 are there
    page.goto(product.get_absolute_url())
    expect(page.locator("#service-hotline")).to_have_text(HOTLINE)
    _go(page, "#financing-apply-link")
    expect(page.locator("#financing-rate-note")).to_contain_text("年利息以银行当期为准")
    # when they fill the application with ¥9,999,999
    page.fill("#id_project_name", "岳麓区智慧城市一期")
    page.check("input[name='project_type'][value='ppp']")
    page.select_option("#id_region", "长沙市/岳麓区")
    page.fill("#id_amount", "9999999")
    page.fill("#id_term_months", "36")
    page.fill("#id_purpose", "城市运行管理平台建设")
    page.fill("#id_contact_name", "王经办")
    page.fill("#id_contact_phone", "13812345678")
    page.set_input_files("#id_document_approval", files=[_pdf("立项批复.pdf")])
    page.set_input_files("#id_document_feasibility", files=[_pdf("可研报告.pdf")])
    _go(page, "#financing-submit")
    # then it is refused in Chinese next to the amount and nothing is stored
    expect(page.locator("#financing-form")).to_contain_text(
        "申请金额须在 ¥10,000,000.00 至 ¥1,000,000,000.00 之间（本服务包的融资额度），当前为 ¥9,999,999.00。"
    )
    assert FinancingApplication.objects.count() == 0
    # when they correct the amount (the files are chosen again) and submit
    page.fill("#id_amount", "50000000")
    page.set_input_files("#id_document_approval", files=[_pdf("立项批复.pdf")])
    page.set_input_files("#id_document_feasibility", files=[_pdf("可研报告.pdf")])
    _go(page, "#financing-submit")
    # then the application is 已提交 with its two documents
    expect(page.locator("#financing-status")).to_have_text("已提交")
    expect(page.locator("#financing-amount")).to_have_text("¥50,000,000.00")
    expect(page.locator("#financing-documents li")).to_have_count(2)
    application = FinancingApplication.objects.get()
    # when the operator starts the review and the package's vendor recommends it
    for user, move, shown in ((operator, "review", "初审"), (vendor, "recommended", "已推荐至金融机构")):
        context, handler_page = _context(browser, live_server, user)
        try:
            handler_page.goto(f"/dashboard/financing/{application.number}/")
            expect(handler_page.locator("#financing-facts")).to_contain_text("岳麓区智慧城市一期")
            handler_page.fill("#financing-note", "材料齐全")
            _go(handler_page, f"#financing-move-{move}")
            expect(handler_page.locator("#financing-status")).to_have_text(shown)
            assert handler_page.js_errors == []
        finally:
            context.close()
    # then the 经办人 sees 已推荐至金融机构 and the steps in the record
    page.reload()
    expect(page.locator("#financing-status")).to_have_text("已推荐至金融机构")
    expect(page.locator("#financing-events li")).to_have_count(3)
    application.refresh_from_db()
    assert application.status == "recommended"
    assert page.js_errors == []


def test_a_call_back_booked_from_a_service_page_and_answered(page, browser, live_server, settings):
    settings.MALL_HOTLINE = HOTLINE
    product = package("consulting-service", title="政企咨询服务包", partner=PartnerFactory(name="咨询机构"))
    buyer = UserFactory(username="callback-buyer", first_name="李")
    operator = OperatorFactory()
    _log_in(page.context, buyer, live_server.url)
    # given the buyer on a consulting package's page
    page.goto(product.get_absolute_url())
    expect(page.locator("#service-hotline")).to_have_text(HOTLINE)
    _go(page, "#callback-book-link")
    # when they book with a number that is not one
    page.fill("#id_name", "李女士")
    page.fill("#id_phone", "1381234567")
    page.check("input[name='window'][value='afternoon']")
    _go(page, "#callback-submit")
    # then it is refused and nothing is stored
    expect(page.locator("#callback-form")).to_contain_text("请输入有效的电话号码")
    assert CallbackRequest.objects.count() == 0
    # when they correct it
    page.fill("#id_phone", "138 1234 5678")
    page.check("input[name='window'][value='afternoon']")
    _go(page, "#callback-submit")
    # then their list shows it waiting, with the number masked
    callback = CallbackRequest.objects.get()
    row = page.locator(f"#callback-{callback.number}")
    expect(row.locator(".callback-phone")).to_have_text("138****5678")
    expect(row.locator(".callback-status")).to_have_text("待回电")
    assert "13812345678" not in page.content()
    # when the operator opens the waiting call-backs: the full number, and records the call
    context, op_page = _context(browser, live_server, operator)
    try:
        op_page.goto("/dashboard/callbacks/")
        op_row = op_page.locator(f"#callback-{callback.number}")
        expect(op_row.locator(".callback-phone")).to_have_text("13812345678")
        op_row.locator("input[name='note']").fill("已回电，约定下周面谈")
        with op_page.expect_navigation():
            op_row.locator(".callback-answer").click()
        expect(op_page.locator(f"#callback-{callback.number}")).to_have_count(0)  # no longer waiting
        assert op_page.js_errors == []
    finally:
        context.close()
    # then the buyer sees it answered
    page.reload()
    expect(page.locator(f"#callback-{callback.number} .callback-status")).to_contain_text("已回电")
    assert page.js_errors == []


def test_a_partner_application_approved_and_listed_on_its_region(page, browser, live_server, settings):
    settings.MALL_HOTLINE = HOTLINE
    product = package("settlement-service", title="自由职业服务包", partner=PartnerFactory(name="结算机构"))
    applicant = UserFactory(username="partner-applicant")
    operator = OperatorFactory()
    _log_in(page.context, applicant, live_server.url)
    # given a company on a service package's page, following "诚邀各行业及市县区合作伙伴"
    page.goto(product.get_absolute_url())
    _go(page, "#service-contact >> text=诚邀各行业及市县区合作伙伴")
    _go(page, "#partners-apply-link")
    # when it applies for 醴陵市 of 株洲市
    page.fill("#id_company_name", "醴陵智联科技有限公司")
    page.fill("#id_uscc", "91430200MA4L00001P")
    page.select_option("#id_region", "株洲市/醴陵市")
    page.select_option("#id_industry", "gov_it")
    page.fill("#id_resources", "醴陵市政务信息化实施与运维团队")
    page.fill("#id_contact_name", "赵经理")
    page.fill("#id_contact_phone", "0731-23456789")
    _go(page, "#partner-submit")
    # then it waits for review and is not listed yet
    expect(page.locator("#partner-applications .partner-status")).to_have_text("待审核")
    application = PartnerApplication.objects.get()
    public = Client().get("/partners/region/430200/").content.decode()
    assert "醴陵智联科技有限公司" not in public
    # when the operator approves it
    context, op_page = _context(browser, live_server, operator)
    try:
        op_page.goto("/dashboard/partner-applications/")
        _go(op_page, f"text={application.number}")
        _go(op_page, "#partner-approve")
        expect(op_page.locator("#partner-status")).to_have_text("已通过")
    finally:
        context.close()
    # then anyone sees it on the 株洲市 page, under 醴陵市, without the contact person or phone
    anonymous = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        visitor = anonymous.new_page()
        visitor.goto("/partners/")
        _go(visitor, "#region-430200 >> text=株洲市")
        table = visitor.locator("#region-partners")
        expect(table).to_contain_text("醴陵智联科技有限公司")
        expect(table).to_contain_text("醴陵市")
        expect(table).not_to_contain_text("赵经理")
        expect(table).not_to_contain_text("23456789")
    finally:
        anonymous.close()
    assert page.js_errors == []


def test_a_freelance_settlement_enquiry_from_the_product_page_answered_and_accepted(
    page, browser, live_server, settings, celery_worker
):
    # given the 自由职业服务包 of a settlement vendor (a user of it) and a company's buyer
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from shop.quotes.models import QuoteRequest, VendorQuote
    from tests.conftest import wait_until
    from tests.factories.accounts import make_vendor_user
    from tests.factories.vendors import make_uscc

    settings.MALL_HOTLINE = HOTLINE
    partner = PartnerFactory(name="湘江灵活用工（测试）")
    vendor, _p = make_vendor_user(partner=partner)
    product = package("settlement-service", title="自由职业服务包", partner=partner)
    buyer = UserFactory(email="hr@example.com")
    _log_in(page.context, buyer, live_server.url)
    # when the buyer opens the package and its 结算咨询 form: the page says the mall pays no one
    page.goto(product.get_absolute_url())
    expect(page.locator("#service-hotline")).to_have_text(HOTLINE)
    _go(page, "#freelance-enquiry-link")
    expect(page.locator("body")).to_contain_text("本商城只撮合咨询，不代收代付任何款项。")
    # and submits 35 people, ¥280,000 a month, 教育培训, 专票 — first with a start date of today
    page.fill("#id_people", "35")
    page.fill("#id_monthly_amount", "280000")
    page.fill("#id_industry", "教育培训")
    page.check("input[name='invoice_need'][value='special']")
    page.fill("#id_start_date", timezone.localdate().isoformat())
    page.fill("#id_description", "讲师课酬按月结算")
    page.fill("#id_org_name", "长沙星城教育科技有限公司")
    page.fill("#id_org_uscc", make_uscc())
    page.select_option("#id_org_type", "private")
    page.fill("#id_province", "湖南省")
    page.fill("#id_city", "长沙市")
    page.fill("#id_contact_name", "周经理")
    page.fill("#id_contact_mobile", "13907310002")
    page.fill("#id_contact_email", "hr@example.com")
    page.fill("#id_invoice_title", "长沙星城教育科技有限公司")
    _go(page, "#freelance-submit")
    # then it is refused in Chinese and nothing is stored
    expect(page.locator("#freelance-form")).to_contain_text("期望开始日期必须晚于今天。")
    assert QuoteRequest.objects.count() == 0
    # when the date is corrected, then it is submitted as a request to the vendor
    page.fill("#id_start_date", (timezone.localdate() + timedelta(days=10)).isoformat())
    _go(page, "#freelance-submit")
    qr = QuoteRequest.objects.get(buyer=buyer)
    assert "结算人数：35 人；月结算总额：¥280,000.00；所属行业：教育培训；发票需求：" in qr.remark
    wait_until(lambda: VendorQuote.objects.filter(request=qr, partner=partner).exists(), timeout=40)
    vq = VendorQuote.objects.get(request=qr, partner=partner)
    # when the vendor answers it in its dashboard with a monthly service fee
    context, vendor_page = _context(browser, live_server, vendor)
    try:
        vendor_page.goto("/dashboard/quotes/")
        _go(vendor_page, f"text={qr.number}")
        _go(vendor_page, f"#answer-{vq.pk}")
        vendor_page.fill(f"#id_price_{vq.lines.get().pk}", "8400.00")
        vendor_page.fill("#id_lead_time_days", "5")
        vendor_page.fill("#id_valid_until", (timezone.localdate() + timedelta(days=15)).isoformat())
        vendor_page.fill("#id_terms", "服务费按月结算，含个税代报")
        _go(vendor_page, "#vendor-answer-submit")
        assert vendor_page.js_errors == []
    finally:
        context.close()
    # then the buyer sees the answer and accepts it: an order of the vendor's service
    page.goto(f"/quotes/{qr.number}/")
    expect(page.locator("#quote-compare")).to_contain_text("¥8,400.00")
    page.on("dialog", lambda dialog: dialog.accept())  # 确认接受该报价并生成订单？
    _go(page, f"[data-accept='{vq.pk}']")
    qr.refresh_from_db()
    assert qr.status == "ordered"
    assert list(qr.order.lines.values_list("partner_id", "line_price_incl_tax")) == [
        (partner.pk, Decimal("8400.00"))
    ]
