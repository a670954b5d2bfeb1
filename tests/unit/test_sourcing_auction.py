"""反向竞价: bids during the window, each at least the decrement below the bidder's previous
one, late bids extend the end (延时竞价), bidders see only their own rank; closing at the end."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from shop.core.exceptions import Conflict, Invalid
from shop.core.workdays import CHINA
from shop.sourcing import selectors, services
from shop.sourcing.models import Bid
from tests.factories.sourcing import publish_inquiry, sourcing_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)
START = NOW + timedelta(hours=1)
END = START + timedelta(hours=1)


def publish_auction(world, **overrides):
    values = dict(
        mode="auction",
        starts_at=START,
        deadline=END,
        start_price="50000.00",
        decrement="500.00",
        invite=3,
    )
    values.update(overrides)
    return publish_inquiry(world, now=NOW, **values)


def bid(event, vendor, amount, *, at):
    return services.bid_place(event=event, actor=vendor[1], amount=amount, now=at)


def test_each_bid_must_undercut_the_bidders_own_previous_one_by_the_decrement():
    # given an auction from ¥50,000 in steps of at least ¥500
    world = sourcing_world()
    event = publish_auction(world)
    v = world.vendors[0]
    # when the vendor bids ¥49,000, then ¥48,800 (only ¥200 lower), then ¥48,500
    bid(event, v, "49000", at=START + timedelta(minutes=1))
    with pytest.raises(Invalid) as refused:
        bid(event, v, "48800", at=START + timedelta(minutes=2))
    bid(event, v, "48500", at=START + timedelta(minutes=3))
    # then the too-small step is refused with the figure it needed, the others stand
    assert (
        refused.value.message == "新报价须比您上一次报价 ¥49,000.00 至少低 ¥500.00（即不高于 ¥48,500.00）。"
    )
    assert list(Bid.objects.filter(event=event).values_list("amount", flat=True)) == [
        Decimal("49000.00"),
        Decimal("48500.00"),
    ]


@pytest.mark.parametrize(
    "amount, at, error, message",
    [
        ("50000.01", START + timedelta(minutes=1), Invalid, "报价不能超过 50000.00 元。"),
        ("0", START + timedelta(minutes=1), Invalid, "报价必须大于零。"),
        ("100.123", START + timedelta(minutes=1), Invalid, "报价最多保留两位小数（精确到分）。"),
        ("1e30", START + timedelta(minutes=1), Invalid, "报价不能超过 50000.00 元。"),
        ("40000", START - timedelta(minutes=1), Conflict, "竞价尚未开始（2026-11-16 11:00 开始）。"),
        ("40000", END, Conflict, "竞价已结束，不能再出价。"),
    ],
)
def test_bad_or_out_of_window_bids_are_refused(amount, at, error, message):
    world = sourcing_world()
    event = publish_auction(world)
    with pytest.raises(error) as refused:
        bid(event, world.vendors[0], amount, at=at)
    assert refused.value.message == message
    assert Bid.objects.count() == 0


def test_a_bid_in_the_last_minutes_extends_the_end():
    # given an auction with a 5-minute anti-sniping window (the default setting)
    world = sourcing_world()
    event = publish_auction(world)
    # when a vendor bids two minutes before the end
    bid(event, world.vendors[0], "45000", at=END - timedelta(minutes=2))
    # then the end moves five minutes later, and a bid at the old end is still taken
    event.refresh_from_db()
    assert event.deadline == END + timedelta(minutes=5)
    bid(event, world.vendors[1], "44000", at=END + timedelta(seconds=30))


def test_bidders_see_their_own_rank_only_and_the_lowest_earliest_bid_wins():
    # given three bidders, two of them tied at the lowest price
    world = sourcing_world()
    event = publish_auction(world)
    a, b, c = world.vendors[:3]
    bid(event, a, "46000", at=START + timedelta(minutes=1))
    bid(event, b, "45000", at=START + timedelta(minutes=2))
    bid(event, c, "45000", at=START + timedelta(minutes=3))
    # then each sees its rank (ties: the earlier bid ranks higher)
    assert [selectors.bid_rank(event=event, partner_id=v[0].pk) for v in (a, b, c)] == [3, 1, 2]
    # when the auction closes
    assert services.sourcing_close(event_id=event.pk, now=END) == "evaluated"
    event.refresh_from_db()
    # then the earlier of the tied bidders is proposed
    assert (event.winner, event.award_total) == (b[0], Decimal("45000.00"))


def test_fewer_than_three_bidders_fail_the_auction():
    world = sourcing_world()
    event = publish_auction(world)
    bid(event, world.vendors[0], "46000", at=START + timedelta(minutes=1))
    bid(event, world.vendors[1], "45000", at=START + timedelta(minutes=2))
    assert services.sourcing_close(event_id=event.pk, now=END) == "failed"
    event.refresh_from_db()
    assert event.result_note == "出价供应商不足 3 家（实际 2 家，共 2 家响应），反向竞价失败。"


def test_the_awarded_total_is_spread_over_the_lines_and_adds_up_exactly():
    # given a closed auction won at ¥45,000.01 for 2 panels (catalogue ¥20,000) and 4 microphones
    world = sourcing_world(org_type="private")
    event = publish_auction(world)
    for i, v in enumerate(world.vendors[:3]):
        bid(event, v, f"{45000.01 + i * 1000:.2f}", at=START + timedelta(minutes=i + 1))
    services.sourcing_close(event_id=event.pk, now=END)
    event.refresh_from_db()
    # when the company confirms the award (no approval rule)
    services.award_confirm(event=event, actor=world.handler)
    event.refresh_from_db()
    # then the order's lines add up to the winning bid to the cent
    lines = list(event.order.lines.order_by("pk"))
    assert sum(line.line_price_incl_tax for line in lines) == Decimal("45000.01")
    assert event.order.total_incl_tax == Decimal("45000.01")
