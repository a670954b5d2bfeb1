"""The payments dashboard speaks plainly: a Stripe event is named by what happened (one table,
a Chinese fallback for a type it does not know, no Stripe object names), and a vendor's order
pages say who owes what — the buying unit by name, the order, the amount in figures and in 大写."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.payments.models import StripeEvent
from shop.payments.wording import STRIPE_EVENT_LABELS, amount_due, plain_note, stripe_event_label
from tests.browser.test_every_page_wording import visible_text, wording_findings
from tests.factories.accounts import OperatorFactory
from tests.factories.payments import unit_order, unit_world

pytestmark = pytest.mark.django_db


def test_each_stripe_event_type_has_a_chinese_label_and_an_unknown_one_the_fallback():
    assert stripe_event_label("payment_intent.succeeded") == "银行卡付款成功"
    assert stripe_event_label("payment_intent.payment_failed") == "银行卡付款失败"
    assert stripe_event_label("payment_intent.requires_action") == "付款需要持卡人验证"
    assert stripe_event_label("invoice.finalized") == "其他银行卡支付通知"
    assert stripe_event_label("") == "其他银行卡支付通知"
    for event_type in STRIPE_EVENT_LABELS:
        assert wording_findings(stripe_event_label(event_type)) == [], event_type


def test_a_stored_note_is_shown_without_stripe_object_names():
    note = "PaymentIntent pi_123 声称属于订单 DD1，但不是本系统创建的；幂等键不符。"
    assert plain_note(note) == "银行卡付款 pi_123 声称属于订单 DD1，但不是本系统创建的；付款请求编号不符。"


def test_the_operator_reads_stripe_events_in_plain_chinese(client):
    # given three stored events: a success, a failure and a type the mall does not know
    for i, (event_type, note) in enumerate(
        [
            ("payment_intent.succeeded", "已记账：DD1-1-1"),
            ("payment_intent.payment_failed", "支付失败（已记录）。"),
            ("customer.created", "与本商城订单无关的 PaymentIntent。"),
        ]
    ):
        StripeEvent.objects.create(
            event_id=f"evt_{i}", type=event_type, payment_intent_id=f"pi_{i}", payload="{}", note=note
        )
    client.force_login(OperatorFactory(username="events_operator", is_superuser=True))
    # when the operator opens the event list
    response = client.get(reverse("dashboard:payments-stripe-events"))
    # then each event is named in Chinese and no Stripe term is shown
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    for label in (
        "银行卡付款成功",
        "银行卡付款失败",
        "其他银行卡支付通知",
        "与本商城订单无关的 银行卡付款。",
    ):
        assert label in text, label
    for word in ("payment_intent", "PaymentIntent", "customer.created", "幂等键"):
        assert word not in text, word
    assert wording_findings(text) == []


def test_the_vendor_sees_the_unit_the_order_and_the_amount_in_words():
    # given a government unit's accepted order of ¥12,000 from the vendor
    world = unit_world()
    order = unit_order(world, price="6000.00", qty=2, accepted=True)
    client = Client()
    client.force_login(world.vendor)
    # when the vendor opens its order list and the order's payment page
    listing = visible_text(client.get(reverse("dashboard:payments-list")).content.decode())
    page = client.get(reverse("dashboard:payments-order", kwargs={"number": order.number})).content.decode()
    # then both name the unit and say the amount in figures and in 大写
    org = world.unit.org_name
    due = re.search(r'<p class="lead" id="order-due">(.*?)</p>', page, flags=re.S).group(1)
    assert " ".join(due.split()) == f"{org} 订单 {order.number} 应付 ¥12,000.00（壹万贰仟元整）"
    assert f"\n{org}\n" in listing and "¥12,000.00\n壹万贰仟元整" in listing
    assert str(amount_due(order)) == f"{org} 订单 {order.number} 应付 ¥12,000.00（壹万贰仟元整）"
    assert amount_due(order, amount=Decimal("0.50")).upper == "伍角整"
