"""A buying unit's orders: the unit owns them (members see them by role, outsiders not at all),
a direct order over the unit's approval threshold waits in 待审批 (not payable, not shown to the
vendor, not reminded or cancelled as unpaid), and the budget line follows the money: committed
when placed or submitted, spent as paid, released when cancelled or rejected."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.access import refusal
from shop.buyers.models import ApprovalRequest, BudgetCommitment, BudgetLine, OrgType, UnitRole
from shop.buyers.services import approval_decide
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.payments import selectors
from shop.payments.models import BankTransfer, PaymentAuditEvent, PaymentStage
from shop.payments.services import (
    MSG_AWAITING_APPROVAL,
    bank_transfer_confirm,
    bank_transfer_submit,
    direct_order_plan,
    invoice_request_update,
    order_status_change,
    stage_mark_paid,
    stripe_attempt_start,
    unpaid_orders_cancel,
    unpaid_orders_remind,
)
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.buyers import UnitMemberFactory
from tests.factories.payments import (
    NORMAL_INVOICE,
    accept,
    allow_prepay,
    outsider_member,
    placed_order,
    slip_pdf,
    unit_order,
    unit_world,
)

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


def line_figures(line) -> tuple[Decimal, Decimal, Decimal]:
    line = BudgetLine.objects.get(pk=line.pk)
    return line.amount, line.committed, line.spent


def submit_slip(order, user):
    return bank_transfer_submit(
        stage=order.payment_stages.get(),
        user=user,
        payer_name="长沙市第一局",
        amount=order.total_incl_tax,
        remitted_on=timezone.localdate(),
        slip=slip_pdf(),
    )


# --- placing ---------------------------------------------------------------------------------------


def test_an_order_over_the_threshold_waits_for_approval_with_its_budget_committed():
    # given a government unit (one approval from ¥50,000) with a ¥200,000 budget line
    world = unit_world()
    # when its 经办人 places a direct order of ¥60,000 on that line
    order = unit_order(world, price="30000.00", qty=2)
    # then the order belongs to the unit, waits in 待审批, and the line holds ¥60,000
    order.refresh_from_db()
    assert (order.status, order.origin.unit, order.origin.budget_line) == ("待审批", world.unit, world.line)
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("60000.00"), Decimal("0.00"))
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    assert (approval.status, approval.amount, approval.subject_number, approval.submitted_by) == (
        "pending",
        Decimal("60000.00"),
        order.number,
        world.handler.user,
    )
    # and the approvers see what they approve: the order's lines, supplier and total
    assert approval.snapshot == {
        "kind": "order",
        "number": order.number,
        "title": "直购：75 寸会议一体机",
        "supplier": world.partner.name,
        "lines": [
            {
                "title": "75 寸会议一体机",
                "quantity": 2,
                "unit": "台",
                "unit_price": "30000.00",
                "tax_rate": "13",
                "amount": "60000.00",
            }
        ],
        "total": "60000.00",
        "revision": 0,
        "budget_line": world.line.pk,
        "note": "",
    }
    commitment = BudgetCommitment.objects.get(order=order)
    assert (commitment.approval, commitment.committed, commitment.kind) == (
        approval,
        Decimal("60000.00"),
        "order",
    )


def test_an_order_under_the_threshold_commits_its_budget_at_once_and_is_payable():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1)
    # a government unit pays after 履约验收: the order waits in 履约中, then becomes payable
    assert order.status == "履约中"
    assert accept(order).status == "待付款"
    assert ApprovalRequest.objects.count() == 0
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("12000.00"), Decimal("0.00"))
    assert BudgetCommitment.objects.get(order=order).approval is None


def test_planning_refuses_a_member_without_the_handler_role_and_a_missing_or_foreign_line():
    world = unit_world()
    # 财务 does not place orders
    with pytest.raises(PermissionDenied) as exc:
        direct_order_plan(user=world.finance.user, total=Decimal("100.00"), budget_line_id=world.line.pk)
    assert exc.value.message == refusal("purchases.act") == "只有本单位的经办人可以提交询价、接受报价或下单。"
    # a unit with budget lines this year must name one
    with pytest.raises(Invalid) as exc:
        direct_order_plan(user=world.handler.user, total=Decimal("100.00"), budget_line_id=None)
    assert exc.value.message == "请选择本次采购使用的预算。"
    # another unit's line is not a choice
    other = unit_world()
    with pytest.raises(Invalid) as exc:
        direct_order_plan(user=world.handler.user, total=Decimal("100.00"), budget_line_id=other.line.pk)
    assert exc.value.message == "预算选择无效。"
    # more than the line has left
    with pytest.raises(Conflict) as exc:
        direct_order_plan(user=world.handler.user, total=Decimal("200000.01"), budget_line_id=world.line.pk)
    assert exc.value.message == "预算“信息化建设”可用余额 ¥200,000.00，不足以承担本次采购 ¥200,000.01。"
    # a buyer without a unit buys alone, without a budget
    plan = direct_order_plan(user=UserFactory(), total=Decimal("60000.00"))
    assert (plan.unit_id, plan.budget_line, plan.rule, plan.status) == (None, None, None, None)


# --- approval --------------------------------------------------------------------------------------


def test_a_waiting_order_cannot_be_paid_and_approval_makes_it_payable_with_an_audit_event():
    world = unit_world()
    order = unit_order(world)
    # given the order waits: the 财务's slip and card are refused with the reason
    with pytest.raises(Conflict) as exc:
        submit_slip(order, world.finance.user)
    assert exc.value.message == MSG_AWAITING_APPROVAL == "订单正在等待本单位审批，审批通过后才能付款。"
    with pytest.raises(Conflict):
        stripe_attempt_start(stage=order.payment_stages.get(), user=world.finance.user, token="t1")
    assert BankTransfer.objects.count() == 0
    # when the 审批人 approves
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    result = approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    # then the order goes to 履约中 (a government unit pays after 履约验收), moved through the
    # audited order transition, and is payable once accepted
    assert result.outcome == "approved"
    order.refresh_from_db()
    assert order.status == "履约中"
    event = PaymentAuditEvent.objects.get(order=order, kind="order_approved")
    assert (event.from_status, event.to_status, event.actor) == ("待审批", "履约中", world.approver.user)
    assert accept(order).status == "待付款"
    # and the budget stays committed until it is paid
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("60000.00"), Decimal("0.00"))
    assert submit_slip(order, world.finance.user).status == "submitted"


def test_rejection_cancels_the_order_and_releases_the_budget():
    world = unit_world()
    order = unit_order(world)
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    result = approval_decide(
        approval=approval, actor=world.approver.user, decision="reject", comment="超出本季度采购计划"
    )
    assert result.outcome == "rejected"
    order.refresh_from_db()
    assert order.status == "已取消"
    assert list(order.payment_stages.values_list("status", flat=True)) == ["cancelled"]
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("0.00"), Decimal("0.00"))
    commitment = BudgetCommitment.objects.get(order=order)
    assert (commitment.committed, commitment.released) == (Decimal("0.00"), Decimal("60000.00"))
    assert PaymentAuditEvent.objects.get(order=order, kind="order_not_approved").to_status == "已取消"


def test_the_snapshot_is_only_offered_while_the_order_waits():
    from shop.payments.approvals import snapshot

    world = unit_world()
    order = unit_order(world)
    assert snapshot(order.pk)["total"] == "60000.00"
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    assert snapshot(order.pk) is None
    assert snapshot(987654321) is None


def test_an_operator_cancelling_a_waiting_order_ends_its_approval_and_releases_the_budget():
    world = unit_world()
    order = unit_order(world)
    order_status_change(order=order, to="已取消", actor=OperatorFactory(), note="采购单位申请撤单")
    order.refresh_from_db()
    assert order.status == "已取消"
    assert ApprovalRequest.objects.get(kind="order", subject_id=order.pk).status == "cancelled"
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("0.00"), Decimal("0.00"))


# --- paying ----------------------------------------------------------------------------------------


def test_only_the_units_finance_pays_and_handles_invoices():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    for member in (world.handler, world.approver, world.admin):
        with pytest.raises(PermissionDenied) as exc:
            submit_slip(order, member.user)
        assert exc.value.message == "只有本单位的财务可以为本单位的订单付款。"
        with pytest.raises(PermissionDenied):
            stripe_attempt_start(stage=order.payment_stages.get(), user=member.user, token="t")
        with pytest.raises(PermissionDenied) as exc:
            invoice_request_update(order=order, user=member.user, data=NORMAL_INVOICE)
        assert exc.value.message == "只有本单位的财务可以申请和下载本单位的发票。"
    # someone of another unit is told the order does not exist
    with pytest.raises(NotFound):
        submit_slip(order, outsider_member().user)
    assert BankTransfer.objects.count() == 0
    # the unit's 财务 — not the person who placed it — pays and asks for the invoice
    assert submit_slip(order, world.finance.user).uploaded_by == world.finance.user
    assert invoice_request_update(order=order, user=world.finance.user, data=NORMAL_INVOICE).invoice_title


def test_payment_spends_the_committed_budget_in_the_same_transaction():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    transfer = submit_slip(order, world.finance.user)
    # a short receipt spends what arrived, the rest when it arrives
    bank_transfer_confirm(transfer=transfer, actor=world.vendor, received_amount=Decimal("2000.00"))
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("10000.00"), Decimal("2000.00"))
    transfer2 = submit_slip(order, world.finance.user)
    bank_transfer_confirm(transfer=transfer2, actor=world.vendor, received_amount=Decimal("10000.00"))
    order.refresh_from_db()
    assert order.status == "已付款"
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("0.00"), Decimal("12000.00"))
    commitment = BudgetCommitment.objects.get(order=order)
    assert (commitment.committed, commitment.spent, commitment.released) == (
        Decimal("0.00"),
        Decimal("12000.00"),
        Decimal("0.00"),
    )


def test_stage_mark_paid_spends_and_a_cancelled_part_paid_order_releases_the_rest():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    PaymentStage.objects.filter(order=order).update(amount=Decimal("4000.00"))
    PaymentStage.objects.create(order=order, sequence=2, label="尾款", amount=Decimal("8000.00"))
    stage_mark_paid(stage=order.payment_stages.get(sequence=1), method="bank_transfer", reference="r1")
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("8000.00"), Decimal("4000.00"))
    order_status_change(order=order, to="已取消", actor=OperatorFactory(), note="双方协商终止")
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("0.00"), Decimal("4000.00"))


# --- who sees what ---------------------------------------------------------------------------------


def test_members_see_the_units_orders_and_nobody_else_does():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1)
    own = placed_order(buyer=world.handler2.user)  # an order of the person, not of the unit
    loner = UserFactory()
    loner_order = placed_order(buyer=loner)
    for member in (world.admin, world.handler, world.handler2, world.approver, world.finance):
        assert order in selectors.buyer_orders(user=member.user)
        assert selectors.buyer_order_get(user=member.user, number=order.number) == order
    # an order of the member's own without a unit stays out of the unit's list
    assert own not in selectors.buyer_orders(user=world.handler2.user)
    # a buyer without a unit sees their own orders only, as before
    assert list(selectors.buyer_orders(user=loner)) == [loner_order]
    assert list(selectors.buyer_orders(user=outsider_member().user)) == []
    # a deactivated member sees none of the unit's orders any more
    world.handler2.is_active = False
    world.handler2.save(update_fields=["is_active"])
    user = type(world.handler2.user).objects.get(pk=world.handler2.user_id)
    assert order not in selectors.buyer_orders(user=user)


def test_unit_orders_due_lists_payable_orders_with_the_amount_due():
    world = unit_world()
    waiting = unit_order(world)  # 待审批: not payable yet
    due = unit_order(world, price="12000.00", qty=1, accepted=True)
    PaymentStage.objects.filter(order=due).update(amount=Decimal("4000.00"))
    PaymentStage.objects.create(order=due, sequence=2, label="尾款", amount=Decimal("8000.00"))
    stage_mark_paid(stage=due.payment_stages.get(sequence=1), method="bank_transfer", reference="r1")
    paid = unit_order(world, price="1000.00", qty=1, accepted=True)
    stage_mark_paid(stage=paid.payment_stages.get(), method="bank_transfer", reference="r2")
    unit_order(unit_world(), price="1000.00", qty=1)  # another unit's
    rows = [(o.number, o.status, o.due_amount) for o in selectors.unit_orders_due(unit=world.unit)]
    assert rows == [(due.number, "部分付款", Decimal("8000.00"))]
    assert waiting.number not in [r[0] for r in rows]


# --- vendors and the unpaid-order tasks ------------------------------------------------------------


def test_vendors_do_not_see_a_waiting_order_until_it_is_approved():
    world = unit_world()
    order = unit_order(world)
    assert order not in selectors.dashboard_orders(user=world.vendor)
    assert order in selectors.dashboard_orders(user=OperatorFactory())
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    assert order in selectors.dashboard_orders(user=world.vendor)


def test_unpaid_order_tasks_ignore_waiting_orders_and_count_from_the_approval(settings):
    # a company unit (国有企业) whose vendor lets it pay before delivery: the unpaid-order clock
    world = unit_world(org_type=OrgType.SOE)
    allow_prepay(world.partner)
    order = unit_order(world)
    placed = timezone.now() - timedelta(days=30)
    Order.objects.filter(pk=order.pk).update(date_placed=placed)
    # a month in 待审批: neither reminded nor cancelled
    assert unpaid_orders_remind() == []
    assert unpaid_orders_cancel() == []
    # approved today: awaiting payment from now on, not from the day it was placed
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    assert unpaid_orders_remind() == []
    assert unpaid_orders_cancel() == []
    now = timezone.now()
    assert unpaid_orders_remind(now=now + timedelta(hours=settings.UNPAID_ORDER_REMIND_HOURS + 1)) == [
        order.number
    ]
    later = now + timedelta(days=settings.UNPAID_ORDER_CANCEL_DAYS, hours=1)
    assert unpaid_orders_cancel(now=later) == [order.number]
    order.refresh_from_db()
    assert order.status == "已取消"
    # and the unpaid cancel gives the budget back
    assert line_figures(world.line) == (Decimal("200000.00"), Decimal("0.00"), Decimal("0.00"))


def test_a_buyer_without_a_unit_pays_own_orders_as_before():
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="1000.00")
    assert submit_slip(order, buyer).uploaded_by == buyer
    with pytest.raises(PermissionDenied) as exc:
        stripe_attempt_start(stage=order.payment_stages.get(), user=UserFactory(), token="t")
    assert exc.value.message == "只能为自己的订单付款。"


# --- pages -----------------------------------------------------------------------------------------


def test_order_page_refusals_by_role_and_unit(client):
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    detail = reverse("payments:order-detail", kwargs={"number": order.number})
    transfer = reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1})
    invoice = reverse("payments:invoice-request", kwargs={"number": order.number})
    # the 经办人 sees the order, is told who pays, and gets the Chinese 403 when trying anyway
    client.force_login(world.handler.user)
    page = client.get(detail).content.decode()
    assert "只有本单位的财务可以为本单位的订单付款。" in page and 'id="transfer-form"' not in page
    response = client.post(transfer, {"payer_name": "x", "amount": "12000.00", "remitted_on": "2026-12-01"})
    assert response.status_code == 403
    assert "只有本单位的财务可以为本单位的订单付款。" in response.content.decode()
    response = client.post(invoice, NORMAL_INVOICE)
    assert response.status_code == 403
    assert "只有本单位的财务可以申请和下载本单位的发票。" in response.content.decode()
    # the 财务 gets the payment forms
    client.force_login(world.finance.user)
    assert 'id="transfer-form"' in client.get(detail).content.decode()
    # a member of another unit, and a buyer without a unit: 404
    for user in (outsider_member().user, UserFactory()):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert client.post(transfer, {}).status_code == 404
    assert BankTransfer.objects.count() == 0


def test_the_order_list_has_a_due_tab_for_the_unit(client):
    world = unit_world()
    waiting = unit_order(world)
    due = unit_order(world, price="12000.00", qty=1, accepted=True)
    client.force_login(world.finance.user)
    everything = client.get(reverse("payments:order-list")).content.decode()
    assert waiting.number in everything and due.number in everything and "本单位全部订单" in everything
    tab = client.get(reverse("payments:order-list") + "?show=due").content.decode()
    assert due.number in tab and waiting.number not in tab
    assert '<td class="text-right order-due">¥12,000.00</td>' in tab


def test_a_member_added_with_finance_later_can_pay(client):
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    newcomer = UnitMemberFactory(unit=world.unit, roles=[UnitRole.FINANCE.value])
    assert submit_slip(order, newcomer.user).status == "submitted"


# --- API -------------------------------------------------------------------------------------------


def test_api_orders_follow_the_unit_roles_and_refuse_payment_while_waiting(client):
    world = unit_world()
    waiting = unit_order(world)
    due = unit_order(world, price="12000.00", qty=1, accepted=True)
    detail = reverse("api:order-detail", kwargs={"number": waiting.number})
    pay = reverse("api:order-bank-transfer", kwargs={"number": waiting.number, "sequence": 1})
    pay_due = reverse("api:order-bank-transfer", kwargs={"number": due.number, "sequence": 1})
    slip = {"payer_name": "长沙市第一局", "amount": "60000.00", "remitted_on": "2026-12-01"}
    # the 经办人 lists the unit's orders and reads why it cannot pay
    client.force_login(world.handler.user)
    listed = client.get(reverse("api:order-list")).json()
    assert [o["number"] for o in listed["results"]] == [due.number, waiting.number]
    body = client.get(detail).json()
    assert (body["status"], body["unit"], body["budget_line"], body["due_amount"]) == (
        "待审批",
        world.unit.pk,
        world.line.pk,
        "60000.00",
    )
    assert (body["can_pay"], body["pay_refusal"]) == (False, "只有本单位的财务可以为本单位的订单付款。")
    refused = client.post(pay_due, {**slip, "slip": slip_pdf()})
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "forbidden",
        "detail": "只有本单位的财务可以为本单位的订单付款。",
        "fields": {},
    }
    # the 财务: the waiting order cannot be paid (409, the reason in Chinese); the due one can
    client.force_login(world.finance.user)
    assert client.get(detail).json()["pay_refusal"] == MSG_AWAITING_APPROVAL
    waiting_try = client.post(pay, {**slip, "slip": slip_pdf()})
    assert (waiting_try.status_code, waiting_try.json()["code"], waiting_try.json()["detail"]) == (
        409,
        "conflict",
        MSG_AWAITING_APPROVAL,
    )
    assert client.get(reverse("api:order-list") + "?show=due").json()["count"] == 1
    paid = client.post(pay_due, {**slip, "amount": "12000.00", "slip": slip_pdf()})
    assert paid.status_code == 201 and paid.json()["status"] == "submitted"
    # the invoice request is the 财务's too
    invoice = reverse("api:order-invoice-request", kwargs={"number": due.number})
    client.force_login(world.approver.user)
    assert client.post(invoice, NORMAL_INVOICE, content_type="application/json").status_code == 403
    client.force_login(world.finance.user)
    assert client.post(invoice, NORMAL_INVOICE, content_type="application/json").status_code == 200
    # another unit's member: 404, nothing listed
    client.force_login(outsider_member().user)
    assert client.get(detail).status_code == 404
    assert client.post(pay_due, {**slip, "slip": slip_pdf()}).status_code == 404
    assert client.get(reverse("api:order-list")).json()["count"] == 0
    assert BankTransfer.objects.count() == 1
