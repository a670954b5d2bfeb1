"""对公转账 from the buyer's slip upload to the vendor's / operator's confirmation, access rules,
and the unpaid-order reminder and cancellation (periodic task functions at a fixed time)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from shop.core.uploads import bytes_upload
from shop.payments.models import BankTransfer, PaymentAuditEvent, PaymentStage
from shop.payments.services import unpaid_orders_cancel, unpaid_orders_remind
from tests.conftest import deliver_outbox
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.payments import placed_order, slip_png, transfer_post, two_vendor_order, verified_account

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def _detail(order):
    return reverse("payments:order-detail", kwargs={"number": order.number})


def _upload(client, order, sequence=1, **overrides):
    stage = order.payment_stages.get(sequence=sequence)
    return client.post(
        reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": sequence}),
        transfer_post(stage, **overrides),
    )


def _confirm(client, transfer, note="", received=None):
    """确认到账 with the amount read off the bank statement (by default: what the slip says)."""
    return client.post(
        reverse("dashboard:payments-transfer-confirm", kwargs={"pk": transfer.pk}),
        {"note": note, "received_amount": str(received or transfer.amount)},
    )


@pytest.fixture
def world(client):
    buyer = UserFactory()
    vendor, partner = make_vendor_user()
    other_vendor, _ = make_vendor_user()
    order = placed_order(buyer=buyer, partner=partner, price="11800.00", qty=2)
    return {"buyer": buyer, "vendor": vendor, "other_vendor": other_vendor, "order": order}


def test_transfer_from_slip_upload_to_vendor_confirmation(client, settings, world):
    settings.MALL_PAYEE_NAME = "湖南湘慧科技有限公司"
    settings.MALL_PAYEE_BANK = "中国工商银行长沙分行"
    settings.MALL_PAYEE_ACCOUNT = "1901000000000000001"
    order, buyer, vendor = world["order"], world["buyer"], world["vendor"]
    account = verified_account(vendor.partners.get(), number="4305017538000000777")
    client.force_login(buyer)
    # the payment page shows the vendor's own verified account (never the mall's) and the
    # reference to write on the transfer
    html = client.get(_detail(order)).content.decode()
    assert account.account_name in html and "4305017538000000777" in html
    assert "湖南湘慧科技有限公司" not in html and "1901000000000000001" not in html
    assert f'<code id="payment-reference">{order.number}-1</code>' in html
    # when the buyer uploads the remittance slip
    response = _upload(client, order, slip=slip_png("工行回单.png"))
    assert response.status_code == 302
    transfer = BankTransfer.objects.get(order=order)
    assert (transfer.status, transfer.amount, transfer.slip_kind, transfer.slip_name) == (
        "submitted",
        Decimal("23600.00"),
        "png",
        "工行回单.png",
    )
    assert transfer.slip.name.startswith("remittance/") and "工行" not in transfer.slip.name
    assert "等待供应商或平台确认到账" in client.get(_detail(order)).content.decode()
    # and the vendor confirms receipt in the dashboard
    client.force_login(vendor)
    assert "待确认到账" in client.get(reverse("dashboard:payments-list") + "?show=awaiting").content.decode()
    response = _confirm(client, transfer, note="工行到账")
    assert response.status_code == 302
    # then the stage is paid and recorded on the Oscar order
    order.refresh_from_db()
    transfer.refresh_from_db()
    stage = order.payment_stages.get()
    assert (transfer.status, transfer.reviewed_by, transfer.review_note) == ("confirmed", vendor, "工行到账")
    assert (stage.status, stage.paid_via) == ("paid", "bank_transfer")
    assert order.status == "已付款"
    source = order.sources.get()
    assert (source.source_type.name, source.amount_debited) == ("对公转账", Decimal("23600.00"))
    assert order.payment_events.get().amount == Decimal("23600.00")
    assert list(order.status_changes.values_list("old_status", "new_status")) == [("待付款", "已付款")]
    assert set(order.lines.values_list("status", flat=True)) == {"已付款"}
    kinds = list(PaymentAuditEvent.objects.filter(transfer=transfer).values_list("kind", "to_status"))
    assert kinds == [("transfer_submitted", "submitted"), ("transfer_confirmed", "confirmed")]
    # and the dashboard's 操作记录 says it in Chinese, not in codes
    events = client.get(reverse("dashboard:payments-order", kwargs={"number": order.number})).content.decode()
    events = events.split('id="payment-events"')[1]
    assert "<td>确认到账</td><td>待确认到账 → 已确认到账</td>" in events
    assert "<td>对公转账已收款</td><td>待支付 → 已支付</td>" in events
    assert "<td>订单状态变更</td><td>待付款 → 已付款</td>" in events
    assert "transfer_confirmed" not in events and "submitted" not in events
    # when the vendor confirms again (double click, second tab), nothing changes
    _confirm(client, transfer)
    order.refresh_from_db()
    assert order.payment_events.count() == 1 and order.sources.get().amount_debited == Decimal("23600.00")
    assert PaymentAuditEvent.objects.filter(kind="paid_bank_transfer").count() == 1


def test_payee_account_missing_from_settings_is_said_plainly(client, settings, world):
    settings.MALL_PAYEE_NAME = settings.MALL_PAYEE_BANK = settings.MALL_PAYEE_ACCOUNT = ""
    own_sale = placed_order(buyer=world["buyer"])  # the mall's own (自营) sale: the mall's account
    client.force_login(world["buyer"])
    html = client.get(_detail(own_sale)).content.decode()
    assert "平台尚未配置对公收款账户，请联系平台客服获取账户信息。请勿向任何个人账户汇款。" in html
    assert 'id="payee-account"' not in html


def test_a_fake_slip_is_refused_in_chinese_and_nothing_is_stored(client, world):
    client.force_login(world["buyer"])
    response = _upload(
        client, world["order"], slip=bytes_upload(b"<html><script>x</script></html>", "回单.pdf")
    )
    assert response.status_code == 400
    assert "不支持的文件类型，仅接受：JPEG、PDF、PNG。" in response.content.decode()
    assert BankTransfer.objects.count() == 0


def test_a_second_slip_while_one_waits_is_refused(client, world):
    client.force_login(world["buyer"])
    _upload(client, world["order"])
    response = _upload(client, world["order"])
    assert response.status_code == 400
    assert "该款项已提交汇款凭证，正在等待确认到账，请勿重复提交。" in response.content.decode()
    assert BankTransfer.objects.count() == 1


def test_other_buyers_and_other_vendors_see_nothing(client, world):
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order)
    transfer = BankTransfer.objects.get()
    # another buyer: the order and its slip do not exist
    client.force_login(UserFactory())
    assert client.get(_detail(order)).status_code == 404
    assert client.get(reverse("payments:slip", kwargs={"pk": transfer.pk})).status_code == 404
    assert _upload(client, order).status_code == 404
    # another vendor: not in its list, no detail, no slip, cannot confirm
    client.force_login(world["other_vendor"])
    assert order.number not in client.get(reverse("dashboard:payments-list")).content.decode()
    assert client.get(reverse("dashboard:payments-order", kwargs={"number": order.number})).status_code == 404
    assert client.get(reverse("dashboard:payments-slip", kwargs={"pk": transfer.pk})).status_code == 404
    assert _confirm(client, transfer).status_code == 404
    assert BankTransfer.objects.get().status == "submitted"
    # the owner and the order's vendor may read the slip
    client.force_login(world["buyer"])
    own = client.get(reverse("payments:slip", kwargs={"pk": transfer.pk}))
    assert (own.status_code, own["Content-Type"]) == (200, "application/pdf")
    client.force_login(world["vendor"])
    assert client.get(reverse("dashboard:payments-slip", kwargs={"pk": transfer.pk})).status_code == 200


def test_multi_vendor_order_is_confirmed_neither_by_one_vendor_nor_by_the_mall(client):
    # given a two-vendor order and the buyer's slip for the whole of it
    buyer = UserFactory()
    order, (vendor_a, _partner_a), _b = two_vendor_order(buyer=buyer)
    client.force_login(buyer)
    _upload(client, order)
    transfer = BankTransfer.objects.get()
    # when vendor A confirms it: refused, it sees only its own line and why
    client.force_login(vendor_a)
    page = client.get(reverse("dashboard:payments-order", kwargs={"number": order.number})).content.decode()
    assert "货款按各销售方份额分别支付，本供应商不能确认整笔到账" in page and "运维服务" not in page
    response = _confirm(client, transfer)
    assert response.status_code == 302
    assert BankTransfer.objects.get().status == "submitted"
    # when an operator confirms it: refused too — the mall never books a vendor's money (二清)
    client.force_login(OperatorFactory())
    _confirm(client, transfer)
    order.refresh_from_db()
    assert BankTransfer.objects.get().status == "submitted"
    assert order.status == "待付款"


def test_deposit_then_balance_moves_the_order_through_partial_payment(client, world):
    buyer, vendor = world["buyer"], world["vendor"]
    partner = vendor.partners.get()
    order = placed_order(
        buyer=buyer,
        partner=partner,
        price="500.00",
        qty=200,
        stages=[("定金", "30000.00"), ("尾款", "70000.00")],
    )
    client.force_login(buyer)
    # the balance cannot be paid before the deposit
    early = _upload(client, order, sequence=2)
    assert early.status_code == 400 and "请先支付“定金”。" in early.content.decode()
    _upload(client, order, sequence=1)
    client.force_login(vendor)
    _confirm(client, BankTransfer.objects.get(stage__sequence=1))
    order.refresh_from_db()
    assert order.status == "部分付款"
    client.force_login(buyer)
    assert "本次应付：尾款 ¥70,000.00" in client.get(_detail(order)).content.decode()
    _upload(client, order, sequence=2)
    client.force_login(vendor)
    _confirm(client, BankTransfer.objects.get(stage__sequence=2))
    order.refresh_from_db()
    assert order.status == "已付款"
    changes = order.status_changes.order_by("date_created", "pk").values_list("new_status", flat=True)
    assert list(changes) == ["部分付款", "已付款"]
    assert order.sources.get().amount_debited == Decimal("100000.00")


def test_rejected_slip_lets_the_buyer_upload_again(client, world):
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order)
    transfer = BankTransfer.objects.get()
    client.force_login(world["vendor"])
    url = reverse("dashboard:payments-transfer-reject", kwargs={"pk": transfer.pk})
    client.post(url, {"note": ""})
    assert BankTransfer.objects.get().status == "submitted"  # a reason is required
    client.post(url, {"note": "未查到该笔汇款"})
    assert BankTransfer.objects.get().status == "rejected"
    client.force_login(world["buyer"])
    assert "未查到该笔汇款" in client.get(_detail(order)).content.decode()
    assert _upload(client, order).status_code == 302
    assert BankTransfer.objects.filter(status="submitted").count() == 1


def _placed_at(order, when):
    type(order).objects.filter(pk=order.pk).update(date_placed=when)


def test_unpaid_orders_are_reminded_once_then_cancelled(settings, world, django_capture_on_commit_callbacks):
    settings.UNPAID_ORDER_REMIND_HOURS = 24
    settings.UNPAID_ORDER_CANCEL_DAYS = 7
    placed = datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    order = world["order"]
    _placed_at(order, placed)
    fresh = placed_order(buyer=world["buyer"], price="100.00")
    _placed_at(fresh, placed + timedelta(days=6, hours=23))
    # a day later: one reminder, to the buyer, with the deadline
    assert unpaid_orders_remind(now=placed + timedelta(hours=23)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert unpaid_orders_remind(now=placed + timedelta(hours=25)) == [order.number]
    assert deliver_outbox() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (
        [world["buyer"].email],
        f"【湘慧商城】订单 {order.number} 待付款提醒",
    )
    assert f"订单 {order.number}（应付 ¥23,600.00）尚未付款" in message.body
    assert "请在 2026-11-08 09:00 前完成付款" in message.body
    assert f"/payments/orders/{order.number}/" in message.body
    # the reminder is not repeated
    assert unpaid_orders_remind(now=placed + timedelta(hours=30)) == []
    assert PaymentStage.objects.get(order=order).reminded_at == placed + timedelta(hours=25)
    # after seven days the unpaid order is cancelled (the fresh one is not)
    assert unpaid_orders_cancel(now=placed + timedelta(days=6)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert unpaid_orders_cancel(now=placed + timedelta(days=7, minutes=1)) == [order.number]
    assert deliver_outbox() == 1
    order.refresh_from_db()
    assert order.status == "已取消"
    assert order.payment_stages.get().status == "cancelled"
    assert type(order).objects.get(pk=fresh.pk).status == "待付款"
    assert mail.outbox[-1].subject == f"【湘慧商城】订单 {order.number} 已取消"
    # running the job again changes nothing
    assert unpaid_orders_cancel(now=placed + timedelta(days=8)) == []


def test_an_order_with_a_slip_waiting_for_confirmation_is_not_cancelled(client, settings, world):
    settings.UNPAID_ORDER_CANCEL_DAYS = 7
    placed = datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    order = world["order"]
    client.force_login(world["buyer"])
    _upload(client, order)
    _placed_at(order, placed)
    assert unpaid_orders_cancel(now=placed + timedelta(days=10)) == []
    order.refresh_from_db()
    assert order.status == "待付款"
