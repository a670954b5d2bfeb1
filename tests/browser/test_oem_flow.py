"""Chromium: a buyer orders OEM from the product page, the real worker reviews it, the vendor
answers with an offer in the dashboard, the buyer accepts — a confirmed, payable order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.oem.models import OemOrder, OemStatus
from tests.conftest import wait_until
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.oem import make_oem_product, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def sign_in(context, live_server, user) -> None:
    """Put a real authenticated session for ``user`` into the browser context (written to the
    session store directly: no login form, no login signal)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )


def test_oem_form_to_confirmed_order_answered_in_the_dashboard(
    page, browser, live_server, celery_worker, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    vendor, partner = make_vendor_user()
    buyer = UserFactory(username="browser-buyer")
    product = make_oem_product(partner=partner, moq=50, lead_time_days=20, title="AI 视频分析盒子")

    # given the buyer on the product page, when clicking "OEM定制"
    sign_in(page.context, live_server, buyer)
    page.goto(product.get_absolute_url())
    assert page.locator("#oem-moq-hint").inner_text() == "OEM 最小起订量 50 台 · 基础交期 20 天"
    page.click("#oem-order-link")
    page.wait_for_selector("#oem-order-form")
    assert "最小起订量 50 台" in page.locator("#oem-moq").inner_text()

    # the customisation detail appears only when ticked (static JS, no inline script)
    assert not page.locator("#id_cust_boot_screen_detail").is_visible()
    page.check("#id_cust_boot_screen")
    page.fill("#id_cust_boot_screen_detail", "开机画面显示星城智联 Logo")
    page.fill("#id_quantity", "40")  # under the MOQ first
    page.fill("#id_brand_name", "星城智联")
    page.set_input_files(
        "#id_logo", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.fill("#id_target_date", (timezone.localdate() + timedelta(days=60)).isoformat())
    page.fill("#id_delivery_contact", "李工")
    page.fill("#id_delivery_phone", "13800138000")
    page.fill("#id_delivery_address", "长沙市岳麓区麓谷大道 1 号")
    page.fill("#id_org_name", "长沙市数据资源局")
    page.fill("#id_org_uscc", "91350100M000100Y43")
    page.select_option("#id_org_type", "party_gov")
    page.fill("#id_province", "湖南省")
    page.fill("#id_city", "长沙市")
    page.click("#oem-submit")
    # then the MOQ is enforced with a clear message and nothing is saved
    assert "OEM 定制最小起订量为 50 台，当前数量 40 不足。" in page.locator("#oem-order-form").inner_text()
    assert OemOrder.objects.count() == 0

    # when corrected (the file input must be chosen again) and submitted
    page.fill("#id_quantity", "120")
    page.set_input_files(
        "#id_logo", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click("#oem-submit")
    page.wait_for_selector("#oem-status")
    order = OemOrder.objects.get()
    assert page.url.endswith(f"/oem/{order.number}/")

    # the real worker reviews and routes it to the vendor
    wait_until(lambda: OemOrder.objects.get(pk=order.pk).status == OemStatus.REVIEWING, message="review")

    # the vendor answers in the dashboard
    vendor_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    vendor_page = vendor_context.new_page()
    try:
        sign_in(vendor_context, live_server, vendor)
        vendor_page.goto("/dashboard/oem/")
        vendor_page.click(f"text={order.number}")
        vendor_page.fill("#id_unit_price", "880")
        vendor_page.fill("#id_tooling_fee", "6000")
        vendor_page.fill("#id_deposit", "40000")
        vendor_page.fill("#id_lead_days", "35")
        vendor_page.click("#oem-send-offer")
        vendor_page.wait_for_selector("#oem-offer-total")
        assert vendor_page.locator("#oem-status").inner_text() == "已报价"
    finally:
        vendor_context.close()

    # the buyer sees the offer and accepts it
    page.reload()
    assert page.locator("#oem-offer-total").inner_text() == "¥111,600.00"
    page.click("#oem-accept")
    page.wait_for_selector("#oem-shop-order")
    order.refresh_from_db()
    assert order.status == OemStatus.CONFIRMED
    assert page.locator("#oem-status").inner_text() == "已确认（待付定金）"
    assert page.locator("#oem-shop-order").inner_text() == order.oscar_order.number
    assert "定金" in page.locator("#oem-payment").inner_text()
    assert [(s.label, str(s.amount)) for s in order.oscar_order.payment_stages.all()] == [
        ("定金", "40000.00"),
        ("尾款", "71600.00"),
    ]
    assert page.js_errors == []
