"""Direct purchase at list price through Oscar's basket checkout, in Chinese."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories.accounts import UserFactory
from tests.factories.catalogue import ProductClassFactory, ProductFactory
from tests.factories.payments import SPECIAL_INVOICE

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")


@pytest.fixture
def consulting_day():
    services = ProductClassFactory(
        name="咨询服务", slug="consulting", requires_shipping=False, track_stock=False
    )
    return ProductFactory(
        title="智慧城市顶层设计咨询（人天）",
        product_class=services,
        price=Decimal("3000.00"),
        tax_rate=Decimal("0.06"),
        unit="人天",
    )


def test_basket_checkout_places_a_direct_order_with_one_stage_and_the_invoice_request(client, consulting_day):
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("basket:add", kwargs={"pk": consulting_day.pk}), {"quantity": 2})
    # the checkout walks to the payment step (no shipping for a service)
    response = client.get(reverse("checkout:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
    html = response.content.decode()
    assert "付款方式与发票" in html and "需要开具增值税发票" in html
    # the buyer asks for a 专票 and previews the order
    invoice = {"invoice_wanted": "1", **SPECIAL_INVOICE}
    preview = client.post(reverse("checkout:preview"), invoice)
    assert preview.status_code == 200
    assert "长沙市数据资源局（增值税专用发票）" in preview.content.decode()
    # when the order is placed
    placed = client.post(reverse("checkout:preview"), {"action": "place_order", **invoice})
    # then the buyer lands on the order's payment page
    order = Order.objects.get(user=buyer)
    assert placed.status_code == 302
    assert placed.url == reverse("payments:order-detail", kwargs={"number": order.number})
    assert order.number.startswith("DD") and order.status == "待付款"
    assert order.total_incl_tax == Decimal("6000.00")
    assert (order.origin.source, order.origin.reference) == ("direct", "")
    assert [(s.label, s.amount, s.status) for s in order.payment_stages.all()] == [
        ("全款", Decimal("6000.00"), "due")
    ]
    request = order.invoice_request
    assert (request.invoice_type, request.invoice_title, request.invoice_account) == (
        "special",
        "长沙市数据资源局",
        "43050175380000000001",
    )
    assert order.sources.count() == 0  # nothing is charged before the buyer pays
    page = client.get(placed.url).content.decode()
    assert "本次应付：全款 ¥6,000.00" in page
    assert '<td>6%</td><td class="text-right">¥5,660.38</td><td class="text-right">¥339.62</td>' in page


def test_checkout_rejects_an_incomplete_special_invoice_in_chinese(client, consulting_day):
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("basket:add", kwargs={"pk": consulting_day.pk}), {"quantity": 1})
    client.get(reverse("checkout:index"), follow=True)
    data = {"invoice_wanted": "1", **SPECIAL_INVOICE, "invoice_bank": "", "invoice_account": ""}
    response = client.post(reverse("checkout:preview"), data)
    html = response.content.decode()
    assert "开具增值税专用发票需填写开户银行。" in html
    assert "开具增值税专用发票需填写银行账号。" in html
    placed = client.post(reverse("checkout:preview"), {"action": "place_order", **data})
    assert placed.status_code == 200
    assert Order.objects.count() == 0


def test_quote_only_product_cannot_be_checked_out(client):
    buyer = UserFactory()
    product = ProductFactory(title="城市运行管理平台", quote_only=True, price=Decimal("1000000.00"))
    basket = Basket.objects.create(owner=buyer)
    basket.lines.create(
        product=product,
        stockrecord=product.stockrecords.get(),
        quantity=1,
        price_currency="CNY",
        price_excl_tax=Decimal("884955.75"),
        price_incl_tax=Decimal("1000000.00"),
        line_reference=f"{product.pk}_{product.stockrecords.get().pk}",
    )
    client.force_login(buyer)
    response = client.get(reverse("checkout:payment-details"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("basket:summary")
    assert "“城市运行管理平台”仅支持询价采购，不能直接购买，请加入询价单。" in response.content.decode()
    assert Order.objects.count() == 0


def test_shipping_address_step_asks_for_a_chinese_address(client):
    # given a buyer with a device (it needs delivery) in the basket
    devices = ProductClassFactory(name="会议平板", slug="panel", requires_shipping=True, track_stock=False)
    panel = ProductFactory(title="65 寸会议平板", product_class=devices, price=Decimal("8800.00"))
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("basket:add", kwargs={"pk": panel.pk}), {"quantity": 1})
    # the address form is 收货人, 省份, 城市, 详细地址 … (Oscar's said 姓, 国家 for the state, 介绍)
    page = client.get(reverse("checkout:shipping-address"))
    form = page.context["form"]
    assert [str(form.fields[name].label) for name in form.fields] == [
        "收货人",
        "省份",
        "城市",
        "详细地址",
        "地址补充（选填）",
        "邮政编码（选填）",
        "手机号码",
        "配送说明（选填）",
    ]
    # a province and a phone are needed to deliver
    missing = client.post(
        reverse("checkout:shipping-address"),
        {"first_name": "王敏", "line4": "长沙市", "line1": "麓谷大道 100 号"},
    )
    assert set(missing.context["form"].errors) == {"state", "phone_number"}
    # when the buyer fills it in, the checkout moves on with that address
    response = client.post(
        reverse("checkout:shipping-address"),
        {
            "first_name": "王敏",
            "state": "湖南省",
            "line4": "长沙市",
            "line1": "岳麓区麓谷大道 100 号",
            "phone_number": "13812345678",
            "notes": "工作日送达",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("checkout:shipping-method")


def test_the_account_order_page_sends_the_buyer_to_the_payment_page(client, consulting_day):
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("basket:add", kwargs={"pk": consulting_day.pk}), {"quantity": 1})
    client.get(reverse("checkout:index"), follow=True)
    client.post(reverse("checkout:preview"), {"action": "place_order"})
    order = Order.objects.get(user=buyer)
    # Oscar's 订单历史 page has no payment: it links to the order's payment page instead of 再次购买
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number})).content.decode()
    pay_url = reverse("payments:order-detail", kwargs={"number": order.number})
    assert f'id="order-payment-link" href="{pay_url}">付款、汇款凭证与发票</a>' in page
    assert f'id="order_form_{order.id}"' not in page  # no 再次购买所有商品 at list price


def test_a_basket_above_the_single_payment_limit_is_refused_in_chinese_and_places_nothing(client):
    # given a basket of 6 × ¥20,000,000.00 (¥120,000,000.00, above ¥99,999,999.99)
    software = ProductClassFactory(
        name="软件平台", slug="platform", requires_shipping=False, track_stock=False
    )
    platform = ProductFactory(
        title="城市级数据中台", product_class=software, price=Decimal("20000000.00"), tax_rate=Decimal("0.06")
    )
    buyer = UserFactory()
    client.force_login(buyer)
    client.post(reverse("basket:add", kwargs={"pk": platform.pk}), {"quantity": 6})
    client.get(reverse("checkout:index"), follow=True)
    # when the buyer places the order
    response = client.post(reverse("checkout:preview"), {"action": "place_order"}, follow=True)
    # then the page says why and no order exists
    assert response.status_code == 200
    assert (
        "订单金额超过单笔付款上限 ¥99,999,999.99，请减少数量分批下单，或通过询价采购分阶段付款。"
        in response.content.decode()
    )
    assert Order.objects.filter(user=buyer).count() == 0


def test_a_basket_of_two_sellers_is_checked_out_seller_by_seller(client):
    # given a basket with a cloud service of 星城科技 and one of 麓谷电子
    from tests.factories.accounts import PartnerFactory

    first, second = PartnerFactory(name="星城科技"), PartnerFactory(name="麓谷电子")
    cloud = ProductClassFactory(name="云服务", slug="cloud", requires_shipping=False, track_stock=False)
    panel = ProductFactory(
        title="政务云主机（年）", price=Decimal("29800.00"), partner=first, product_class=cloud
    )
    other = ProductFactory(
        title="对象存储（年）", price=Decimal("19800.00"), partner=second, product_class=cloud
    )
    buyer = UserFactory()
    client.force_login(buyer)
    for product in (panel, other):
        client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    message = (
        "一张订单只能向一个销售方采购：采购车中有星城科技、麓谷电子的商品。"
        "请把其他销售方的商品点“稍后购买”移出采购车，按销售方分别结算"
        "（每张订单与该销售方签订合同、直接付款给该销售方、由该销售方开票）。"
    )
    # when the buyer goes to the checkout, then the 采购车 says so before any step
    response = client.get(reverse("checkout:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("basket:summary")
    assert message in response.content.decode()
    # when the buyer places the order anyway, then nothing is placed and the reason is shown
    placed = client.post(reverse("checkout:preview"), {"action": "place_order"}, follow=True)
    assert placed.status_code == 200
    assert message in placed.content.decode()
    assert Order.objects.filter(user=buyer).count() == 0
    # when the second seller's service is removed, then the order of the first is placed
    basket = Basket.objects.get(owner=buyer, status="Open")
    basket.lines.get(product=other).delete()
    client.get(reverse("checkout:index"), follow=True)
    done = client.post(reverse("checkout:preview"), {"action": "place_order"}, follow=True)
    order = Order.objects.get(user=buyer)
    assert done.redirect_chain[-1][0] == reverse("payments:order-detail", kwargs={"number": order.number})
    assert [(line.partner_name, line.line_price_incl_tax) for line in order.lines.all()] == [
        ("星城科技", Decimal("29800.00"))
    ]
