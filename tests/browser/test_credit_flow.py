"""Chromium: after 履约验收 the unit's 经办人 rates the supplier from the order page, and the
supplier's public page shows the averages; an operator suspends the supplier in the dashboard
and its product leaves the category page; lifting it brings the product back."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.credit.models import CreditEvent, SupplierRating
from tests.factories.credit import accept, credit_world, placed_order

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_the_handler_rates_the_supplier_and_an_operator_suspends_and_lifts_it(page, browser, live_server):
    # given an order of a company unit delivered and accepted in full
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    _log_in(page.context, w.handler, live_server.url)

    # when the 经办人 opens the order page and follows the rating link
    page.goto(reverse("payments:order-detail", args=[order.number]))
    _go(page, "#order-rating-link")
    # and gives 5 for quality, 4 for delivery, 5 for service with a comment
    page.check("input[name=quality][value='5']")
    page.check("input[name=delivery][value='4']")
    page.check("input[name=service][value='5']")
    page.fill("textarea[name=comment]", "按期交付，培训到位。")
    _go(page, "button:has-text('提交评价')")

    # then the page shows the rating given and it is stored once
    assert "已评价：质量 5 分 · 交付 4 分 · 服务 5 分" in page.inner_text(f"#rate-{w.partner.pk}")
    assert list(SupplierRating.objects.values_list("quality", "delivery", "service")) == [(5, 4, 5)]
    # and the supplier's public page shows the averages with their count
    _go(page, f"#rate-{w.partner.pk} .card-header a")
    assert page.inner_text("#rating-summary .card-header") == "采购单位评价（1 条）"
    assert page.inner_text("#avg-quality") == "5.0 / 5"
    assert page.inner_text("#avg-delivery") == "4.0 / 5"

    # and a visitor finds the product on its category page (the page is now in the shared cache)
    visitor = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    visitor.goto(w.category.get_absolute_url())
    assert "智能会议平板 75 寸" in visitor.content()

    # when an operator suspends the supplier from today for 30 days in the dashboard
    operator_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    _log_in(operator_context, w.operator, live_server.url)
    ops = operator_context.new_page()
    ops.goto(reverse("dashboard:credit-detail", args=[w.partner.pk]))
    today = timezone.localdate()
    ops.fill("#suspend-form textarea[name=reason]", "多次逾期交货")
    ops.fill("#suspend-form input[name=first_day]", today.isoformat())
    ops.fill("#suspend-form input[name=last_day]", (today + timezone.timedelta(days=29)).isoformat())
    _go(ops, "#suspend-form button")
    assert "执行中" in ops.inner_text("#credit-suspensions")

    # then the visitor no longer finds the product on its category page
    visitor.goto(w.category.get_absolute_url())
    assert "智能会议平板 75 寸" not in visitor.content()

    # when the operator lifts the suspension early with a reason
    ops.fill("#credit-suspensions input[name=reason]", "整改完成")
    _go(ops, "#credit-suspensions button")
    # then the product is back and each step left one audit event
    visitor.goto(w.category.get_absolute_url())
    assert "智能会议平板 75 寸" in visitor.content()
    assert list(CreditEvent.objects.order_by("pk").values_list("kind", flat=True)) == ["suspended", "lifted"]
    operator_context.close()
