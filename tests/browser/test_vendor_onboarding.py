"""Chromium: an applicant fills the 供应商入驻 form, an operator approves it in the dashboard, the
new vendor lists a first product, the operator approves the product, and it is on the storefront."""

import pytest
from django.urls import reverse

from shop.vendors.models import VendorApplication
from tests.factories.accounts import OperatorFactory
from tests.factories.vendors import PDF_BYTES, make_uscc, product_class, root_category

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def sign_in(context, live_server, user) -> None:
    """A real authenticated session for ``user`` in the browser context (no login form)."""
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


def test_applicant_to_first_approved_product_on_the_storefront(
    page, browser, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    pc = product_class("智慧城市设备")
    category = root_category("智慧城市")
    operator = OperatorFactory()
    uscc = make_uscc(424242)

    # --- the applicant fills the 入驻 form ---------------------------------------------------
    page.goto(reverse("vendors:apply"))
    page.fill("#id_company_name", "湖南星城智联科技有限公司")
    page.fill("#id_uscc", uscc)
    page.fill("#id_legal_representative", "周建国")
    page.fill("#id_business_scope", "智慧路灯、物联网网关的研发与销售")
    page.check(f"input[name=categories][value='{category.pk}']")
    page.set_input_files(
        "#id_licence", files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.fill("#id_contact_name", "刘敏")
    page.fill("#id_mobile", "1380013800")  # one digit short first
    page.fill("#id_email", "liumin@example.com")
    page.fill("#id_account_email", "vendor@xingcheng.example")
    page.fill("#id_password1", "Lamp-Gateway-88!")
    page.fill("#id_password2", "Lamp-Gateway-88!")
    page.check("#id_agree")
    page.click("#vendor-apply-submit")
    # a clear Chinese error, nothing saved
    assert "请输入有效的 11 位手机号码。" in page.locator("#group_mobile").inner_text()
    assert VendorApplication.objects.count() == 0
    # corrected (the file and passwords must be given again)
    page.fill("#id_mobile", "13800138000")
    page.set_input_files(
        "#id_licence", files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.fill("#id_password1", "Lamp-Gateway-88!")
    page.fill("#id_password2", "Lamp-Gateway-88!")
    page.click("#vendor-apply-submit")
    page.wait_for_selector("#vendor-status, #form-errors")
    assert page.locator("#form-errors").count() == 0, page.locator("#vendor-apply-form").inner_text()
    assert page.locator("#application-status").inner_text() == "待审核"
    application = VendorApplication.objects.get()
    assert (application.uscc, application.status) == (uscc, "submitted")

    # --- the operator approves it -------------------------------------------------------------
    operator_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    op = operator_context.new_page()
    sign_in(operator_context, live_server, operator)
    op.goto(reverse("dashboard:vendors-application-list"))
    op.click(f"a[href='{reverse('dashboard:vendors-application-detail', args=[application.pk])}']")
    assert "湖南星城智联科技有限公司" in op.locator("#application-detail").inner_text()
    op.click("#approve-application")
    op.wait_for_selector("#application-status")
    assert op.locator("#application-status").inner_text() == "已通过"

    # --- the new vendor lists its first product ----------------------------------------------
    page.goto(reverse("vendors:status"))
    page.click("#go-dashboard")
    page.wait_for_selector("#vendor-summary")
    page.goto(reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": pc.slug}))
    page.fill("#id_title", "星城智慧路灯控制器")
    page.fill("#id_oem_min_quantity", "100")
    page.fill("#id_lead_time_days", "20")
    page.click("a[href='#product_category']")
    page.locator("select[name$='-0-category']").select_option(str(category.pk))
    page.click("a[href='#product_stock']")
    page.fill("input[name$='-0-partner_sku']", "XC-LC-100")
    page.fill("input[name$='-0-price']", "1280.00")
    page.fill("input[name$='-0-num_in_stock']", "300")
    page.click("button[name=action][value=save]")
    page.wait_for_selector("span.badge-warning:has-text('待审核'), .alert-danger")
    assert page.locator("span.badge-warning:has-text('待审核')").count() == 1, page.content()[-4000:]
    product = application.user.partners.get().owned_products.get().product
    assert (product.title, product.review_status, product.is_public) == (
        "星城智慧路灯控制器",
        "pending",
        False,
    )
    # not on the storefront yet
    assert page.goto(product.get_absolute_url()).status == 404

    # --- the operator approves the product; it is on the storefront ------------------------------
    op.goto(reverse("dashboard:vendors-product-review-list"))
    op.click(f"#approve-product-{product.pk}")
    op.wait_for_selector("text=没有需要处理的商品。")
    response = page.goto(product.get_absolute_url())
    assert response.status == 200
    assert "星城智慧路灯控制器" in page.locator("h1").first.inner_text()
    assert page.js_errors == []
    operator_context.close()
