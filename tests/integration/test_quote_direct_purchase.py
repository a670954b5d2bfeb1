"""直购 on the quote form places a direct order: the quote list's items go into the basket at
their list price and the buyer is sent to the checkout — no request, no vendor asked. An item
that cannot be bought directly, or a government unit's total above the 直购 limit, refuses the
whole move and changes nothing. 协商报价 is what the form used to send under the name 直购."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from shop.buyers.models import OrgType
from shop.quotes.models import QuoteList, QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ProductFactory

pytestmark = pytest.mark.django_db
Basket = get_model("basket", "Basket")


def quote_list_of(client, *items):
    for product, quantity in items:
        client.post(reverse("quotes:list-add"), {"product": str(product.pk), "quantity": str(quantity)})


def submit_direct(client):
    return client.post(reverse("quotes:submit"), {"procurement_method": "direct"})


def basket_lines(user):
    basket = Basket.objects.filter(owner=user).first()
    return [] if basket is None else [(line.product.title, line.quantity) for line in basket.all_lines()]


def list_lines(user):
    return [
        (line.product.title, line.quantity) for line in QuoteList.objects.get(user=user).lines.order_by("pk")
    ]


def test_direct_moves_the_list_into_the_basket_and_opens_the_checkout():
    # given a buyer whose quote list holds two fixed-price items
    user = UserFactory()
    client = Client()
    client.force_login(user)
    panel = ProductFactory(title="65 寸会议平板", price=Decimal("8800.00"))
    stand = ProductFactory(title="移动支架", price=Decimal("1200.00"))
    quote_list_of(client, (panel, 2), (stand, 1))
    # when they choose 直购 on the quote form (no other field filled in)
    response = submit_direct(client)
    # then they are in the checkout with both items in the basket, the list is empty and no
    # request was sent to any vendor
    assert response.status_code == 302 and response["Location"] == reverse("checkout:index")
    assert basket_lines(user) == [("65 寸会议平板", 2), ("移动支架", 1)]
    assert list_lines(user) == []
    assert QuoteRequest.objects.count() == 0
    page = client.get(reverse("basket:summary")).content.decode()
    assert "已将 2 项商品按标价转入采购车，请核对收货地址和付款方式后提交直购订单。" in page


def test_a_from_price_item_refuses_the_whole_direct_purchase():
    # given a quote list with a fixed-price panel and a platform shown 起价
    user = UserFactory()
    client = Client()
    client.force_login(user)
    panel = ProductFactory(title="65 寸会议平板", price=Decimal("8800.00"))
    platform = ProductFactory(title="城市大脑平台", price=Decimal("398000.00"), price_is_from=True)
    quote_list_of(client, (panel, 1), (platform, 1))
    # when the buyer chooses 直购
    response = submit_direct(client)
    # then the form says why, and neither the basket nor the list changed
    assert response.status_code == 200
    assert (
        "“城市大脑平台”的价格为起价，实际价格以供应商报价为准，不能直接购买，请加入询价单获取报价。"
        in response.content.decode()
    )
    assert basket_lines(user) == []
    assert list_lines(user) == [("65 寸会议平板", 1), ("城市大脑平台", 1)]
    assert QuoteRequest.objects.count() == 0


def test_a_government_unit_above_the_direct_limit_is_sent_to_sourcing():
    # given a government unit's 经办人 with ¥250,000 of fixed-price items in the quote list
    _unit, members = make_unit(roles_by_name={"h": ["handler"]}, org_type=OrgType.PARTY_GOV)
    user = members["h"].user
    client = Client()
    client.force_login(user)
    platform = ProductFactory(title="城市大脑平台（标准版）", price=Decimal("250000.00"))
    quote_list_of(client, (platform, 1))
    # when they choose 直购
    response = submit_direct(client)
    # then the 直购 limit is named and nothing moved
    assert "本单位为政府采购单位，单次直购或协商报价不得超过 ¥200,000.00；本次金额 ¥250,000.00" in (
        response.content.decode()
    )
    assert basket_lines(user) == []
    assert list_lines(user) == [("城市大脑平台（标准版）", 1)]
