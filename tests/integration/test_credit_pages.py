"""Credit through the pages: a suspended vendor's products leave the storefront (the cached
pages too) and cannot go into a basket or through checkout, and come back when the suspension
ends or is lifted; the public vendor page shows rating averages with counts and no contact
details; the buyer rates an accepted order once; operators keep the credit record."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.credit import services
from shop.credit.cache import seconds_to_next_change
from shop.credit.models import CreditEntry, CreditEvent, SupplierRating
from shop.storefront.cache import page_seconds
from tests.factories.accounts import UserFactory
from tests.factories.credit import accept, credit_world, move_period_to_the_past, placed_order, suspend

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_titles(response) -> list[str]:
    return re.findall(r'<h3 class="xh-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


# --- the storefront -------------------------------------------------------------------------


def test_a_suspension_takes_the_vendors_products_off_the_cached_pages_and_lifting_brings_them_back():
    # given a vendor's product on its category page, stored in the shared page cache
    w = credit_world()
    anonymous = Client()
    url = w.category.get_absolute_url()
    first = anonymous.get(url)
    again = anonymous.get(url)
    assert (first["X-Storefront-Cache"], again["X-Storefront-Cache"]) == ("miss", "hit")
    assert card_titles(again) == ["智能会议平板 75 寸"]
    assert anonymous.get(w.product.get_absolute_url()).status_code == 200
    # when an operator suspends the vendor from today
    entry = suspend(w.partner, days=30, operator=w.operator)
    # then the cached category page is rendered again without the product, the product page
    # is gone and the vendor's public page lists nothing
    after = anonymous.get(url)
    assert after["X-Storefront-Cache"] == "miss"
    assert card_titles(after) == []
    assert anonymous.get(w.product.get_absolute_url()).status_code == 404
    vendor_page = anonymous.get(reverse("credit:vendor", args=[w.partner.pk])).content.decode()
    assert "暂无在售商品。" in vendor_page and "智能会议平板 75 寸" not in vendor_page
    # when the operator lifts the suspension early
    services.credit_lift(entry_id=entry.pk, partner_id=w.partner.pk, actor=w.operator, reason="整改完成")
    # then the product is back on the category page and its own page
    assert card_titles(anonymous.get(url)) == ["智能会议平板 75 寸"]
    assert anonymous.get(w.product.get_absolute_url()).status_code == 200


def test_cached_pages_do_not_outlive_the_next_start_or_end_of_a_suspension(settings):
    # given pages kept ten minutes and a suspension that starts at tomorrow's midnight
    settings.STOREFRONT_CACHE_SECONDS = 600
    w = credit_world()
    entry = suspend(w.partner, start_in_days=1, days=3)
    now = timezone.now().timestamp()
    # then the time to the next change is the time to its start, and pages are kept no longer
    expected = max(1, int(-(-(entry.starts_at.timestamp() - now) // 1)))
    assert seconds_to_next_change(now=now) == expected
    assert seconds_to_next_change(now=entry.starts_at.timestamp()) == int(
        entry.ends_at.timestamp() - entry.starts_at.timestamp()
    )
    assert seconds_to_next_change(now=entry.ends_at.timestamp()) is None
    assert page_seconds() == min(600, seconds_to_next_change())


def test_basket_and_checkout_refuse_a_suspended_vendors_product_until_the_period_ends():
    # given a buyer with the vendor's product already in the basket, and the vendor suspended
    w = credit_world()
    buyer = UserFactory()
    client = client_for(buyer)
    client.post(reverse("basket:add", args=[w.product.pk]), {"quantity": 1})
    assert [line.product_id for line in Basket.objects.get(owner=buyer).all_lines()] == [w.product.pk]
    entry = suspend(w.partner, days=30)
    last_day = f"{timezone.localtime(entry.ends_at - timedelta(microseconds=1)):%Y年%m月%d日}"
    refusal = f"“智能会议平板 75 寸”的供应商处于暂停交易期（至 {last_day}），暂不能下单购买。"
    # when the buyer adds it once more, then it is refused with the reason and the line stays one
    added = client.post(reverse("basket:add", args=[w.product.pk]), {"quantity": 1}, follow=True)
    assert refusal in added.content.decode()
    assert [line.quantity for line in Basket.objects.get(owner=buyer).all_lines()] == [1]
    # when the buyer goes to checkout, then it is sent back to the basket with the reason
    checkout = client.get(reverse("checkout:payment-details"), follow=True)
    assert checkout.redirect_chain[-1][0] == reverse("basket:summary")
    assert refusal in checkout.content.decode()
    assert Order.objects.count() == 0
    # when the period is over, then the product is added again
    move_period_to_the_past(entry)
    client.post(reverse("basket:add", args=[w.product.pk]), {"quantity": 1})
    assert [line.quantity for line in Basket.objects.get(owner=buyer).all_lines()] == [2]


# --- the public vendor page -------------------------------------------------------------------


def test_the_vendor_page_shows_categories_averages_with_counts_and_products_but_no_contact():
    # given a vendor rated twice after accepted orders: (5,4,3) and (4,4,4)
    w = credit_world()
    for quality, delivery, service in [(5, 4, 3), (4, 4, 4)]:
        order = placed_order(w)
        accept(w, order)
        services.rating_give(
            order=order,
            actor=w.handler,
            quality=quality,
            delivery=delivery,
            service=service,
            comment="交付顺利",
        )
    # when anyone opens its page
    response = Client().get(reverse("credit:vendor", args=[w.partner.pk]))
    page = response.content.decode()
    # then it shows the name, the approved category, the averages with the count, the product
    assert response.status_code == 200
    assert "湘江智能设备有限公司" in page and "会议平板" in page
    assert "采购单位评价（2 条）" in page
    assert '<td id="avg-quality">4.5 / 5</td>' in page
    assert '<td id="avg-delivery">4.0 / 5</td>' in page
    assert '<td id="avg-service">3.5 / 5</td>' in page
    assert card_titles(response) == ["智能会议平板 75 寸"]
    # and none of the vendor's contact details from its application
    from shop.vendors.models import VendorApplication

    application = VendorApplication.objects.get(partner=w.partner)
    for private in (application.mobile, application.email, application.contact_name, application.uscc):
        assert private and private not in page


def test_a_partner_that_is_no_vendor_has_no_public_page():
    from tests.factories.accounts import PartnerFactory

    assert Client().get(reverse("credit:vendor", args=[PartnerFactory().pk])).status_code == 404
    assert Client().get("/suppliers/99999999999999999999/").status_code == 404


# --- rating through the page ---------------------------------------------------------------------


def test_the_handler_rates_an_accepted_order_once_through_the_page():
    w = credit_world()
    order = placed_order(w)
    client = client_for(w.handler)
    url = reverse("credit:rate", args=[order.number])
    scores = {"partner": w.partner.pk, "quality": "5", "delivery": "4", "service": "5", "comment": "专业"}
    # given an order not accepted yet: the page says so and a post is refused
    assert "订单全部验收合格后才能评价供应商。" in client.get(url).content.decode()
    early = client.post(url, scores)
    assert early.status_code == 400 and SupplierRating.objects.count() == 0
    # when the order is accepted and the 经办人 posts the rating
    accept(w, order)
    done = client.post(url, scores, follow=True)
    # then it is stored and shown
    assert "已评价：质量 5 分 · 交付 4 分 · 服务 5 分" in done.content.decode()
    assert SupplierRating.objects.count() == 1
    # when posted again (a second tab), then it is refused in Chinese and nothing changes
    again = client.post(url, {**scores, "quality": "1"})
    assert again.status_code == 400
    assert "本订单已评价过该供应商，每个订单只能评价一次。" in again.content.decode()
    assert list(SupplierRating.objects.values_list("quality", flat=True)) == [5]


def test_a_bad_score_through_the_page_is_refused_in_chinese():
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    response = client_for(w.handler).post(
        reverse("credit:rate", args=[order.number]),
        {"partner": w.partner.pk, "quality": "9", "delivery": "4", "service": "5"},
    )
    assert response.status_code == 400
    assert "产品质量评分应为 1–5 分的整数。" in response.content.decode()
    assert SupplierRating.objects.count() == 0


def test_another_units_member_gets_404_and_the_finance_member_403():
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    url = reverse("credit:rate", args=[order.number])
    data = {"partner": w.partner.pk, "quality": "5", "delivery": "5", "service": "5"}
    other = credit_world(name="另一供应商")
    assert client_for(other.handler).get(url).status_code == 404
    assert client_for(other.handler).post(url, data).status_code == 404
    refused = client_for(w.finance).post(url, data)
    assert refused.status_code == 403
    assert "只有本单位的管理员、经办人可以评价本单位订单的供应商。" in refused.content.decode()
    assert SupplierRating.objects.count() == 0


# --- the operators' dashboard --------------------------------------------------------------------


def test_an_operator_suspends_warns_and_lifts_in_the_dashboard():
    w = credit_world()
    client = client_for(w.operator)
    today = timezone.localdate()
    detail = reverse("dashboard:credit-detail", args=[w.partner.pk])
    # the list shows the vendor as trading normally
    listing = client.get(reverse("dashboard:credit-list")).content.decode()
    assert "湘江智能设备有限公司" in listing and "正常" in listing
    # a bad period is refused in Chinese and stores nothing
    bad = client.post(
        reverse("dashboard:credit-suspend", args=[w.partner.pk]),
        {
            "reason": "拒不履约",
            "first_day": today.isoformat(),
            "last_day": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 400 and "暂停结束日期不能早于开始日期。" in bad.content.decode()
    assert CreditEntry.objects.count() == 0
    # a suspension and a warning are recorded
    client.post(
        reverse("dashboard:credit-suspend", args=[w.partner.pk]),
        {
            "reason": "拒不履约",
            "first_day": today.isoformat(),
            "last_day": (today + timedelta(days=29)).isoformat(),
        },
    )
    client.post(reverse("dashboard:credit-warn", args=[w.partner.pk]), {"reason": "报价后无故撤回"})
    page = client.get(detail).content.decode()
    assert f"{today:%Y-%m-%d} 至 {today + timedelta(days=29):%Y-%m-%d}" in page and "执行中" in page
    assert "报价后无故撤回" in page
    entry = CreditEntry.objects.get(kind="suspension")
    # lifting early is recorded with its reason
    client.post(reverse("dashboard:credit-lift", args=[w.partner.pk, entry.pk]), {"reason": "申诉成立"})
    entry.refresh_from_db()
    assert (entry.status, entry.lift_reason) == ("lifted", "申诉成立")
    assert list(CreditEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "suspended",
        "warned",
        "lifted",
    ]


def test_vendors_and_buyers_cannot_open_or_change_credit_records():
    w = credit_world()
    urls = [
        reverse("dashboard:credit-list"),
        reverse("dashboard:credit-detail", args=[w.partner.pk]),
    ]
    posts = [
        (reverse("dashboard:credit-warn", args=[w.partner.pk]), {"reason": "x"}),
        (
            reverse("dashboard:credit-suspend", args=[w.partner.pk]),
            {
                "reason": "x",
                "first_day": timezone.localdate().isoformat(),
                "last_day": timezone.localdate().isoformat(),
            },
        ),
    ]
    for user in (w.vendor, w.handler):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code in (302, 403), url
        for url, data in posts:
            assert client.post(url, data).status_code in (302, 403), url
    assert CreditEntry.objects.count() == 0


def test_the_sourcing_page_shows_the_suppliers_averages():
    from shop.sourcing import services as sourcing
    from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    for i, vendor in enumerate(world.vendors[:3]):
        respond(event, vendor, prices=[f"{19000 - i * 100}", "800"], now=timezone.now())
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    page = client_for(world.handler).get(reverse("sourcing:detail", args=[event.number])).content.decode()
    vendor_url = reverse("credit:vendor", args=[world.vendors[2][0].pk])
    assert page.count("暂无评价") == 4  # three responses and the proposed winner
    assert f'<a href="{vendor_url}">供应商主页</a>' in page


def test_the_order_page_and_the_workbench_lead_the_handler_to_the_rating():
    # given an order not accepted yet: its page says nothing about rating
    w = credit_world()
    order = placed_order(w)
    client = client_for(w.handler)
    order_url = reverse("payments:order-detail", args=[order.number])
    assert 'id="order-rating"' not in client.get(order_url).content.decode()
    # when it is accepted, then its page links the rating, and the list of orders to rate has it
    accept(w, order)
    rate_url = reverse("credit:rate", args=[order.number])
    assert (
        f'<a href="{rate_url}" id="order-rating-link">评价供应商</a>'
        in client.get(order_url).content.decode()
    )
    listing = client.get(reverse("credit:rate-list")).content.decode()
    assert f'href="{rate_url}">评价供应商</a>' in listing
    workbench = client.get(reverse("buyers:unit")).content.decode()
    assert f'<a href="{reverse("credit:rate-list")}" id="unit-ratings-link">' in workbench
    # when it is rated, then the order page and the list say so
    services.rating_give(order=order, actor=w.handler, quality=4, delivery=5, service=4)
    assert (
        "已评价供应商：湘江智能设备有限公司（质量 4 · 交付 5 · 服务 4）"
        in client.get(order_url).content.decode()
    )
    assert "已评价" in client.get(reverse("credit:rate-list")).content.decode()
    # and the unit's 财务 is told who may rate
    refused = client_for(w.finance).get(reverse("credit:rate-list"))
    assert refused.status_code == 403
    assert "只有本单位的管理员、经办人可以评价本单位订单的供应商。" in refused.content.decode()
