"""Chromium, from the 政企咨询服务包's product page to the accepted report: the consultant blocks
a day on its calendar; a government unit's 经办人 books 3 days over it (refused, nothing stored),
then 3 free days (¥1,500 起); the consultant proposes another date at ¥600 a day, the 经办人
accepts it and orders; the contract is confirmed by both (through its service: its own pages are
tested in the contracts tests); the consultant hands in the report, the 经办人 accepts it and
the order is due for payment."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from shop.consulting.models import BlockedDay, Engagement
from tests.conftest import wait_until
from tests.factories.consulting import consulting_world
from tests.factories.services import PDF

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


def _sign_contract(order, *, handler, consultant):
    from shop.contracts.models import ContractVersion
    from shop.contracts.services import contract_confirm, contract_version_render

    wait_until(lambda: ContractVersion.objects.filter(contract__order=order).exists(), timeout=40)
    version = ContractVersion.objects.get(contract__order=order)
    contract_version_render(version_id=version.pk)
    version.refresh_from_db()
    for user in (handler, consultant):
        contract_confirm(
            version=version, user=user, pdf_sha256=version.pdf_sha256, client_address="127.0.0.1"
        )


def test_a_unit_books_three_days_the_consultant_reschedules_and_the_report_is_accepted(
    page, browser, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    parent, variants, _partner, consultant, unit, members = consulting_world(org_name="长沙市示范局")
    handler = members["handler"].user
    today = timezone.localdate()
    blocked, first, proposed = (today + timedelta(days=n) for n in (11, 12, 20))
    consultant_context, vendor_page = _context(browser, live_server, consultant)
    try:
        # given the consultant marks a day on its calendar as taking no bookings
        vendor_page.goto("/dashboard/consulting/calendar/")
        vendor_page.fill("#id_day", blocked.isoformat())
        vendor_page.fill("#id_note", "外出")
        _go(vendor_page, "#consulting-block")
        expect(vendor_page.locator("#consulting-blocked")).to_contain_text(blocked.isoformat())
        assert BlockedDay.objects.count() == 1

        # and the 经办人 on the package's page, choosing 预约咨询服务
        _log_in(page.context, handler, live_server.url)
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        page.goto(parent.get_absolute_url())
        _go(page, "#consulting-book-link")
        expect(page.locator("#consulting-prices")).to_contain_text("¥500.00 起/天")
        # when they book 3 days from the day before the blocked one
        page.check(f"input[name='variant'][value='{variants['天'].pk}']")
        page.fill("#id_quantity", "3")
        page.fill("#id_start_date", (blocked - timedelta(days=1)).isoformat())
        page.check("input[name='topics'][value='产品比选']")
        page.check("input[name='topics'][value='采购政策']")
        page.fill("#id_need", "比选三家会议平板供应商，核查资质，给出采购建议。")
        _go(page, "#consulting-submit")
        # then it is refused next to the date and nothing is stored
        expect(page.locator("#consulting-form")).to_contain_text(
            f"咨询顾问在 {blocked.isoformat()} 不接受预约，请另选开始日期或调整天数。"
        )
        assert Engagement.objects.count() == 0
        # when they start after it
        page.fill("#id_start_date", first.isoformat())
        _go(page, "#consulting-submit")
        # then the engagement waits for the consultant at 3 × ¥500 起
        expect(page.locator("#consulting-status")).to_have_text("待确认")
        expect(page.locator("#consulting-indicative")).to_contain_text("¥1,500.00 起")
        expect(page.locator("#consulting-topics")).to_have_text("产品比选、采购政策")
        engagement = Engagement.objects.get()
        assert (engagement.unit_id, engagement.quantity, engagement.start_date) == (unit.pk, 3, first)

        # when the consultant, on its own engagement, proposes another date at ¥600 a day
        vendor_page.goto("/dashboard/consulting/")
        _go(vendor_page, f"#consulting-row-{engagement.number} a")
        vendor_page.fill("#consulting-propose-form #id_start_date", proposed.isoformat())
        vendor_page.fill("#consulting-propose-form #id_unit_price", "600")
        vendor_page.fill("#consulting-propose-form #id_note", "原日期已有安排")
        _go(vendor_page, "#consulting-propose")
        expect(vendor_page.locator("#consulting-status")).to_have_text("已改期待买方确认")

        # then the 经办人 sees the new dates and price, accepts them and orders
        page.reload()
        expect(page.locator("#consulting-status")).to_have_text("已改期待买方确认")
        expect(page.locator("#consulting-proposal")).to_contain_text(
            f"咨询顾问建议改为 {proposed.isoformat()} 至 {(proposed + timedelta(days=2)).isoformat()}，合计 ¥1,800.00。"
        )
        _go(page, "#consulting-accept-proposal")
        expect(page.locator("#consulting-status")).to_have_text("已确认")
        _go(page, "#consulting-place-order")
        expect(page.locator("#consulting-status")).to_have_text("已下单")
        engagement.refresh_from_db()
        order = engagement.order
        expect(page.locator("#consulting-order-link")).to_have_text(order.number)
        assert order.total_incl_tax == 1800

        # when both sign the contract and the consultant hands in the report
        _sign_contract(order, handler=handler, consultant=consultant)
        vendor_page.reload()
        vendor_page.fill("#id_description", "三家供应商比选结论与采购建议")
        vendor_page.set_input_files(
            "#id_files", files=[{"name": "咨询报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        _go(vendor_page, "#consulting-submit-report")
        expect(vendor_page.locator("#consulting-status")).to_have_text("报告已提交")
        assert vendor_page.js_errors == []
    finally:
        consultant_context.close()

    # then the 经办人 reads the report and accepts it
    page.reload()
    expect(page.locator("#consulting-status")).to_have_text("报告已提交")
    expect(page.locator("#consulting-reports .consulting-report-link")).to_have_text("咨询报告.pdf")
    with page.expect_download() as download:
        page.click("#consulting-reports .consulting-report-link")
    assert download.value.suggested_filename == "咨询报告.pdf"
    page.check("#consulting-acceptance-form input[name='result'][value='passed']")
    page.fill("#consulting-acceptance-form #id_comments", "报告完整")
    _go(page, "#consulting-accept-report")
    expect(page.locator("#consulting-status")).to_have_text("已验收")
    expect(page.locator("#consulting-done")).to_be_visible()
    engagement.refresh_from_db()
    order.refresh_from_db()
    assert engagement.status == "accepted"
    assert order.status == "待付款"  # a government unit pays after 履约验收
    assert page.js_errors == []
