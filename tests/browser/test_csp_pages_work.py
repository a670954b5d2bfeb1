"""Chromium under the site's CSP: the pages whose set-up Oscar ran in inline scripts still set
themselves up (from shop/js/boot.js and dashboard.js), and nothing is refused by the policy."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test import factories
from oscar.test.factories import create_product

from tests.browser.test_oem_flow import sign_in
from tests.conftest import wait_until
from tests.factories.accounts import OperatorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Notification = get_model("communication", "Notification")
ProductClass = get_model("catalogue", "ProductClass")
Product = get_model("catalogue", "Product")


def watch_csp(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return refused


def test_dashboard_pages_set_themselves_up_without_inline_scripts(page, live_server):
    operator = OperatorFactory(username="csp-operator", is_superuser=True)
    create_product(title="智慧灯杆", price=100)
    product_class = ProductClass.objects.create(name="智慧城市设备")
    product_range = factories.RangeFactory(name="信创专区", is_public=True)
    factories.CategoryFactory(name="智慧交通")
    sign_in(page.context, live_server, operator)
    refused = watch_csp(page)

    # the product list: bulk actions add a select-all box to the table's first header cell
    page.goto(reverse("dashboard:catalogue-product-list"))
    page.wait_for_selector("input[name=select_all]")
    # the product class form: a text attribute's option-group field is hidden by product_attributes
    page.goto(reverse("dashboard:catalogue-class-update", kwargs={"pk": product_class.pk}))
    page.wait_for_selector("select[name$='-type']", state="attached")
    # its drop-downs become select2's searchable ones
    page.wait_for_selector(".select2-container", state="attached")
    first_type = page.locator("select[name$='-type']").first
    group = page.locator("#" + first_type.get_attribute("id").replace("type", "option_group"))
    assert group.evaluate("el => el.parentNode.parentNode.style.display") == "none"
    first_type.evaluate("el => { el.value = 'option'; window.jQuery(el).trigger('change'); }")
    assert group.evaluate("el => el.parentNode.parentNode.style.display") == ""
    # the category list has bulk actions too
    page.goto(reverse("dashboard:catalogue-category-list"))
    page.wait_for_selector("input[name=select_all]")
    # the product edit page loads the rich-text editor and attaches it to the description
    product = Product.objects.get(title="智慧灯杆")
    page.goto(reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}))
    page.wait_for_function("() => window.tinymce && window.tinymce.get('id_description') !== null")
    # these load their modules (reports, ranges + reordering with options, orders) without errors;
    # the home page and the lists without the editor's scripts (Oscar's call to it does nothing)
    for url in (
        reverse("dashboard:index"),
        reverse("dashboard:reports-index"),
        reverse("dashboard:range-products", kwargs={"pk": product_range.pk}),
        reverse("dashboard:order-list"),
        reverse("dashboard:offer-list"),
    ):
        page.goto(url)
        page.wait_for_selector("h1")
    # the home page loads neither select2 nor the input masks; Oscar's calls to them do nothing
    page.goto(reverse("dashboard:index"))
    page.wait_for_selector("h1")
    assert (
        page.evaluate(
            "() => document.querySelectorAll('script[src*=select2], script[src*=inputmask]').length"
        )
        == 0
    )
    assert page.evaluate(
        "() => typeof window.jQuery.fn.select2 === 'function' && !window.jQuery.fn.select2.defaults"
    )

    assert refused == []
    assert page.js_errors == []


def test_a_notification_is_marked_read_by_the_page_and_the_api_browser_renders(page, live_server):
    buyer = UserFactory(username="csp-buyer")
    notification = Notification.objects.create(recipient=buyer, subject="新报价", body="供应商已报价")
    sign_in(page.context, live_server, buyer)
    refused = watch_csp(page)

    page.goto(reverse("customer:notifications-detail", kwargs={"pk": notification.pk}))
    assert wait_until(lambda: Notification.objects.get(pk=notification.pk).date_read is not None, timeout=10)
    page.wait_for_selector("form[data-post-on-load]", state="detached")

    # Swagger UI from the project's own static files, its set-up from a script URL
    page.goto(reverse("api:schema-browse"))
    page.wait_for_selector(".swagger-ui .info .title")
    assert "湘慧商城 API" in page.locator(".swagger-ui .info .title").inner_text()

    assert refused == []
    assert page.js_errors == []
