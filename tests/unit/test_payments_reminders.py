"""Payables after acceptance: the unit's 财务 is reminded 7 days before the due date, on the day
and once overdue — each exactly once, whatever the beat's timing — and overdue payables are
listed for the unit's 财务 and for operators."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from shop.core.models import OutboundEmail
from shop.payments.models import PaymentReminder
from shop.payments.schedule import SCHEDULE
from shop.payments.services import payable_open, payables_remind
from tests.factories.accounts import OperatorFactory
from tests.factories.payments import outsider_member, unit_order, unit_world

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


def _accepted(world, day: date):
    order = unit_order(world, price="10000.00", qty=1)
    payable_open(
        order=order, accepted_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=CHINA), actor=None
    )
    order.refresh_from_db()
    return order


def _mails(order) -> list[tuple[list, str]]:
    return list(
        OutboundEmail.objects.filter(subject__contains=order.number)
        .order_by("pk")
        .values_list("to", "subject")
    )


def test_reminders_over_the_national_day_holiday_are_sent_once_each():
    # given a unit's order accepted on 2026-09-02: due 2026-10-08 (30 days end in 国庆, moved on)
    world = unit_world()
    order = _accepted(world, date(2026, 9, 2))
    stage = order.payment_stages.get()
    assert stage.due_on == date(2026, 10, 8)
    n = order.number
    # when beat runs on each day from 09-29 to 10-12, twice a day
    sent = []
    for day in range(29, 31):
        sent += payables_remind(today=date(2026, 9, day)) + payables_remind(today=date(2026, 9, day))
    for day in range(1, 13):
        sent += payables_remind(today=date(2026, 10, day)) + payables_remind(today=date(2026, 10, day))
    # then 7 days before (10-01, in the holiday), on the day and the day after: once each
    assert sent == [(n, "before"), (n, "due"), (n, "overdue")]
    assert list(PaymentReminder.objects.filter(stage=stage).values_list("kind", "sent_on")) == [
        ("before", date(2026, 10, 1)),
        ("due", date(2026, 10, 8)),
        ("overdue", date(2026, 10, 9)),
    ]
    # and the unit's 财务 got three mails
    finance = world.finance.user.email
    assert _mails(order) == [
        ([finance], f"【湘慧商城】订单 {n} 付款即将到期提醒"),
        ([finance], f"【湘慧商城】订单 {n} 付款今日到期提醒"),
        ([finance], f"【湘慧商城】订单 {n} 付款逾期提醒"),
    ]
    body = OutboundEmail.objects.filter(subject__contains="逾期").get().body
    assert "已于 2026-10-08 到期，现已逾期" in body and "¥10,000.00" in body


def test_due_date_on_a_weekend_is_reminded_on_the_monday_it_moves_to():
    # given acceptance on Friday 2026-11-06: day 30 is Sunday 12-06, due Monday 12-07
    world = unit_world()
    order = _accepted(world, date(2026, 11, 6))
    n = order.number
    # when beat runs on Saturday, Sunday and Monday
    saturday = payables_remind(today=date(2026, 12, 5))
    sunday = payables_remind(today=date(2026, 12, 6))
    monday = payables_remind(today=date(2026, 12, 7))
    # then the weekend is still "before" (sent on the first of those runs), Monday is the day
    assert (saturday, sunday, monday) == ([(n, "before")], [], [(n, "due")])


def test_a_late_first_run_sends_only_the_overdue_reminder():
    # given a payable due 2026-12-07 and beat down until 12-20
    world = unit_world()
    order = _accepted(world, date(2026, 11, 6))
    # when beat finally runs, twice
    first = payables_remind(today=date(2026, 12, 20))
    second = payables_remind(today=date(2026, 12, 21))
    # then one overdue reminder, never a "due in 7 days" one afterwards
    assert (first, second) == ([(order.number, "overdue")], [])
    assert list(PaymentReminder.objects.values_list("kind", flat=True)) == ["overdue"]


def test_paid_or_not_yet_accepted_payables_are_not_reminded():
    # given an order still 履约中 (not accepted)
    world = unit_world()
    unit_order(world, price="10000.00", qty=1)
    # when beat runs any day
    # then nothing is sent
    assert payables_remind(today=date(2027, 1, 5)) == []
    assert not PaymentReminder.objects.exists()


def test_beat_runs_the_payable_reminders():
    # the job is in the app's schedule and names the task
    assert SCHEDULE["payments-remind-payables"]["task"] == "shop.payments.tasks.remind_payables"


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_overdue_payables_are_listed_for_the_unit_finance_and_operators(settings):
    # given an order of a unit accepted on 2020-01-02: overdue today
    world = unit_world()
    order = _accepted(world, date(2020, 1, 2))
    url = reverse("payments:order-list") + "?show=overdue"
    # when its 财务, its 经办人, another unit's 财务 and an operator look
    finance = _client(world.finance.user).get(url).content.decode()
    handler = _client(world.handler.user).get(url).content.decode()
    outsider = _client(outsider_member().user).get(url).content.decode()
    dashboard = _client(OperatorFactory()).get(reverse("dashboard:payments-list") + "?show=overdue")
    # then the 财务 and the operator see it with its due date, the others do not
    assert order.number in finance and "2020-02-03" in finance
    assert order.number not in handler and 'id="tab-overdue"' not in handler
    assert order.number not in outsider
    page = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert order.number in page and "逾期（2020-02-03 到期）" in page
