"""Chromium, 人才开发外包 from the product page to a month's payable: the unit's 经办人 requests
developers (a refused month count first), the vendor proposes rates and named profiles with
CVs (a rate below its 起价 refused first), the 经办人 reads a CV and accepts the profiles, the
contract is confirmed (through its services, its pages are tested elsewhere), the first month
is reported with an absence and accepted, and its payable is due by the contract's term."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from shop.outsourcing import pricing
from shop.outsourcing.models import OutsourcingRequest, Proposal, WorkReport
from shop.payments.services import payment_due_date
from tests.factories.outsourcing import PDF, outsourcing_world, sign_contract

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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


def test_an_engagement_from_the_product_page_to_the_first_months_payable(
    page, browser, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    w = outsourcing_world()
    first_level, second_level = w.levels[0], w.levels[1]
    start = timezone.localdate() + timedelta(days=5)
    _log_in(page.context, w.handler, live_server.url)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    # given the 经办人 on the 人才开发外包 page
    page.goto(w.product.get_absolute_url())
    _go(page, "#outsourcing-request-link")
    expect(page.locator("#outsourcing-terms")).to_contain_text("按“人·月”计费")
    expect(page.locator("#outsourcing-levels-table")).to_contain_text("¥20,000.00 起/人·月")
    # when they ask for one 一级 and one 二级 for 25 months
    page.fill("#id_title", "政务云运维开发")
    page.fill(f"#id_headcount_{first_level.pk}", "1")
    page.fill(f"#id_headcount_{second_level.pk}", "1")
    page.fill("#id_months", "25")
    page.fill("#id_start_date", f"{start:%Y-%m-%d}")
    page.check("input[name='place'][value='on_site']")
    page.fill("#id_city", "长沙市")
    page.fill("#id_skills", "Python、Django、PostgreSQL")
    _go(page, "#outsourcing-submit")
    # then it is refused in Chinese and nothing is stored
    expect(page.locator("#outsourcing-form")).to_contain_text("服务月数须为 1 至 24 个月。")
    assert OutsourcingRequest.objects.count() == 0
    # when they ask for 2 months
    page.fill("#id_months", "2")
    _go(page, "#outsourcing-submit")
    expect(page.locator("#outsourcing-status")).to_have_text("征集方案")
    req = OutsourcingRequest.objects.get()
    lines = {line.level_id: line for line in req.lines.all()}
    l1, l2 = lines[first_level.pk], lines[second_level.pk]

    # when the vendor proposes 二级 at ¥14,000 (below its ¥15,000 起价)
    context, vendor_page = _context(browser, live_server, w.vendor)
    try:
        vendor_page.goto("/dashboard/outsourcing/")
        _go(vendor_page, f"text={req.number}")
        vendor_page.fill(f"#rate_{l1.pk}", "22000")
        vendor_page.fill(f"#rate_{l2.pk}", "14000")
        for line, name in ((l1, "张工"), (l2, "李工")):
            prefix = f"#p_{line.pk}_0"
            vendor_page.fill(f"{prefix}_name", name)
            vendor_page.fill(f"{prefix}_years", "8")
            vendor_page.fill(f"{prefix}_skills", "Python、Django")
            vendor_page.set_input_files(
                f"{prefix}_cv",
                files=[{"name": f"{name}简历.pdf", "mimeType": "application/pdf", "buffer": PDF}],
            )
        _go(vendor_page, "#outsourcing-propose")
        # then it is refused and nothing is stored
        expect(vendor_page.locator(".alert-danger, .alert-error").first).to_contain_text(
            "“二级开发师”的月单价不能低于贵公司的标价（起价）¥15,000.00/人·月。"
        )
        assert Proposal.objects.count() == 0
        # when it proposes ¥15,500 (the files chosen again)
        vendor_page.fill(f"#rate_{l2.pk}", "15500")
        for line, name in ((l1, "张工"), (l2, "李工")):
            vendor_page.set_input_files(
                f"#p_{line.pk}_0_cv",
                files=[{"name": f"{name}简历.pdf", "mimeType": "application/pdf", "buffer": PDF}],
            )
        _go(vendor_page, "#outsourcing-propose")
        expect(vendor_page.locator("#outsourcing-own-proposal")).to_contain_text("¥37,500.00")
        assert vendor_page.js_errors == []
    finally:
        context.close()

    # then the 经办人 sees the two profiles with their CVs, downloads one and accepts them
    page.reload()
    proposal = Proposal.objects.get()
    card = page.locator(f"#outsourcing-proposal-{proposal.pk}")
    expect(card.locator(".outsourcing-profile")).to_have_count(2)
    expect(card).to_contain_text("满勤每月 ¥37,500.00")
    with page.expect_download() as download:
        card.locator(".outsourcing-cv").first.click()
    assert download.value.suggested_filename.endswith("简历.pdf")
    _go(page, f"#outsourcing-accept-{proposal.pk}")
    expect(page.locator("#outsourcing-status")).to_have_text("服务中")
    expect(page.locator("#outsourcing-months tbody tr[data-month]")).to_have_count(2)
    req.refresh_from_db()
    order = req.order
    assert [s.amount for s in order.payment_stages.order_by("sequence")] == [Decimal("37500.00")] * 2

    # given the contract confirmed by both parties and the first month over (the service began
    # 40 days ago)
    sign_contract(order, handler=w.handler, vendor=w.vendor)
    OutsourcingRequest.objects.filter(pk=req.pk).update(start_date=timezone.localdate() - timedelta(days=40))
    req.refresh_from_db()
    first, last = pricing.month_period(req.start_date, 1)
    workdays = pricing.workdays_between(first, last)
    # when the vendor reports month 1 with 李工 absent 2 days
    context, vendor_page = _context(browser, live_server, w.vendor)
    try:
        vendor_page.goto(f"/dashboard/outsourcing/{req.number}/")
        expect(vendor_page.locator("#outsourcing-report-facts")).to_contain_text(f"工作日 {workdays} 天")
        li = req.accepted_proposal.profiles.get(name="李工")
        vendor_page.fill(f"#worked_{li.pk}", str(workdays - 2))
        vendor_page.fill(f"#absent_{li.pk}", "2")
        _go(vendor_page, "#outsourcing-report-submit")
        expect(vendor_page.locator("#outsourcing-month-1 .outsourcing-report-status")).to_have_text("待验收")
        assert vendor_page.js_errors == []
    finally:
        context.close()
    report = WorkReport.objects.get()
    expected = Decimal("22000.00") + pricing.person_month_amount(
        rate=Decimal("15500"), workdays=workdays, absences=2
    )
    assert report.amount == expected
    # then the 经办人 accepts it
    page.reload()
    _go(page, "#outsourcing-report-accept")
    # and month 1 is payable, due by the contract's 30 days (next working day), month 2 is not
    due = payment_due_date(timezone.localdate(), 30)
    expect(page.locator("#outsourcing-month-1 .outsourcing-stage")).to_have_text(
        f"待支付，付款期限 {due:%Y-%m-%d}"
    )
    expect(page.locator("#outsourcing-month-2 .outsourcing-stage")).to_have_text("验收后生成")
    stage = order.payment_stages.get(sequence=1)
    assert (stage.amount, stage.due_on, stage.status) == (expected, due, "due")
    order.refresh_from_db()
    assert order.status == "待付款"
    # the order page asks the unit to pay month 1 only
    _go(page, "#outsourcing-order-link")
    expect(page.locator("body")).to_contain_text("第 1 个月服务费")
    assert page.js_errors == []
