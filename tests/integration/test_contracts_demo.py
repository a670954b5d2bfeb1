"""make run's demo of the chain after the award: six orders of the demo unit, one at each stage
(合同待确认, 已交付待验收, 已验收待付款, 付款已逾期, 已付款, 已评价), made through the real services."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.contracts.models import Contract
from shop.credit.models import SupplierRating
from shop.fulfilment.models import Fulfilment
from shop.payments.models import BankTransfer
from shop.payments.selectors import open_payables
from shop.sourcing.models import SourcingEvent
from tests.factories.storefront import load_real_catalogue

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_order_at_each_stage_after_the_award(tmp_path, settings, capsys, client):
    # given the real catalogue, the demo accounts and the demo vendors (make run's first steps)
    settings.VAR_DIR = tmp_path
    settings.SOURCING_MIN_RESPONSE_WORKDAYS = 0  # as make run (dev settings)
    load_real_catalogue()
    call_command("create_demo_accounts")
    call_command("create_demo_sourcing")
    # when the chain demo runs twice
    call_command("create_demo_contracts")
    call_command("create_demo_contracts")
    # then six awarded 询价 of the demo unit, each with its order and contract, once
    events = list(SourcingEvent.objects.filter(title__contains="演示·").order_by("pk"))
    assert [e.title.split("·")[1].rstrip("）") for e in events] == [
        "合同待确认",
        "已交付待验收",
        "已验收待付款",
        "付款已逾期",
        "已付款",
        "已评价",
    ]
    orders = [e.order for e in events]
    for order in orders:
        order.refresh_from_db()
    assert [o.status for o in orders] == ["履约中", "履约中", "待付款", "待付款", "已完成", "已完成"]
    contracts = [Contract.objects.get(order=o) for o in orders]
    assert [c.status for c in contracts] == ["draft", "signed", "signed", "signed", "signed", "signed"]
    assert all(c.seller_name == "星城智慧科技（演示）" for c in contracts)
    assert [Fulfilment.objects.filter(order=o).values_list("status", flat=True).first() for o in orders] == [
        None,
        "open",
        "accepted",
        "accepted",
        "accepted",
        "accepted",
    ]
    # the overdue one is due in the past, the other due one in the future
    today = timezone.localdate()
    due = {s.order_id: s.due_on for s in open_payables()}
    assert due[orders[2].pk] > today and due[orders[3].pk] < today - timedelta(days=10)
    # the paid ones were paid to the vendor's own account and confirmed by the vendor
    assert list(
        BankTransfer.objects.filter(stage__order__in=orders)
        .order_by("pk")
        .values_list("stage__order_id", "status")
    ) == [(orders[4].pk, "confirmed"), (orders[5].pk, "confirmed")]
    assert list(SupplierRating.objects.values_list("order_id", flat=True)) == [orders[5].pk]
    # and every stage is printed with its order number
    out = capsys.readouterr().out
    for order in orders:
        assert order.number in out
    # and the unit's 财务 sees the overdue payable first, marked 已逾期, then the one due later
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="unit-finance"))
    html = client.get("/buyers/unit/").content.decode()
    section = html[html.index('id="unit-to-pay"') :]
    items = section[: section.index("</ul>")].split("<li>")[1:]
    assert orders[3].number in items[0] and "已逾期" in items[0]
    assert orders[2].number in items[1] and "已逾期" not in items[1]
    assert f"应于 {due[orders[2].pk]:%Y-%m-%d} 前付款" in items[1]
