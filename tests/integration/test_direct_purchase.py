"""直购 is for fixed prices only: an item shown as 起价 or 仅询价 cannot go into the basket at its
floor price (the same rule as the quote acceptance), and a line that got into the basket before
the item was marked so is stopped at checkout."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories.accounts import UserFactory
from tests.factories.catalogue import ProductFactory, make_parent_with_children

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")


def add(client, product, **extra):
    return client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1, **extra}, follow=True)


def test_a_from_price_item_is_refused_at_the_basket_and_a_fixed_price_one_is_taken(client):
    # given a platform shown from ¥398,000 (起价) and a panel at a fixed ¥8,800
    platform = ProductFactory(title="城市大脑平台", price=Decimal("398000.00"), price_is_from=True)
    panel = ProductFactory(title="65 寸会议平板", price=Decimal("8800.00"))
    client.force_login(UserFactory())
    # when a buyer adds both
    refused = add(client, platform).content.decode()
    add(client, panel)
    # then the 起价 item is refused with the reason and the panel is in the basket
    assert (
        "“城市大脑平台”的价格为起价，实际价格以供应商报价为准，不能直接购买，请加入询价单获取报价。"
        in refused
    )
    lines = Basket.objects.get().all_lines()
    assert [line.product.title for line in lines] == ["65 寸会议平板"]


def test_a_concrete_variant_of_a_from_price_parent_is_bought_at_its_price(client):
    # given a parent shown 起价 with two variants at concrete prices
    parent, (small, _large) = make_parent_with_children(prices=["6800.00", "9800.00"], title="会议一体机")
    client.force_login(UserFactory())
    # when the buyer adds the first variant
    add(client, parent, child_id=small.pk)
    # then it is in the basket at its own price
    (line,) = Basket.objects.get().all_lines()
    assert (line.product_id, line.price_incl_tax) == (small.pk, Decimal("6800.00"))


def test_a_quote_only_item_is_refused_at_the_basket(client):
    product = ProductFactory(title="城市运行管理平台", quote_only=True, price=Decimal("1000000.00"))
    client.force_login(UserFactory())
    refused = add(client, product).content.decode()
    assert "“城市运行管理平台”仅支持询价采购，不能直接购买，请加入询价单。" in refused
    assert not Basket.objects.filter(lines__isnull=False).exists()


def test_a_from_price_line_already_in_the_basket_stops_at_checkout(client):
    # given a basket line of an item marked 起价 after it was added
    buyer = UserFactory()
    product = ProductFactory(title="交通大脑平台", price=Decimal("298000.00"), price_is_from=True)
    basket = Basket.objects.create(owner=buyer)
    record = product.stockrecords.get()
    basket.lines.create(
        product=product,
        stockrecord=record,
        quantity=1,
        price_currency="CNY",
        price_excl_tax=Decimal("263716.81"),
        price_incl_tax=Decimal("298000.00"),
        line_reference=f"{product.pk}_{record.pk}",
    )
    client.force_login(buyer)
    # when the buyer goes to checkout
    response = client.get(reverse("checkout:payment-details"), follow=True)
    # then it is sent back to the basket with the reason, and no order exists
    assert response.redirect_chain[-1][0] == reverse("basket:summary")
    assert "“交通大脑平台”的价格为起价" in response.content.decode()
    assert Order.objects.count() == 0
