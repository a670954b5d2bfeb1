"""Chromium: a buyer goes from a product page to an accepted quote while a vendor answers in
the dashboard; a real Celery worker processes the request in between."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from shop.quotes.models import QuoteRequest, VendorQuote
from tests.conftest import wait_until
from tests.factories.accounts import UserFactory
from tests.factories.quotes import make_vendor, stocked_product

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _go(page, selector):
    """Click something that loads a new page and wait for it."""
    with page.expect_navigation():
        page.click(selector)


def test_buyer_asks_vendor_answers_buyer_accepts(page, browser, live_server, celery_worker):
    # given two vendors stocking a product, a buyer and the first vendor's dashboard user
    (a, vendor_user), (b, _) = make_vendor("星城科技"), make_vendor("麓谷电子")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")], title="86 寸智慧黑板")
    buyer = UserFactory()
    _log_in(page.context, buyer, live_server.url)
    page.on("dialog", lambda dialog: dialog.accept())

    # the buyer adds the product to the quote list from its page
    page.goto(product.get_absolute_url())
    page.fill(f"#quote-qty-{product.pk}", "3")
    page.fill(f"#quote-remark-{product.pk}", "含安装调试")
    _go(page, "#add-to-quote")
    assert "已加入询价单" in page.inner_text("body")
    _go(page, "#quote-list-link")
    _go(page, "#quote-list-submit")

    # and submits the request
    page.fill("#id_org_name", "长沙市第一中学")
    page.fill("#id_org_uscc", "12430000MB1234567W")
    page.select_option("#id_org_type", "institution")
    page.fill("#id_province", "湖南省")
    page.fill("#id_city", "长沙市")
    page.fill("#id_contact_name", "王老师")
    page.fill("#id_contact_mobile", "13907310001")
    page.fill("#id_contact_email", "wang@example.com")
    page.fill("#id_delivery_region", "湖南省长沙市开福区")
    page.fill("#id_delivery_address", "教育街 1 号")
    page.fill("#id_needed_by", (timezone.localdate() + timedelta(days=20)).isoformat())
    _go(page, "#quote-submit-button")
    assert "已提交成功" in page.inner_text("#quote-submitted")
    qr = QuoteRequest.objects.get(buyer=buyer)

    # the worker routes it to both vendors with indicative prices
    wait_until(lambda: VendorQuote.objects.filter(request=qr, status="indicative").count() == 2, timeout=40)

    # the vendor answers in the dashboard
    vendor_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        _log_in(vendor_context, vendor_user, live_server.url)
        vendor_page = vendor_context.new_page()
        vendor_page.goto("/dashboard/quotes/")
        _go(vendor_page, f"text={qr.number}")
        vq = VendorQuote.objects.get(request=qr, partner=a)
        _go(vendor_page, f"#answer-{vq.pk}")
        line = vq.lines.get()
        vendor_page.fill(f"#id_price_{line.pk}", "11200.00")
        vendor_page.fill("#id_lead_time_days", "10")
        vendor_page.fill("#id_valid_until", (timezone.localdate() + timedelta(days=15)).isoformat())
        vendor_page.fill("#id_terms", "含安装调试，质保三年")
        _go(vendor_page, "#vendor-answer-submit")
        assert "已提交" in vendor_page.inner_text("body")
        assert "麓谷电子" not in vendor_page.inner_text("body")
    finally:
        vendor_context.close()

    # the buyer compares and accepts the vendor's answer
    _go(page, "#my-quotes-link")
    _go(page, f"text={qr.number}")
    compare = page.inner_text("#quote-compare")
    assert "星城科技" in compare and "麓谷电子" in compare
    assert "¥33,600.00" in compare  # 3 × 11,200.00, the answered quote
    assert "¥34,500.00" in compare  # 3 × 11,500.00, the indicative one
    _go(page, f"[data-accept='{vq.pk}']")
    qr.refresh_from_db()
    assert qr.status == "ordered"
    assert f"订单 {qr.order.number} 已生成" in page.inner_text("body")
    assert page.inner_text("#quote-request-status") == "已下单"
    assert qr.order.total_incl_tax == 33600
    assert page.js_errors == []
