"""Chromium: a unit's 经办人 publishes a 网上询价 and a 反向竞价 through the pages; the vendors
answer in their dashboards (sealed responses; bids with their own rank, which updates without
reloading when another vendor undercuts them); at the deadline the closing task decides; the
经办人 confirms the award and the order exists for the winner."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from shop.core.workdays import local
from shop.sourcing import services
from shop.sourcing.models import SourcingEvent
from tests.factories.sourcing import sourcing_world

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _context(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    _log_in(context, user, live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return context, page


def _publish(page, world, *, mode, title, deadline, lines, extra=()):
    page.goto(f"/sourcing/new/?mode={mode}")
    page.select_option("#id_category_get", str(world.category.pk))
    _go(page, "#sourcing-category-next")
    page.check(f"input[name='mode'][value='{mode}']")
    page.fill("#id_title", title)
    page.fill("#id_delivery_place", "长沙市岳麓区麓山南路 1 号")
    page.fill("#id_delivery_date", (timezone.localdate() + timedelta(days=40)).isoformat())
    page.fill("#id_deadline", local(deadline).strftime("%Y-%m-%dT%H:%M"))
    for field, value in extra:
        page.fill(field, value)
    for i, (name, quantity, unit) in enumerate(lines, start=1):
        page.fill(f"#id_line_{i}_title", name)
        page.fill(f"#id_line_{i}_quantity", str(quantity))
        page.fill(f"#id_line_{i}_unit", unit)
    for partner, _user in world.vendors[:3]:
        page.check(f"input[name='invited'][value='{partner.pk}']")
    _go(page, "#sourcing-publish")
    return SourcingEvent.objects.get(title=title)


def test_an_inquiry_from_publication_to_order(page, browser, live_server):
    # given a company's unit (no approval rule) and four qualified vendors
    world = sourcing_world(org_type="private")
    _log_in(page.context, world.handler, live_server.url)
    # when the 经办人 publishes a 询价 for 4 panels and 4 stands, inviting three vendors
    deadline = timezone.now() + timedelta(days=6)
    event = _publish(
        page,
        world,
        mode="inquiry",
        title="会议室一体机采购",
        deadline=deadline,
        lines=[("会议平板", 4, "台"), ("移动支架", 4, "套")],
    )
    assert "已收到 0 家供应商的密封报价" in page.inner_text("#sourcing-sealed")
    # and the three vendors each answer once in their dashboard
    lines = list(event.lines.order_by("sequence"))
    for (_partner, user), (panel, stand) in zip(
        world.vendors[:3], (("9800.00", "600.00"), ("9650.00", "700.00"), ("9900.00", "500.00")), strict=True
    ):
        context, vendor_page = _context(browser, live_server, user)
        try:
            vendor_page.goto(f"/dashboard/sourcing/{event.number}/")
            vendor_page.fill(f"#price_{lines[0].pk}", panel)
            vendor_page.fill(f"#price_{lines[1].pk}", stand)
            vendor_page.fill("#delivery_days", "20")
            _go(vendor_page, "#sourcing-respond-submit")
            assert "报价已密封提交" in vendor_page.inner_text("body")
        finally:
            context.close()
    # then before the deadline the buyer sees the count only
    page.reload()
    assert "已收到 3 家供应商的密封报价" in page.inner_text("#sourcing-sealed")
    assert "9,650" not in page.inner_text("body")
    # when the deadline passes and the closing task runs
    event.refresh_from_db()
    assert services.sourcing_close(event_id=event.pk, now=event.deadline) == "evaluated"
    page.reload()
    # then the ranking shows (4×9,650+4×700 = 41,400 is lowest) and the 经办人 confirms it
    assert "¥41,400.00" in page.inner_text("#sourcing-responses")
    _go(page, "#sourcing-confirm")
    event.refresh_from_db()
    assert event.status == "awarded" and event.order.total_incl_tax == Decimal("41400.00")
    assert event.order.number in page.inner_text("#sourcing-order")
    assert page.js_errors == []


def test_an_auction_with_three_vendors_bidding_in_their_browsers(page, browser, live_server):
    # given a company's unit and its 经办人
    world = sourcing_world(org_type="private")
    _log_in(page.context, world.handler, live_server.url)
    # when a 竞价 from ¥50,000 in steps of ¥100 is published, running 30 minutes from now
    event = _publish(
        page,
        world,
        mode="auction",
        title="培训教室一体机竞价",
        deadline=timezone.now() + timedelta(minutes=30),
        lines=[("会议平板", 2, "台")],
        extra=(
            ("#id_starts_at", local(timezone.now()).strftime("%Y-%m-%dT%H:%M")),  # this minute
            ("#id_start_price", "50000"),
            ("#id_decrement", "100"),
        ),
    )
    assert event.mode == "auction" and event.status == "open"
    # and three vendors open the bid page at once
    opened = [_context(browser, live_server, user) for _partner, user in world.vendors[:3]]
    try:
        first, second, third = (p for _c, p in opened)
        for vendor_page in (first, second, third):
            vendor_page.goto(f"/dashboard/sourcing/{event.number}/")
        first.fill("#id_amount", "48000")
        _go(first, "#sourcing-bid-submit")
        assert first.inner_text("#sourcing-my-rank") == "1"
        second.fill("#id_amount", "47500")
        _go(second, "#sourcing-bid-submit")
        third.fill("#id_amount", "47900")
        _go(third, "#sourcing-bid-submit")
        # then the first vendor's page shows it is now third, without reloading, and never
        # another vendor's price or name
        expect(first.locator("#sourcing-my-rank")).to_have_text("3", timeout=15000)
        text = first.inner_text("body")
        assert "47,500" not in text and "47,900" not in text and world.vendors[1][0].name not in text
        assert "¥48,000.00" in first.inner_text("#sourcing-my-best")
        assert [p.js_errors for p in (first, second, third)] == [[], [], []]
    finally:
        for context, _p in opened:
            context.close()
    # when the end passes and the task closes it, the 经办人 confirms the lowest bid
    event.refresh_from_db()
    assert services.sourcing_close(event_id=event.pk, now=event.deadline) == "evaluated"
    page.reload()
    _go(page, "#sourcing-confirm")
    event.refresh_from_db()
    assert (event.status, event.winner, event.order.total_incl_tax) == (
        "awarded",
        world.vendors[1][0],
        Decimal("47500.00"),
    )
    assert page.js_errors == []
