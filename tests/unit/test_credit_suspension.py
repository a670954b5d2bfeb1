"""Credit records: warnings and suspensions (暂停交易) by operators, each change audited once;
a suspension is in force during its period only (compared with the clock, no job), and while
it is the vendor cannot respond to a 询价, bid in a 竞价, be awarded or receive an order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.core.exceptions import Conflict, IllegalTransition, Invalid, PermissionDenied
from shop.credit import selectors, services
from shop.credit.models import CreditEntry, CreditEvent
from shop.sourcing import services as sourcing
from shop.sourcing.models import Bid, SupplierResponse
from tests.factories.accounts import OperatorFactory
from tests.factories.credit import credit_world, move_period_to_the_past, suspend
from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

pytestmark = pytest.mark.django_db


def local_midnight(day):
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))


# --- the period ---------------------------------------------------------------------------


def test_a_suspension_is_in_force_from_its_first_to_its_last_day_and_ends_by_itself():
    # given a vendor suspended from tomorrow for ten days (the last day included)
    w = credit_world()
    today = timezone.localdate()
    entry = suspend(w.partner, start_in_days=1, days=10)
    first, after_last = local_midnight(today + timedelta(days=1)), local_midnight(today + timedelta(days=11))
    assert (entry.starts_at, entry.ends_at) == (first, after_last)
    # then it is not in force before its first day, in force on its first and last day, and
    # over at midnight after its last day — nobody lifts it
    pid = w.partner.pk
    assert selectors.partner_suspended(pid, at=first - timedelta(seconds=1)) is False
    assert selectors.partner_suspended(pid, at=first) is True
    assert selectors.partner_suspended(pid, at=after_last - timedelta(seconds=1)) is True
    assert selectors.partner_suspended(pid, at=after_last) is False
    assert selectors.suspended_partner_ids(at=first) == {pid}
    assert selectors.suspended_partner_ids(at=after_last) == set()
    # and now (before tomorrow) it is not in force yet
    assert selectors.partner_suspended(pid) is False


def test_a_suspension_from_today_is_in_force_at_once_and_lifting_it_ends_it():
    w = credit_world()
    operator = OperatorFactory()
    entry = suspend(w.partner, days=30, operator=operator)
    assert selectors.partner_suspended(w.partner.pk) is True
    assert selectors.suspended_partner_ids() == {w.partner.pk}
    # when the operator lifts it early
    lifted = services.credit_lift(
        entry_id=entry.pk, partner_id=w.partner.pk, actor=operator, reason="已整改到位"
    )
    # then it is over now, but it was in force before the lifting
    assert selectors.partner_suspended(w.partner.pk) is False
    assert selectors.partner_suspended(w.partner.pk, at=lifted.lifted_at - timedelta(seconds=1)) is True
    assert (lifted.status, lifted.lifted_by_id, lifted.lift_reason) == ("lifted", operator.pk, "已整改到位")


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "reason", "message"),
    [
        (-1, 10, "交货延误", "暂停开始日期不能早于今天。"),
        (5, 4, "交货延误", "暂停结束日期不能早于开始日期。"),
        (0, 3 * 366, "交货延误", "暂停交易期最长三年。"),
        (0, 10, "   ", "请填写暂停原因。"),
    ],
)
def test_a_bad_suspension_is_refused_in_chinese_and_stores_nothing(first, last, reason, message):
    w = credit_world()
    today = timezone.localdate()
    with pytest.raises(Invalid) as refused:
        services.credit_suspend(
            partner_id=w.partner.pk,
            actor=w.operator,
            reason=reason,
            first_day=today + timedelta(days=first),
            last_day=today + timedelta(days=last),
        )
    assert refused.value.message == message
    assert (CreditEntry.objects.count(), CreditEvent.objects.count()) == (0, 0)


def test_overlapping_suspensions_are_refused_and_only_operators_keep_records():
    w = credit_world()
    suspend(w.partner, days=30, operator=w.operator)
    today = timezone.localdate()
    with pytest.raises(Conflict) as refused:
        services.credit_suspend(
            partner_id=w.partner.pk,
            actor=w.operator,
            reason="再次违约",
            first_day=today + timedelta(days=29),
            last_day=today + timedelta(days=40),
        )
    assert refused.value.message == (
        f"该供应商在 {today:%Y-%m-%d} 至 {today + timedelta(days=29):%Y-%m-%d} 已被暂停交易，期间不能重叠。"
    )
    # a buyer or the vendor itself cannot warn, suspend or lift
    for actor in (w.handler, w.vendor):
        with pytest.raises(PermissionDenied):
            services.credit_warn(partner_id=w.partner.pk, actor=actor, reason="测试")
        with pytest.raises(PermissionDenied):
            services.credit_suspend(
                partner_id=w.partner.pk, actor=actor, reason="测试", first_day=today, last_day=today
            )
    assert CreditEntry.objects.count() == 1 and CreditEvent.objects.count() == 1


# --- the audit trail ----------------------------------------------------------------------


def test_every_change_writes_one_audit_event():
    # given a vendor and an operator
    w = credit_world()
    pid = w.partner.pk
    # when the operator warns, suspends and lifts early
    warning = services.credit_warn(partner_id=pid, actor=w.operator, reason="报价后拒不供货")
    entry = suspend(w.partner, days=90, operator=w.operator, reason="一年内两次拒不履约")
    services.credit_lift(entry_id=entry.pk, partner_id=pid, actor=w.operator, reason="申诉成立")
    # then there is exactly one event per change, in order, with the actor and what changed
    today = timezone.localdate()
    period = f"{today:%Y-%m-%d} 至 {today + timedelta(days=89):%Y-%m-%d}"
    events = list(CreditEvent.objects.filter(partner_id=pid).order_by("created_at", "pk"))
    assert [(e.kind, e.entry_id, e.actor_id, e.from_status, e.to_status, e.note) for e in events] == [
        ("warned", warning.pk, w.operator.pk, "", "recorded", "报价后拒不供货"),
        ("suspended", entry.pk, w.operator.pk, "", "recorded", f"暂停交易 {period}：一年内两次拒不履约"),
        (
            "lifted",
            entry.pk,
            w.operator.pk,
            "recorded",
            "lifted",
            f"提前解除暂停交易（原定 {period}）：申诉成立",
        ),
    ]
    # when it is lifted a second time, then it is refused and no event is added
    with pytest.raises(IllegalTransition) as refused:
        services.credit_lift(entry_id=entry.pk, partner_id=pid, actor=w.operator, reason="重复")
    assert refused.value.message == "该暂停交易已提前解除，不能重复解除。"
    assert CreditEvent.objects.filter(partner_id=pid).count() == 3


def test_a_suspension_whose_period_is_over_cannot_be_lifted():
    w = credit_world()
    entry = suspend(w.partner, days=5, operator=w.operator)
    move_period_to_the_past(entry)
    with pytest.raises(IllegalTransition) as refused:
        services.credit_lift(entry_id=entry.pk, partner_id=w.partner.pk, actor=w.operator, reason="提前解除")
    assert refused.value.message == "该暂停交易期已结束，无需解除。"
    assert CreditEvent.objects.filter(kind="lifted").count() == 0


# --- 询价, 竞价 and award -------------------------------------------------------------------


def last_day_text(entry) -> str:
    return f"{timezone.localtime(entry.ends_at - timedelta(microseconds=1)):%Y年%m月%d日}"


def test_a_suspended_vendor_cannot_respond_to_an_inquiry_until_its_period_ends():
    # given an open 询价 and one of its invited vendors suspended
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    partner = world.vendors[0][0]
    entry = suspend(partner, days=30)
    # when it responds, then it is refused in Chinese and nothing is stored
    with pytest.raises(Conflict) as refused:
        respond(event, world.vendors[0], prices=["19000", "800"])
    assert refused.value.message == f"该供应商处于暂停交易期（至 {last_day_text(entry)}），不能参与询价报价。"
    assert SupplierResponse.objects.count() == 0
    # when the period is over, then the same response is accepted
    move_period_to_the_past(entry)
    respond(event, world.vendors[0], prices=["19000", "800"])
    assert list(SupplierResponse.objects.values_list("partner_id", flat=True)) == [partner.pk]


def test_a_suspended_vendor_cannot_bid_until_its_period_ends():
    # given a 竞价 that has started and a suspended invited vendor
    world = sourcing_world(org_type="private")
    now = timezone.now()
    event = publish_inquiry(
        world,
        mode="auction",
        deadline=now + timedelta(hours=2),
        starts_at=now - timedelta(minutes=1),
        start_price="50000",
        decrement="100",
        now=now - timedelta(minutes=2),
    )
    partner, user = world.vendors[1]
    entry = suspend(partner, days=7)
    # when it bids, then it is refused and no bid is stored
    with pytest.raises(Conflict) as refused:
        sourcing.bid_place(event=event, actor=user, amount="45000")
    assert refused.value.message == f"该供应商处于暂停交易期（至 {last_day_text(entry)}），不能参与竞价。"
    assert Bid.objects.count() == 0
    # when the period is over, then it bids
    move_period_to_the_past(entry)
    bid = sourcing.bid_place(event=event, actor=user, amount="45000")
    assert (bid.partner_id, str(bid.amount)) == (partner.pk, "45000.00")


def test_the_award_to_a_suspended_vendor_is_refused_until_its_period_ends():
    # given an evaluated 询价 of a company whose lowest response is vendor 3's
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    for i, vendor in enumerate(world.vendors[:3]):
        respond(event, vendor, prices=[f"{19000 - i * 100}", "800"], now=timezone.now())
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    winner = world.vendors[2][0]
    assert (event.status, event.winner_id) == ("evaluated", winner.pk)
    # when the winner is suspended and the 经办人 confirms the award
    entry = suspend(winner, days=10)
    with pytest.raises(Conflict) as refused:
        sourcing.award_confirm(event=event, actor=world.handler)
    # then the award is refused in Chinese and nothing changes
    assert refused.value.message == (
        f"供应商“{winner.name}”处于暂停交易期（至 {last_day_text(entry)}），不能成交或接收订单。"
    )
    event.refresh_from_db()
    assert (event.status, event.order_id) == ("evaluated", None)
    # when the period is over, then the award goes through
    move_period_to_the_past(entry)
    sourcing.award_confirm(event=event, actor=world.handler)
    event.refresh_from_db()
    assert event.status == "awarded" and event.order_id is not None


def test_a_suspended_vendors_response_is_excluded_at_evaluation():
    # given three responses to a 询价 and the lowest bidder suspended before the deadline
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7, invite=4)
    for i, vendor in enumerate(world.vendors[:4]):
        respond(event, vendor, prices=[f"{19000 - i * 100}", "800"], now=timezone.now())
    suspend(world.vendors[3][0], days=10)
    # when the 询价 is opened
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    # then its response is invalid with the reason and the next lowest is proposed
    event.refresh_from_db()
    excluded = SupplierResponse.objects.get(partner=world.vendors[3][0])
    assert (excluded.valid, excluded.exclusion_reason) == (False, "供应商处于暂停交易期")
    assert event.winner_id == world.vendors[2][0].pk
