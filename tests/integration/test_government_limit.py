"""A government unit buys above the 直购 limit (SOURCING_DIRECT_LIMIT, ¥200,000 by default) only
by 网上询价 or 反向竞价: the basket says so and starts a 询价 with its items, checkout refuses,
and a negotiable quote above the limit cannot be accepted. Companies keep their flows."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from shop.buyers.models import OrgType
from shop.core.exceptions import DomainError
from tests.factories.buyers import make_unit
from tests.factories.catalogue import CategoryFactory, ProductFactory
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request
from tests.factories.vendors import make_application

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
LIMIT_MESSAGE = "本单位为政府采购单位，单次直购或协商报价不得超过 ¥200,000.00；本次金额 ¥250,000.00"


def basket_of(org_type):
    """A unit's 经办人 with a ¥250,000 platform (fixed price) in the basket."""
    _unit, members = make_unit(roles_by_name={"h": ["handler"]}, org_type=org_type)
    category = CategoryFactory(name="城市大脑")
    for i in range(3):  # three vendors qualified for the category (approved 入驻)
        partner, user = make_vendor(f"城市大脑供应商{i + 1}")
        make_application(user=user, status="approved", partner=partner).categories.add(category)
    platform = ProductFactory(
        title="城市大脑平台（标准版）", price=Decimal("250000.00"), categories=[category]
    )
    client = Client()
    client.force_login(members["h"].user)
    client.post(reverse("basket:add", args=[platform.pk]), {"quantity": 1})
    return client, platform, category


def test_a_government_basket_above_the_limit_says_which_mode_applies_and_checkout_refuses():
    # given a government unit's basket of ¥250,000
    client, platform, category = basket_of(OrgType.PARTY_GOV)
    # when the 经办人 opens the basket and then goes to checkout
    basket = client.get(reverse("basket:summary")).content.decode()
    checkout = client.get(reverse("checkout:payment-details"), follow=True)
    # then the basket names the rule and offers to start a 询价; checkout sends them back
    assert LIMIT_MESSAGE in basket and 'id="basket-start-inquiry"' in basket
    assert checkout.redirect_chain[-1][0] == reverse("basket:summary")
    assert LIMIT_MESSAGE in checkout.content.decode()
    assert Order.objects.count() == 0
    # and the 询价 form opens with the basket's item as its first line, in its category
    form = client.get(reverse("sourcing:create"), {"mode": "inquiry", "from": "basket"}).content.decode()
    assert 'value="城市大脑平台（标准版）"' in form
    assert f'name="line_1_product" value="{platform.pk}"' in form
    assert f'name="category" value="{category.pk}"' in form


def test_a_company_basket_above_the_limit_goes_to_checkout():
    client, _platform, _category = basket_of(OrgType.PRIVATE)
    basket = client.get(reverse("basket:summary")).content.decode()
    assert "basket-sourcing-required" not in basket
    response = client.get(reverse("checkout:payment-details"), follow=True)
    assert "单次直购或协商报价不得超过" not in response.content.decode()
    assert reverse("basket:summary") not in [url for url, _status in response.redirect_chain]


def test_a_negotiable_quote_above_the_limit_cannot_be_accepted_by_a_government_unit():
    # given a government unit's request answered at 2 × ¥125,000
    from shop.quotes import services

    _unit, members = make_unit(roles_by_name={"h": ["handler"]}, org_type=OrgType.INSTITUTION)
    vendor, _user = make_vendor("湘江科技")
    product = stocked_product(vendors=[(vendor, "125000.00")], title="智慧路灯控制平台")
    qr = process(submit_request(buyer=members["h"].user, lines=[(product, 2)]))
    vq = qr.vendor_quotes.get()
    # when the 经办人 accepts it
    with pytest.raises(DomainError) as refused:
        services.vendor_quote_accept(vendor_quote=vq, actor=members["h"].user, revision=vq.revision)
    # then it is refused with the rule, and nothing is ordered
    assert refused.value.message.startswith(LIMIT_MESSAGE)
    qr.refresh_from_db()
    assert (qr.status, qr.order_id) == ("quoted", None)
