"""OEM pages: the buyer's form, list and detail, the private logo, the vendor's dashboard."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop.buyers.services import buyer_organisation_remember
from shop.oem.models import OemOrder, OemStatus
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.oem import (
    SVG_OK,
    logo_upload,
    make_oem_product,
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
    organisation,
    png_bytes,
    reviewed_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


@pytest.fixture
def world():
    return oem_world(title="AI 视频分析盒子")


def form_data(**overrides) -> dict:
    data = {
        "quantity": "120",
        "brand_name": "星城智联",
        "logo": logo_upload(),
        "cust_boot_screen": "on",
        "cust_boot_screen_detail": "开机画面显示星城智联",
        "target_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }
    data.update(overrides)
    return data


def test_product_partial_shows_the_oem_button_with_moq(world):
    html = render_to_string("oem/partials/product_actions.html", {"product": world["product"]})
    assert f'href="/oem/new/{world["product"].pk}/"' in html
    assert "OEM定制" in html and "OEM 最小起订量 100 台" in html
    assert (
        render_to_string(
            "oem/partials/product_actions.html", {"product": make_oem_product(supports_oem=False)}
        ).strip()
        == ""
    )


def test_header_link_for_signed_in_buyers_only(world):
    assert "我的OEM订单" in render_to_string("oem/partials/nav.html", {"user": world["buyer"]})
    from django.contrib.auth.models import AnonymousUser

    assert render_to_string("oem/partials/nav.html", {"user": AnonymousUser()}).strip() == ""


def test_form_shows_moq_only_offered_customisations_and_remembered_organisation(client, world):
    buyer_organisation_remember(user=world["buyer"], data=organisation(org_name="株洲市政务服务中心"))
    client.force_login(world["buyer"])
    response = client.get(reverse("oem:create", args=[world["product"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "最小起订量 <strong>100 台</strong>" in html
    assert 'name="cust_boot_screen"' in html and 'name="cust_packaging"' in html
    assert 'name="cust_domain"' not in html
    assert 'value="株洲市政务服务中心"' in html
    assert "<script>" not in html.replace(" ", "")


def test_form_post_creates_the_order_and_shows_it_with_its_timeline(client, world):
    client.force_login(world["buyer"])
    response = client.post(reverse("oem:create", args=[world["product"].pk]), form_data())
    order = OemOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/oem/{order.number}/"
    assert (order.quantity, order.customisations) == (
        120,
        [{"code": "boot_screen", "detail": "开机画面显示星城智联"}],
    )
    page = client.get(response.url).content.decode()
    assert order.number in page and "提交订单" in page and "已提交" in page
    assert order.number in client.get(reverse("oem:list")).content.decode()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"quantity": "99"}, "OEM 定制最小起订量为 100 台，当前数量 99 不足。"),
        ({"logo": logo_upload(png_bytes(), "logo.svg")}, "文件扩展名“.svg”与文件内容（PNG）不符。"),
        ({"target_date": timezone.localdate().isoformat()}, "期望交货日期必须晚于今天。"),
        ({"cust_boot_screen_detail": ""}, "请填写“开机画面”的定制要求。"),
        ({"invoice_type": "special"}, "开具增值税专用发票需填写纳税人识别号。"),
    ],
)
def test_form_errors_are_chinese_and_save_nothing(client, world, overrides, message):
    client.force_login(world["buyer"])
    response = client.post(reverse("oem:create", args=[world["product"].pk]), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert OemOrder.objects.count() == 0


def test_another_buyers_order_is_a_404_everywhere(client, world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    client.force_login(UserFactory(username="buyer-b"))
    assert client.get(reverse("oem:detail", args=[order.number])).status_code == 404
    assert client.get(reverse("oem:logo", args=[order.number])).status_code == 404
    assert client.post(reverse("oem:action", args=[order.number, "cancel"])).status_code == 404
    assert OemOrder.objects.get(pk=order.pk).status == OemStatus.REVIEWING


def test_logo_is_served_to_owner_vendor_and_operator_only(client, world):
    order = reviewed_oem_order(
        buyer=world["buyer"], product=world["product"], logo=logo_upload(SVG_OK, "品牌.svg")
    )
    url = reverse("oem:logo", args=[order.number])
    other_vendor, _ = make_vendor_user()
    for user, expected in [
        (world["buyer"], 200),
        (world["vendor"], 200),
        (OperatorFactory(), 200),
        (other_vendor, 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content) == SVG_OK
            assert response["Content-Type"] == "image/svg+xml"
            assert response["Content-Disposition"].startswith("attachment")
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_buyer_accepts_the_offer_from_the_detail_page(client, world):
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    client.force_login(world["buyer"])
    page = client.get(reverse("oem:detail", args=[order.number])).content.decode()
    assert '<strong id="oem-offer-total">¥95,000.00</strong>' in page and "接受报价并生成订单" in page
    response = client.post(
        reverse("oem:action", args=[order.number, "accept"]),
        {"offer_revision": order.offer_revision},
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == OemStatus.CONFIRMED
    html = response.content.decode()
    assert order.oscar_order.number in html and "定金" in html and "¥30,000.00 · 待支付" in html
    assert f'href="/payments/orders/{order.oscar_order.number}/"' in html


def test_after_the_deposit_the_detail_page_says_so_and_offers_the_balance(client, world):
    from shop.payments import services as payments

    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    client.force_login(world["buyer"])
    client.post(
        reverse("oem:action", args=[order.number, "accept"]), {"offer_revision": order.offer_revision}
    )
    order.refresh_from_db()
    url = reverse("oem:detail", args=[order.number])
    pay_url = reverse("payments:order-detail", args=[order.oscar_order.number])
    # given a confirmed order: the deposit is due
    page = client.get(url).content.decode()
    assert '<span class="badge badge-info">已确认（待付定金）</span>' in page
    assert f'id="oem-pay" href="{pay_url}">去支付定金</a>' in page
    back = f'<a href="{url}" id="order-origin-link">{order.number}</a>'
    assert back in client.get(pay_url).content.decode()  # the payment page links back
    # when the deposit arrives (the payments app's real service)
    deposit = order.oscar_order.payment_stages.get(sequence=1)
    payments.stage_mark_paid(stage=deposit, method="bank_transfer", reference="HX20261125002")
    # then the page no longer asks for the deposit: it says it arrived and offers the balance
    page = client.get(url).content.decode()
    assert '<span class="badge badge-info">已确认（定金已到账）</span>' in page
    assert f'id="oem-pay" href="{pay_url}">去支付尾款</a>' in page
    assert "去支付定金" not in page


def test_illegal_buyer_action_shows_a_clear_message(client, world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    client.force_login(world["buyer"])
    response = client.post(reverse("oem:action", args=[order.number, "approve-sample"]), follow=True)
    assert "当前状态为“待报价”，不能变更为“样品已确认”。" in response.content.decode()


def test_vendor_dashboard_lists_only_its_own_orders(client, world):
    mine = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    other_vendor, other_partner = make_vendor_user()
    theirs = reviewed_oem_order(buyer=world["buyer"], product=make_oem_product(partner=other_partner))
    client.force_login(world["vendor"])
    html = client.get(reverse("dashboard:oem-list")).content.decode()
    assert mine.number in html and theirs.number not in html
    assert client.get(reverse("dashboard:oem-detail", args=[theirs.number])).status_code == 404
    response = client.post(
        reverse("dashboard:oem-transition", args=[theirs.number]), {"to": "rejected", "note": "x"}
    )
    assert response.status_code == 404
    assert OemOrder.objects.get(pk=theirs.pk).status == OemStatus.REVIEWING


def test_plain_buyers_cannot_open_the_dashboard_pages(client, world):
    client.force_login(world["buyer"])
    assert client.get(reverse("dashboard:oem-list")).status_code in (302, 403)


def test_vendor_makes_an_offer_and_bad_figures_are_refused(client, world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    client.force_login(world["vendor"])
    url = reverse("dashboard:oem-offer", args=[order.number])
    bad = client.post(url, {"unit_price": "900", "tooling_fee": "0", "deposit": "999999", "lead_days": "30"})
    assert bad.status_code == 400
    assert "定金必须大于零且不超过订单总额 ¥90,000.00。" in bad.content.decode()
    assert OemOrder.objects.get(pk=order.pk).status == OemStatus.REVIEWING
    good = client.post(
        url, {"unit_price": "900", "tooling_fee": "5000", "deposit": "30000", "lead_days": "30"}
    )
    assert good.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.offer_total) == (OemStatus.OFFERED, 95000)


def test_vendor_of_an_order_in_sampling_is_offered_a_new_sample_not_start_sampling(client, world):
    from shop.oem import services
    from shop.payments import services as payments

    order = offered_oem_order(
        buyer=world["buyer"], product=world["product"], vendor=world["vendor"], sample_required=True
    )
    order = services.oem_order_accept_offer(
        order=order, actor=world["buyer"], offer_revision=order.offer_revision
    )
    deposit = order.oscar_order.payment_stages.get(sequence=1)
    payments.stage_mark_paid(stage=deposit, method="bank_transfer", reference="HX20261125003")
    client.force_login(world["vendor"])
    url = reverse("dashboard:oem-detail", args=[order.number])
    assert 'id="oem-move-sampling">开始打样</button>' in client.get(url).content.decode()
    services.oem_order_vendor_move(order=order, actor=world["vendor"], to=OemStatus.SAMPLING)
    page = client.get(url).content.decode()
    assert 'id="oem-move-sampling">重新打样</button>' in page
    assert "开始打样</button>" not in page


def test_vendor_illegal_move_is_a_chinese_message_not_an_error_page(client, world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    client.force_login(world["vendor"])
    response = client.post(
        reverse("dashboard:oem-transition", args=[order.number]), {"to": "shipped"}, follow=True
    )
    assert response.status_code == 200
    assert "当前状态为“待报价”，不能变更为“已发货”。" in response.content.decode()


def test_dashboard_menu_has_the_oem_entry_for_vendors_not_buyers(world):
    from oscar.apps.dashboard.menu import get_nodes

    def labels(user):
        return [str(child.label) for node in get_nodes(user) for child in [node, *node.children]]

    assert "OEM定制" in labels(world["vendor"])
    assert "OEM定制" not in labels(world["buyer"])
