"""Before the buyer accepts a 询价 award, a quote or an OEM offer, the page says how the order
will be paid (before delivery, or after 履约验收) and why; once the order exists, its page
says the same."""

import pytest
from django.urls import reverse

from shop.oem import services as oem
from shop.sourcing import services as sourcing
from tests.factories.buyers import make_unit
from tests.factories.oem import oem_private_root, oem_world, offered_oem_order  # noqa: F401
from tests.factories.payments import allow_prepay
from tests.factories.sourcing import publish_inquiry, sourcing_world

pytestmark = pytest.mark.django_db

GOVERNMENT = (
    "结算方式：验收后付款</strong>　采购单位为党政机关：供应商交付、采购单位履约验收合格后付款，"
    "付款期限自验收之日起算（《保障中小企业款项支付条例》）。"
)


def _opened(world):
    event = publish_inquiry(world)
    lines = list(event.lines.order_by("sequence"))
    for (partner, user), price in zip(world.vendors[:3], ("18800.00", "19000.00", "19500.00"), strict=True):
        sourcing.response_submit(
            event=event,
            actor=user,
            prices={lines[0].pk: price, lines[1].pk: "400.00"},
            delivery_days=20,
            partner_id=partner.pk,
        )
    event.refresh_from_db()
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    return event


def test_a_government_units_award_page_says_it_pays_after_acceptance_before_and_after_confirming(client):
    # given a government unit's 询价 opened, the lowest price proposed
    world = sourcing_world(org_type="party_gov")
    event = _opened(world)
    client.force_login(world.handler)
    # when the 经办人 opens it, then the note above 确认成交 says how and why
    page = client.get(reverse("sourcing:detail", args=[event.number])).content.decode()
    assert GOVERNMENT in page and 'id="sourcing-confirm"' in page
    # when the award is confirmed, then the order's settlement shows on the same page
    sourcing.award_confirm(event=event, actor=world.handler)
    page = client.get(reverse("sourcing:detail", args=[event.number])).content.decode()
    assert 'class="alert alert-info order-settlement" data-settlement="after_acceptance"' in page


def test_a_companys_award_page_follows_the_winners_choice(client):
    # given a company's 询价 whose lowest bidder lets companies pay first
    world = sourcing_world(org_type="private")
    allow_prepay(world.vendors[0][0])
    event = _opened(world)
    client.force_login(world.handler)
    # then the note says it pays before delivery, because the vendor allows it
    page = client.get(reverse("sourcing:detail", args=[event.number])).content.decode()
    assert "结算方式：付款后发货</strong>　供应商支持先付款后发货：付款确认后供应商安排发货。" in page


@pytest.mark.usefixtures("oem_private_root")
def test_a_government_units_oem_offer_shows_no_deposit_and_the_settlement(client):
    # given an OEM offer with a ¥30,000 deposit to a government unit's 经办人
    world = oem_world(lead_time_days=15)
    _unit, members = make_unit(roles_by_name={"handler": ["handler"]}, org_type="party_gov")
    handler = members["handler"].user
    order = offered_oem_order(buyer=handler, product=world["product"], vendor=world["vendor"])
    client.force_login(handler)
    # when the 经办人 opens it
    page = client.get(reverse("oem:detail", args=[order.number])).content.decode()
    # then it is paid once after acceptance, with no deposit, and the note says why
    assert '<td id="oem-offer-deposit">履约验收合格后一次付清，无定金</td>' in page
    assert GOVERNMENT in page
    # when accepted, the order's settlement shows and no 去支付 link while it is 履约中
    oem.oem_order_accept_offer(order=order, actor=handler, offer_revision=order.offer_revision)
    page = client.get(reverse("oem:detail", args=[order.number])).content.decode()
    assert 'data-settlement="after_acceptance"' in page and 'id="oem-pay"' not in page


def test_each_quote_column_says_how_its_order_would_be_paid(client):
    # given a company buyer's request answered by a vendor letting companies pay first and one not
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from shop.quotes import services as quotes
    from shop.quotes.models import VendorQuote
    from shop.quotes.services import PriceInput
    from tests.factories.accounts import UserFactory
    from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

    (first, first_user), (second, second_user) = make_vendor("星城科技"), make_vendor("麓谷电子")
    allow_prepay(first)
    allow_prepay(second, allowed=False)
    product = stocked_product(vendors=[(first, "29800.00"), (second, "30500.00")], title="86 寸会议平板")
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 1)], org_type="private"))
    for partner, user in ((first, first_user), (second, second_user)):
        vq = VendorQuote.objects.get(request=qr, partner=partner)
        quotes.vendor_quote_answer(
            vendor_quote=vq,
            actor=user,
            prices={vq.lines.get().pk: PriceInput(Decimal("29000.00"), Decimal("0.13"))},
            lead_time_days=10,
            valid_until=timezone.localdate() + timedelta(days=15),
        )
    client.force_login(buyer)
    # when the buyer compares them
    page = client.get(reverse("quotes:detail", args=[qr.number])).content.decode()
    # then each column says its own settlement
    first_vq, second_vq = (VendorQuote.objects.get(request=qr, partner=p) for p in (first, second))
    assert f'id="settlement-{first_vq.pk}" data-settlement="prepay"' in page
    assert f'id="settlement-{second_vq.pk}" data-settlement="after_acceptance"' in page


def test_an_award_to_a_vendor_without_stock_records_follows_that_vendors_settlement():
    # given a company's 询价 whose lowest bidder lists none of the lines and wants payment after
    # acceptance (its lines are free text for it)
    world = sourcing_world(org_type="private")
    winner, _user = world.vendors[1]
    allow_prepay(winner, allowed=False)
    event = publish_inquiry(world)
    lines = list(event.lines.order_by("sequence"))
    for (partner, user), price in zip(world.vendors[:3], ("19000.00", "18800.00", "19500.00"), strict=True):
        sourcing.response_submit(
            event=event,
            actor=user,
            prices={lines[0].pk: price, lines[1].pk: "400.00"},
            delivery_days=20,
            partner_id=partner.pk,
        )
    event.refresh_from_db()
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    # when the award is confirmed
    sourcing.award_confirm(event=event, actor=world.handler)
    event.refresh_from_db()
    # then every line is the winner's and the order is paid after acceptance, as it asks
    order = event.order
    assert event.winner_id == winner.pk
    assert set(order.lines.values_list("partner_id", "partner_name")) == {(winner.pk, winner.name)}
    assert (order.status, order.origin.settlement) == ("履约中", "after_acceptance")


def test_the_order_page_names_every_party_and_the_delivery_address(client):
    # given a government unit's awarded 询价 (delivered to the place the 询价 named)
    world = sourcing_world(org_type="party_gov")
    event = _opened(world)
    sourcing.award_confirm(event=event, actor=world.handler)
    event.refresh_from_db()
    winner = world.vendors[0][0]
    client.force_login(world.members["finance"].user)
    # when the unit's 财务 opens the order
    page = client.get(reverse("payments:order-detail", args=[event.order.number])).content.decode()
    # then the buyer unit, the seller and the delivery address are there, by name
    assert f'<dd class="col-sm-4" id="order-buyer">{world.unit.org_name}（' in page
    assert f'<dd class="col-sm-4" id="order-sellers">{winner.name}</dd>' in page
    assert "长沙市岳麓区麓山南路 1 号" in page.split('id="order-address">')[1].split("</dd>")[0]
