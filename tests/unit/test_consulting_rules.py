"""政企咨询服务包: the price and range rules of an engagement (units × the package's 起价; a day
package's consecutive days, the longer packages by months), and each refused booking — a start
date in the past, a blocked or booked date, an unknown topic, zero days — with its Chinese
message and nothing stored."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.consulting import services
from shop.consulting.models import BlockedDay, BookedDay, Engagement, EngagementEvent
from shop.consulting.pricing import (
    TOPICS,
    add_months,
    booked_days,
    engagement_end,
    engagement_price,
    topics_from_scope,
)
from shop.core.exceptions import Conflict, Invalid
from shop.core.money import rmb
from tests.factories.consulting import booking, consulting_world

D = date(2026, 12, 10)


# --- the rules, as plain functions -----------------------------------------------------------------


def test_three_days_cost_three_day_prices():
    assert engagement_price(quantity=3, unit_price=Decimal("500.00")) == Decimal("1500.00")
    assert rmb(engagement_price(quantity=3, unit_price=Decimal("500"))) == "¥1,500.00"


@pytest.mark.parametrize(
    ("quantity", "price", "total"),
    [
        (1, "5000.00", "5000.00"),
        (3, "5000.00", "15000.00"),
        (2, "30000.00", "60000.00"),
        (1, "50000.00", "50000.00"),
    ],
)
def test_month_half_year_and_year_packages_multiply_their_price(quantity, price, total):
    assert engagement_price(quantity=quantity, unit_price=Decimal(price)) == Decimal(total)


def test_a_day_package_covers_consecutive_days_and_books_each():
    assert engagement_end(package="天", start=D, quantity=3) == date(2026, 12, 12)
    assert booked_days(package="天", start=D, quantity=3) == [
        date(2026, 12, 10),
        date(2026, 12, 11),
        date(2026, 12, 12),
    ]
    assert engagement_end(package="天", start=D, quantity=1) == D


def test_longer_packages_run_by_months_and_book_no_days():
    assert engagement_end(package="月", start=D, quantity=1) == date(2027, 1, 9)
    assert engagement_end(package="月", start=D, quantity=3) == date(2027, 3, 9)
    assert engagement_end(package="半年", start=D, quantity=1) == date(2027, 6, 9)
    assert engagement_end(package="年", start=D, quantity=2) == date(2028, 12, 9)
    assert booked_days(package="月", start=D, quantity=3) == []


def test_a_month_from_the_31st_ends_before_the_shorter_months_last_day():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert engagement_end(package="月", start=date(2027, 1, 31), quantity=1) == date(2027, 2, 27)


def test_the_catalogues_topic_wording_gives_the_list():
    scope = "产品比选，价格比选，服务比选，证书查验，公司考察，招标文件，工程造价，资产评估，项目核价，方案设计，采购政策等"
    assert topics_from_scope(scope) == TOPICS
    assert topics_from_scope("") == ()


# --- booking: the price shown and what is stored -------------------------------------------------


@pytest.mark.django_db
def test_booking_three_days_stores_an_indicative_from_price_and_holds_the_days():
    parent, variants, partner, consultant, unit, members = consulting_world()
    start = timezone.localdate() + timedelta(days=10)
    # when the 经办人 books 3 days of the day package
    engagement = services.engagement_request(
        actor=members["handler"].user, product=parent, data=booking(variants["天"], start_date=start)
    )
    # then it waits for the consultant at 3 × ¥500 起 = ¥1,500 起, for the unit, on 3 held days
    assert engagement.status == "requested"
    assert engagement.get_status_display() == "待确认"
    assert (engagement.package, engagement.quantity, engagement.unit_id) == ("天", 3, unit.pk)
    assert engagement.indicative_total == Decimal("1500.00")
    assert engagement.confirmed_total is None
    assert (engagement.start_date, engagement.end_date) == (start, start + timedelta(days=2))
    assert engagement.topics == ["产品比选", "采购政策"]
    assert engagement.partner_id == partner.pk
    assert list(BookedDay.objects.filter(partner=partner).values_list("day", flat=True)) == [
        start,
        start + timedelta(days=1),
        start + timedelta(days=2),
    ]
    assert list(engagement.events.values_list("kind", "to_status")) == [("requested", "requested")]


@pytest.mark.django_db
def test_a_month_package_books_no_calendar_days():
    parent, variants, _partner, _c, _unit, members = consulting_world()
    engagement = services.engagement_request(
        actor=members["handler"].user, product=parent, data=booking(variants["月"], quantity=2)
    )
    assert engagement.indicative_total == Decimal("10000.00")
    assert engagement.duration_label == "2 个月"
    assert BookedDay.objects.count() == 0


def _refused(parent, user, data, message, *, error=Invalid):
    before = (Engagement.objects.count(), BookedDay.objects.count(), EngagementEvent.objects.count())
    with pytest.raises(error) as exc:
        services.engagement_request(actor=user, product=parent, data=data)
    assert exc.value.message == message
    assert (Engagement.objects.count(), BookedDay.objects.count(), EngagementEvent.objects.count()) == before
    return exc.value


@pytest.mark.django_db
def test_a_start_date_in_the_past_or_today_is_refused():
    parent, variants, _p, _c, _u, members = consulting_world()
    today = timezone.localdate()
    tomorrow = (today + timedelta(days=1)).isoformat()
    for start in (today - timedelta(days=1), today):
        exc = _refused(
            parent,
            members["handler"].user,
            booking(variants["天"], start_date=start),
            f"开始日期最早为明天（{tomorrow}）。",
        )
        assert exc.fields == {"start_date": [f"开始日期最早为明天（{tomorrow}）。"]}


@pytest.mark.django_db
def test_a_start_more_than_a_year_ahead_is_refused():
    parent, variants, _p, _c, _u, members = consulting_world()
    start = timezone.localdate() + timedelta(days=366)
    _refused(
        parent,
        members["handler"].user,
        booking(variants["年"], quantity=1, start_date=start),
        "开始日期不能晚于一年以后。",
    )


@pytest.mark.django_db
def test_a_blocked_day_inside_the_range_is_refused():
    parent, variants, partner, _c, _u, members = consulting_world()
    start = timezone.localdate() + timedelta(days=10)
    BlockedDay.objects.create(partner=partner, day=start + timedelta(days=2), note="外出")
    _refused(
        parent,
        members["handler"].user,
        booking(variants["天"], start_date=start),
        f"咨询顾问在 {(start + timedelta(days=2)).isoformat()} 不接受预约，请另选开始日期或调整天数。",
    )
    # while 2 days end before it
    engagement = services.engagement_request(
        actor=members["handler"].user,
        product=parent,
        data=booking(variants["天"], start_date=start, quantity=2),
    )
    assert engagement.end_date == start + timedelta(days=1)


@pytest.mark.django_db
def test_a_day_another_engagement_holds_is_refused():
    parent, variants, _partner, _c, _u, members = consulting_world()
    start = timezone.localdate() + timedelta(days=10)
    services.engagement_request(
        actor=members["handler"].user, product=parent, data=booking(variants["天"], start_date=start)
    )
    _refused(
        parent,
        members["handler"].user,
        booking(variants["天"], start_date=start + timedelta(days=2)),
        f"咨询顾问在 {(start + timedelta(days=2)).isoformat()} 已有其他预约，请另选开始日期或调整天数。",
    )


@pytest.mark.django_db
def test_an_unknown_topic_and_no_topic_are_refused():
    parent, variants, _p, _c, _u, members = consulting_world()
    user = members["handler"].user
    _refused(
        parent,
        user,
        booking(variants["天"], topics=["产品比选", "股票推荐"]),
        "咨询内容“股票推荐”不在本服务包的范围内。",
    )
    _refused(parent, user, booking(variants["天"], topics=[]), "请至少选择一项咨询内容。")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unit", "quantity", "message"),
    [
        ("天", 0, "服务时长至少 1 天。"),
        ("天", -2, "服务时长至少 1 天。"),
        ("月", 0, "服务时长至少 1 个月。"),
        ("天", 31, "按天服务包最多预约 30 天，更长的服务请选择更长的服务包。"),
        ("月", 13, "按月服务包最多预约 12 个月，更长的服务请选择更长的服务包。"),
        ("年", 4, "按年服务包最多预约 3 年，更长的服务请选择更长的服务包。"),
        ("天", "三", "请填写服务时长（整数）。"),
    ],
)
def test_zero_and_too_many_units_are_refused(unit, quantity, message):
    parent, variants, _p, _c, _u, members = consulting_world()
    _refused(parent, members["handler"].user, booking(variants[unit], quantity=quantity), message)


@pytest.mark.django_db
def test_every_problem_of_a_form_is_reported_at_once():
    parent, variants, _p, _c, _u, members = consulting_world()
    exc = _refused(
        parent,
        members["handler"].user,
        booking(variants["天"], quantity=0, topics=[], need=" ", start_date=None),
        "服务时长至少 1 天。",
    )
    assert set(exc.fields) == {"quantity", "start_date", "topics", "need"}
    assert exc.fields["need"] == ["请填写需求描述。"]


@pytest.mark.django_db
def test_a_variant_of_another_product_is_refused():
    parent, variants, _p, _c, _u, members = consulting_world()
    _other_parent, other = consulting_world()[:2]
    _refused(
        parent, members["handler"].user, booking(other["天"]), "请选择服务包（按天、按月、半年或按年）。"
    )


@pytest.mark.django_db
def test_an_approver_may_not_book():
    from shop.core.exceptions import PermissionDenied

    parent, variants, _p, _c, _u, members = consulting_world()
    _refused(
        parent,
        members["approver"].user,
        booking(variants["天"]),
        "只有本单位的经办人可以提交询价、接受报价或下单。",
        error=PermissionDenied,
    )


@pytest.mark.django_db
def test_the_consultant_may_not_block_a_booked_day_nor_a_past_one():
    parent, variants, partner, consultant, _u, members = consulting_world()
    engagement = services.engagement_request(
        actor=members["handler"].user, product=parent, data=booking(variants["天"])
    )
    with pytest.raises(Conflict) as exc:
        services.blocked_day_add(actor=consultant, day=engagement.start_date)
    assert (
        exc.value.message
        == f"{engagement.start_date.isoformat()} 已有预约 {engagement.number}，不能设为不可预约。"
    )
    with pytest.raises(Invalid) as exc:
        services.blocked_day_add(actor=consultant, day=timezone.localdate())
    assert exc.value.message == "只能设置明天及以后的日期。"
    assert BlockedDay.objects.count() == 0
    blocked = services.blocked_day_add(
        actor=consultant, day=engagement.end_date + timedelta(days=1), note="培训"
    )
    assert (blocked.partner_id, blocked.note) == (partner.pk, "培训")
