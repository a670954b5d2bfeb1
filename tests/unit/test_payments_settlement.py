"""Paid before delivery (付款后发货) or after 履约验收 (验收后付款): who pays when, the 履约中
status, the payable opened by acceptance with its due date (term + working days)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shop.buyers.models import OrgType
from shop.buyers.services import approval_decide
from shop.core.exceptions import DomainError
from shop.payments import selectors
from shop.payments.models import PaymentAuditEvent, PaymentStage, SellerPaymentProfile, Settlement
from shop.payments.services import (
    bank_transfer_submit,
    order_term_days,
    payable_open,
    payment_due_date,
    unpaid_orders_cancel,
    unpaid_orders_remind,
)
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.payments import placed_order, slip_pdf, unit_order, unit_world

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


# --- the due date --------------------------------------------------------------------------------


def test_due_date_on_a_working_day_is_acceptance_plus_the_term():
    # given an acceptance on Monday 2026-11-02 and 30 days  # then Wednesday 2026-12-02
    assert payment_due_date(date(2026, 11, 2), 30) == date(2026, 12, 2)


def test_due_date_falling_on_a_weekend_moves_to_monday():
    # given acceptance on Friday 2026-11-06: + 30 days is Sunday 2026-12-06
    # then the due date is Monday 2026-12-07
    assert payment_due_date(date(2026, 11, 6), 30) == date(2026, 12, 7)


def test_due_date_falling_in_the_national_day_holiday_moves_past_it():
    # given acceptance on 2026-09-02: + 30 days is 2026-10-02, inside 国庆 (10-01..10-07)
    # then the due date is the first working day after the holiday, 2026-10-08
    assert payment_due_date(date(2026, 9, 2), 30) == date(2026, 10, 8)


def test_due_date_on_a_make_up_saturday_stays_there():
    # given 2026-10-10 is a Saturday worked in exchange for the holiday (调休)
    # then a term ending that day ends that day
    assert payment_due_date(date(2026, 9, 10), 30) == date(2026, 10, 10)


# --- who pays when ---------------------------------------------------------------------------


def test_government_unit_order_is_paid_after_acceptance_and_starts_in_fulfilment():
    # given a 党政机关 unit and a vendor that allows paying first
    world = unit_world()
    SellerPaymentProfile.objects.create(partner=world.partner, allows_prepay=True)
    # when the unit orders below its approval threshold
    order = unit_order(world, price="10000.00", qty=1)
    # then the order is paid after acceptance, waits in 履约中 and nothing is payable
    assert order.origin.settlement == Settlement.AFTER_ACCEPTANCE
    assert "党政机关" in order.origin.settlement_reason
    assert order.status == "履约中"
    assert selectors.payable_stage(order) is None
    stage = order.payment_stages.get()
    with pytest.raises(DomainError, match="订单当前状态为“履约中”，不能付款。"):
        bank_transfer_submit(
            stage=stage,
            user=world.finance.user,
            payer_name="长沙市某局",
            amount=Decimal("10000.00"),
            remitted_on=timezone.localdate(),
            slip=slip_pdf(),
        )
    assert not stage.bank_transfers.exists()


def test_institution_order_over_the_threshold_goes_to_fulfilment_when_approved():
    # given a unit's ¥60,000 order waiting for its 审批人
    world = unit_world()
    order = unit_order(world, price="30000.00", qty=2)
    assert order.status == "待审批"
    # when the 审批人 approves it
    approval = selectors.order_approval(order)
    approval_decide(approval=approval, actor=world.approver.user, decision="approve")
    order.refresh_from_db()
    # then it goes to 履约中, not 待付款
    assert order.status == "履约中"
    assert selectors.payable_stage(order) is None


def test_company_pays_first_only_where_the_seller_allows_it():
    # given a private company unit's buyer and two vendors, one allowing prepayment
    _unit, members = make_unit(org_type=OrgType.PRIVATE)
    buyer = members["admin"].user
    _u1, allowing = make_vendor_user()
    _u2, not_allowing = make_vendor_user()
    SellerPaymentProfile.objects.create(partner=allowing, allows_prepay=True)
    SellerPaymentProfile.objects.create(partner=not_allowing, allows_prepay=False)
    # when each sells to the company (the order as an accepted quote)
    prepaid = placed_order(buyer=buyer, partner=allowing)
    after = placed_order(buyer=buyer, partner=not_allowing)
    # then the allowing vendor's order is paid first, the other after acceptance
    assert (prepaid.origin.settlement, prepaid.status) == (Settlement.PREPAY, "待付款")
    assert (after.origin.settlement, after.status) == (Settlement.AFTER_ACCEPTANCE, "履约中")
    assert after.origin.settlement_reason.startswith("供应商要求验收后付款：")


def test_a_seller_that_has_not_decided_is_paid_first_as_before():
    # given a vendor without a payment profile selling to a buyer without a unit
    _u, vendor = make_vendor_user()
    order = placed_order(buyer=UserFactory(), partner=vendor)
    # then the order is paid before delivery, as company orders always were
    assert (order.origin.settlement, order.status) == (Settlement.PREPAY, "待付款")


def test_mall_own_sale_is_paid_first_by_default():
    # given a buyer without a unit buying a product of the mall itself (自营)
    order = placed_order(buyer=UserFactory())
    # then it is paid before delivery
    assert (order.origin.settlement, order.status) == (Settlement.PREPAY, "待付款")


def test_order_with_one_seller_not_allowing_prepay_is_paid_after_acceptance():
    # given a mall line and a line of a vendor that wants to be paid after acceptance
    _u, vendor = make_vendor_user()
    SellerPaymentProfile.objects.create(partner=vendor, allows_prepay=False)
    order = placed_order(
        buyer=UserFactory(),
        lines=[("会议一体机", "11800.00", 1, "0.13", None), ("运维服务", "3000.00", 1, "0.06", vendor)],
    )
    # then the whole order is paid after acceptance
    assert order.origin.settlement == Settlement.AFTER_ACCEPTANCE


def test_after_acceptance_order_is_never_reminded_or_cancelled_as_unpaid():
    # given a government unit's order in 履约中 placed 30 days ago
    world = unit_world()
    order = unit_order(world, price="10000.00", qty=1)
    later = timezone.now() + timedelta(days=30)
    # when the unpaid-order jobs run
    # then neither touches it
    assert unpaid_orders_remind(now=later) == []
    assert unpaid_orders_cancel(now=later) == []
    order.refresh_from_db()
    assert order.status == "履约中"
    assert list(order.payment_stages.values_list("status", "reminded_at")) == [("due", None)]


# --- payable_open ------------------------------------------------------------------------------


def test_payable_open_sets_the_due_date_and_moves_the_order_to_awaiting_payment():
    # given a government unit's order in 履约中
    world = unit_world()
    order = unit_order(world, price="10000.00", qty=1)
    accepted_at = datetime(2026, 9, 2, 16, 30, tzinfo=CHINA)
    # when the whole order is accepted
    stages = payable_open(order=order, accepted_at=accepted_at, actor=world.handler.user)
    # then its stage is payable with the due date after the holiday, once
    order.refresh_from_db()
    assert order.status == "待付款"
    assert [(s.sequence, s.due_on, s.accepted_at) for s in stages] == [(1, date(2026, 10, 8), accepted_at)]
    assert selectors.payable_stage(order).pk == stages[0].pk
    event = PaymentAuditEvent.objects.get(order=order, kind="payable_opened")
    assert (event.from_status, event.to_status) == ("履约中", "待付款")
    assert event.note == "履约验收合格（2026-09-02），应于 2026-10-08 前付款（验收后 30 天）。"


def test_payable_open_is_idempotent():
    # given an order accepted once
    world = unit_world()
    order = unit_order(world, price="10000.00", qty=1)
    first = payable_open(order=order, accepted_at=datetime(2026, 11, 6, 9, 0, tzinfo=CHINA), actor=None)
    # when acceptance is reported again, later
    again = payable_open(order=order, accepted_at=datetime(2026, 11, 20, 9, 0, tzinfo=CHINA), actor=None)
    # then the same stage with the first due date, one audit event
    assert [s.pk for s in again] == [s.pk for s in first]
    assert PaymentStage.objects.get(pk=first[0].pk).due_on == date(2026, 12, 7)
    assert PaymentAuditEvent.objects.filter(order=order, kind="payable_opened").count() == 1


def test_payable_open_changes_nothing_on_a_prepaid_order():
    # given a mall sale paid before delivery
    order = placed_order(buyer=UserFactory())
    # when acceptance is reported
    result = payable_open(order=order, accepted_at=timezone.now(), actor=None)
    # then nothing changes
    order.refresh_from_db()
    assert result == []
    assert order.status == "待付款"
    assert order.payment_stages.get().due_on is None


def test_term_is_the_default_without_a_contract(settings):
    # given PAYMENT_TERM_DAYS and an order without a contract
    settings.PAYMENT_TERM_DAYS = 25
    order = placed_order(buyer=UserFactory())
    # then its term is the setting's
    assert order_term_days(order) == 25


def test_an_operator_cannot_open_or_close_fulfilment_by_hand():
    # given a government unit's order in 履约中
    from shop.payments.services import order_status_change
    from tests.factories.accounts import OperatorFactory

    world = unit_world()
    order = unit_order(world, price="10000.00", qty=1)
    # when an operator moves it to 待付款 by hand
    with pytest.raises(DomainError, match="履约验收合格后系统自动转为待付款，不能手工变更"):
        order_status_change(order=order, to="待付款", actor=OperatorFactory())
    # then it stays 履约中 with no due date
    order.refresh_from_db()
    assert order.status == "履约中"
    assert order.payment_stages.get().due_on is None


def test_the_api_says_when_an_order_is_paid_and_its_due_date():
    # given a government unit's order, then its acceptance on 2026-11-06
    from rest_framework.test import APIClient

    world = unit_world()
    order = unit_order(world, price="10000.00", qty=1)
    api = APIClient()
    api.force_authenticate(world.finance.user)
    url = f"/api/orders/{order.number}/"
    before = api.get(url).json()
    payable_open(order=order, accepted_at=datetime(2026, 11, 6, 9, 0, tzinfo=CHINA), actor=None)
    after = api.get(url).json()
    # then the API gives the settlement, and the due date once accepted
    assert (before["settlement"], before["status"], before["stages"][0]["due_on"]) == (
        "after_acceptance",
        "履约中",
        None,
    )
    assert (after["status"], after["stages"][0]["due_on"], after["can_pay"]) == ("待付款", "2026-12-07", True)
