"""A government buying unit buys through the basket checkout: the 经办人 names the budget line,
an order over ¥50,000 waits for the unit's 审批人 (vendors do not see it, nobody can pay it),
the 财务 pays it once approved and the budget is spent; a rejection cancels it and gives the
budget back. Two checkouts at once against the last of a budget line (real threads, each its
own PostgreSQL connection and request transaction): one order, one clear Chinese refusal."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from shop.buyers.models import ApprovalRequest, BudgetCommitment, BudgetLine
from shop.buyers.services import approval_decide
from shop.payments.models import BankTransfer, StripePayment
from tests.factories.catalogue import ProductClassFactory, ProductFactory
from tests.factories.payments import (
    accept,
    connect_stripe,
    outsider_member,
    transfer_post,
    unit_order,
    unit_world,
)

Order = get_model("order", "Order")

REFUSE_PAY = "只有本单位的财务可以为本单位的订单付款。"
WAITING = "订单正在等待本单位审批，审批通过后才能付款。"


def platform(partner, price: str):
    """A software platform sold by the vendor at a list price (no delivery step)."""
    software = ProductClassFactory(
        name="软件平台", slug=f"software-{price}", requires_shipping=False, track_stock=False
    )
    return ProductFactory(
        title="智慧城管平台（标准版）",
        product_class=software,
        price=Decimal(price),
        tax_rate=Decimal("0.13"),
        unit="套",
        partner=partner,
    )


def to_preview(client, user, product, line, qty=1):
    """The member fills the basket and reaches the order preview with the budget line."""
    client.force_login(user)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": qty})
    page = client.get(reverse("checkout:index"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("checkout:payment-details")
    return client.post(reverse("checkout:preview"), {"budget_line": str(line.pk)})


def place(client, line):
    return client.post(reverse("checkout:preview"), {"action": "place_order", "budget_line": str(line.pk)})


def figures(line):
    line = BudgetLine.objects.get(pk=line.pk)
    return line.committed, line.spent


@pytest.mark.django_db
def test_direct_order_over_the_threshold_from_checkout_to_payment(client):
    # given a government unit with a ¥200,000 line and a vendor's ¥30,000 platform
    world = unit_world()
    product = platform(world.partner, "30000.00")
    # the 经办人 is asked for the budget line on the payment step
    client.force_login(world.handler.user)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 2})
    page = client.get(reverse("checkout:index"), follow=True).content.decode()
    assert 'id="checkout-budget"' in page and "信息化建设（可用 ¥200,000.00）" in page
    # without a line the order does not go on
    missing = client.post(reverse("checkout:preview"), {})
    assert missing.status_code == 200 and "请选择本次采购使用的预算。" in missing.content.decode()
    # with it, the preview says the order will wait for approval
    preview = client.post(reverse("checkout:preview"), {"budget_line": str(world.line.pk)})
    assert 'id="preview-approval"' in preview.content.decode()
    # when the order of ¥60,000 is placed
    placed = place(client, world.line)
    order = Order.objects.get(origin__unit=world.unit)
    assert placed.status_code == 302
    assert placed.url == reverse("payments:order-detail", kwargs={"number": order.number})
    # then it waits in 待审批 with the budget committed, and the page says so
    assert (order.status, order.user, order.origin.budget_line) == ("待审批", world.handler.user, world.line)
    assert order.total_incl_tax == Decimal("60000.00")
    assert figures(world.line) == (Decimal("60000.00"), Decimal("0.00"))
    detail = client.get(placed.url).content.decode()
    assert WAITING in detail and 'id="transfer-form"' not in detail
    # the vendor does not see it anywhere in the dashboard
    vendor = Client()
    vendor.force_login(world.vendor)
    assert order.number not in vendor.get(reverse("dashboard:payments-list")).content.decode()
    assert order.number not in vendor.get(reverse("dashboard:order-list")).content.decode()
    assert vendor.get(reverse("dashboard:order-detail", kwargs={"number": order.number})).status_code == 404
    # and the 财务 cannot pay it yet
    finance = Client()
    finance.force_login(world.finance.user)
    stage = order.payment_stages.get()
    transfer_url = reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1})
    refused = finance.post(transfer_url, transfer_post(stage))
    assert refused.status_code == 400 and WAITING in refused.content.decode()
    assert BankTransfer.objects.count() == 0

    # when the 审批人 approves
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    assert (
        approval_decide(approval=approval, actor=world.approver.user, decision="approve").outcome
        == "approved"
    )
    order.refresh_from_db()
    # a government unit pays after 履约验收: the order goes to 履约中, the vendor delivers and
    # the unit accepts it; then it is payable
    assert order.status == "履约中"
    accept(order, actor=world.handler.user)
    assert order.status == "待付款"
    # then the vendor sees it
    assert order.number in vendor.get(reverse("dashboard:payments-list")).content.decode()
    assert order.number in vendor.get(reverse("dashboard:order-list")).content.decode()
    # the 经办人 (no 财务 role) cannot pay: the Chinese 403
    handler_try = client.post(transfer_url, transfer_post(stage))
    assert handler_try.status_code == 403 and REFUSE_PAY in handler_try.content.decode()
    # another unit's member: no such order
    outsider = Client()
    outsider.force_login(outsider_member().user)
    assert outsider.get(placed.url).status_code == 404
    assert outsider.post(transfer_url, transfer_post(stage)).status_code == 404
    assert BankTransfer.objects.count() == 0
    # the 财务 sees it due and pays by bank transfer
    due = finance.get(reverse("payments:order-list") + "?show=due").content.decode()
    assert order.number in due
    assert finance.post(transfer_url, transfer_post(stage)).status_code == 302
    transfer = BankTransfer.objects.get(order=order)
    confirmed = vendor.post(
        reverse("dashboard:payments-transfer-confirm", kwargs={"pk": transfer.pk}),
        {"note": "", "received_amount": "60000.00"},
    )
    assert confirmed.status_code == 302
    order.refresh_from_db()
    # then the order is paid and the budget spent
    assert order.status == "已付款"
    assert figures(world.line) == (Decimal("0.00"), Decimal("60000.00"))
    assert order.number not in finance.get(reverse("payments:order-list") + "?show=due").content.decode()


@pytest.mark.django_db
def test_rejected_direct_order_is_cancelled_and_its_budget_released(client):
    world = unit_world()
    product = platform(world.partner, "55000.00")
    to_preview(client, world.handler.user, product, world.line)
    place(client, world.line)
    order = Order.objects.get(origin__unit=world.unit)
    assert figures(world.line) == (Decimal("55000.00"), Decimal("0.00"))
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    result = approval_decide(
        approval=approval, actor=world.approver.user, decision="reject", comment="请走询价采购"
    )
    assert result.outcome == "rejected"
    order.refresh_from_db()
    assert order.status == "已取消"
    assert figures(world.line) == (Decimal("0.00"), Decimal("0.00"))
    page = client.get(reverse("payments:order-detail", kwargs={"number": order.number})).content.decode()
    assert "订单已取消，无需付款。" in page


@pytest.mark.django_db
def test_a_member_without_the_handler_role_cannot_check_out(client):
    world = unit_world()
    product = platform(world.partner, "1000.00")
    response = to_preview(client, world.finance.user, product, world.line)
    assert "只有本单位的经办人可以提交询价、接受报价或下单。" in response.content.decode()
    placed = place(client, world.line)
    assert placed.status_code == 200
    assert Order.objects.count() == 0
    assert figures(world.line) == (Decimal("0.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_the_units_finance_pays_by_card_and_the_budget_is_spent(client, localstripe):
    # given a unit order of ¥12,000 (under the approval threshold), delivered and accepted, of a
    # vendor that takes cards on its own Stripe account
    world = unit_world()
    connect_stripe(world.partner)
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    url = reverse("payments:card-pay", kwargs={"number": order.number, "sequence": 1})
    card = {"token": "unit-card-1", "number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    # the 经办人 who placed it cannot pay it by card: the Chinese 403, Stripe is not called
    client.force_login(world.handler.user)
    refused = client.post(url, card)
    assert refused.status_code == 403 and REFUSE_PAY in refused.content.decode()
    assert StripePayment.objects.count() == 0
    # the 财务 can, and the line's committed amount becomes spent
    client.force_login(world.finance.user)
    assert client.post(url, card).status_code == 302
    order.refresh_from_db()
    assert order.status == "已付款"
    assert StripePayment.objects.get(order=order).created_by == world.finance.user
    assert figures(world.line) == (Decimal("0.00"), Decimal("12000.00"))


def at_once(calls):
    """Run the callables in threads released together by one barrier; each result or exception."""
    barrier = threading.Barrier(len(calls))

    def one(call):
        try:
            barrier.wait()
            return call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("price", "status"),
    [("40000.00", "履约中"), ("60000.00", "待审批")],  # a government unit: paid after acceptance
    ids=["committed-at-placement", "committed-on-submission-for-approval"],
)
def test_two_checkouts_against_the_last_of_a_budget_line_place_one_order(price, status):
    # given a line with room for one order of ``price`` but not two, and two 经办人 at the preview
    amount = Decimal(price) * 3 / 2
    world = unit_world(budget=str(amount))
    product = platform(world.partner, price)
    clients = [Client(), Client()]
    for c, member in zip(clients, (world.handler, world.handler2), strict=True):
        assert to_preview(c, member.user, product, world.line).status_code == 200
    # when both place their order at the same moment
    responses = at_once([lambda c=c: place(c, world.line) for c in clients])
    # then exactly one order is placed and the other checkout is told why, in Chinese
    assert sorted(r.status_code for r in responses) == [200, 302], responses
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    left = f"¥{amount - Decimal(price):,.2f}"
    assert f"预算“信息化建设”可用余额 {left}，不足以承担本次采购 ¥{Decimal(price):,.2f}。" in refused
    (order,) = Order.objects.all()
    assert order.status == status
    # and the line never holds more than its amount
    assert figures(world.line) == (Decimal(price), Decimal("0.00"))
    assert list(BudgetCommitment.objects.values_list("order_id", flat=True)) == [order.pk]
    # the refused buyer's basket is open again (nothing of the failed order was kept)
    refused_client = clients[[r.status_code for r in responses].index(200)]
    basket = refused_client.get(reverse("basket:summary"))
    assert basket.status_code == 200 and "智慧城管平台（标准版）" in basket.content.decode()
