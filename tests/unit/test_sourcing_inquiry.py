"""网上询价 (sealed RFQ) of a buying unit: publication rules, one sealed response per supplier
before the deadline, opening and evaluation at the deadline, award through the unit's
approval rules (财政部令第74号)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail  # noqa: F401  (the outbox is read through OutboundEmail)

from shop.buyers import services as unit_services
from shop.buyers.models import ApprovalRequest, BudgetLine
from shop.core.exceptions import Conflict, DomainError, Invalid, PermissionDenied
from shop.core.models import OutboundEmail
from shop.core.workdays import CHINA
from shop.sourcing import selectors, services
from shop.sourcing.models import ResponseLine, SourcingEvent, SourcingEventLog, SupplierResponse
from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

pytestmark = pytest.mark.django_db

# Monday 16 November 2026, 10:00 in Changsha: no public holiday in the following weeks
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)


def counts():
    return (SourcingEvent.objects.count(), SupplierResponse.objects.count(), ResponseLine.objects.count())


# --- publication ----------------------------------------------------------------------------------


def test_publishing_invites_three_qualified_suppliers_and_mails_them():
    # given a government unit and four qualified vendors
    world = sourcing_world()
    # when its 经办人 publishes a 询价 inviting three of them, seven days ahead
    event = publish_inquiry(world, now=NOW)
    # then the event is open with its two lines and three invitations, logged once, mailed to each
    assert (event.status, event.mode, event.number[:2], event.unit_id) == (
        "open",
        "inquiry",
        "WX",
        world.unit.pk,
    )
    assert [(line.title, line.quantity, line.unit) for line in event.lines.all()] == [
        ("会议平板 86 寸", 2, "台"),
        ("全向麦克风", 4, "个"),
    ]
    assert sorted(event.invites.values_list("partner_id", flat=True)) == sorted(
        p.pk for p, _ in world.vendors[:3]
    )
    assert list(event.events.values_list("kind", flat=True)) == ["published"]
    invited_mail = OutboundEmail.objects.filter(dedupe_key__startswith=f"sourcing:{event.pk}:published")
    assert invited_mail.count() == 3
    # and each invited vendor's user has an in-site notice (我的账户 → 通知) linking the project
    from oscar.core.loading import get_model

    notices = get_model("communication", "Notification").objects.filter(subject__startswith="网上询价邀请")
    assert sorted(n.recipient_id for n in notices) == sorted(u.pk for _p, u in world.vendors[:3])
    assert all(f"/dashboard/sourcing/{event.number}/" in n.body for n in notices)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"deadline": NOW - timedelta(minutes=1)}, "截止时间必须晚于现在。"),
        # Friday 20th 09:00 is less than three working days after Monday 10:00 (Thursday 10:00 is)
        ({"deadline": datetime(2026, 11, 19, 9, 0, tzinfo=CHINA)}, "响应截止时间不得早于 2026-11-19 10:00"),
        ({"invite": 2}, "至少邀请 3 家本品目的合格供应商（已选 2 家）。"),
        ({"lines": []}, "请至少填写一项采购明细。"),
        ({"title": "  "}, "请填写项目名称。"),
    ],
)
def test_bad_publications_are_refused_in_chinese_and_store_nothing(overrides, message):
    # given a unit and its vendors
    world = sourcing_world()
    invite = overrides.pop("invite", 3)
    before = counts()
    # when the 经办人 publishes with one thing wrong
    with pytest.raises(Invalid) as refused:
        publish_inquiry(world, now=NOW, invite=invite, **overrides)
    # then the refusal says what, and nothing is stored
    assert message in refused.value.message
    assert counts() == before


def test_an_unqualified_supplier_cannot_be_invited():
    # given a vendor whose 入驻 does not cover the category
    world = sourcing_world()
    from tests.factories.quotes import make_vendor

    outsider, _user = make_vendor("无关供应商")
    # when the 经办人 invites it with two qualified ones
    with pytest.raises(Invalid) as refused:
        publish_inquiry(
            world, now=NOW, invited_partner_ids=[outsider.pk, *(p.pk for p, _ in world.vendors[:2])]
        )
    # then it is named in the refusal
    assert refused.value.message == "无关供应商不是本品目的合格供应商，不能邀请。"


def test_only_a_units_handler_publishes():
    # given the unit's 审批人 (no 经办人 role) and a buyer without a unit
    world = sourcing_world()
    from tests.factories.accounts import UserFactory

    for actor, message in (
        (world.approver, "只有本单位的经办人可以提交询价、接受报价或下单。"),
        (UserFactory(), "网上询价和反向竞价由采购单位发起，请先加入或创建采购单位。"),
    ):
        # when they try to publish
        with pytest.raises(PermissionDenied) as refused:
            publish_inquiry(world, now=NOW, actor=actor)
        # then they are refused
        assert refused.value.message == message
    assert SourcingEvent.objects.count() == 0


# --- sealed responses -----------------------------------------------------------------------------


def test_a_supplier_responds_once_and_cannot_change_its_price():
    # given an open 询价
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    # when the first supplier responds, then tries again with a lower price
    response = respond(event, world.vendors[0], prices=["19000.00", "800.00"], now=NOW + timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        respond(event, world.vendors[0], prices=["18000.00", "700.00"], now=NOW + timedelta(hours=2))
    # then the first response stands (2 × 19,000 + 4 × 800) and the second is refused
    assert response.total == Decimal("41200.00")
    assert refused.value.message == "贵公司已报价。询价报价一次报出，不得更改。"
    assert SupplierResponse.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    "prices, message",
    [
        (["0", "800"], "的单价必须大于零。"),
        (["-5", "800"], "的单价必须大于零。"),
        (["19000.001", "800"], "的单价最多保留两位小数（精确到分）。"),
        (["abc", "800"], "的单价不是有效的金额。"),
        ([None, None], "请至少为一项采购明细报价。"),
    ],
)
def test_bad_prices_are_refused_and_store_nothing(prices, message):
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    before = counts()
    with pytest.raises(DomainError) as refused:
        respond(event, world.vendors[0], prices=prices, now=NOW + timedelta(hours=1))
    assert message in refused.value.message
    assert counts() == before


def test_a_response_after_the_deadline_or_from_an_uninvited_supplier_is_refused():
    # given a 询价 inviting the first three vendors
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    # when the fourth (not invited) responds in time, and an invited one a second too late
    with pytest.raises(PermissionDenied) as uninvited:
        respond(event, world.vendors[3], prices=["1", "1"], now=NOW + timedelta(hours=1))
    with pytest.raises(Conflict) as late:
        respond(event, world.vendors[0], prices=["1", "1"], now=event.deadline + timedelta(seconds=1))
    # then both are refused and nothing is stored
    assert uninvited.value.message == "贵公司不在本项目的受邀或合格供应商之列。"
    assert late.value.message == "已超过响应截止时间，不能再报价。"
    assert SupplierResponse.objects.count() == 0


def test_prices_stay_sealed_until_the_deadline():
    # given three responses to an open 询价
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    for vendor, price in zip(world.vendors[:3], ("19111.00", "19222.00", "19333.00"), strict=True):
        respond(event, vendor, prices=[price, "777.00"], now=NOW + timedelta(hours=1))
    event.refresh_from_db()
    # when the buyer and an operator read the event before the deadline
    from tests.factories.accounts import OperatorFactory

    # then they get the count only; a supplier its own response; no log line or e-mail holds a price
    assert selectors.response_count(event=event) == 3
    assert selectors.evaluated_responses(event=event, user=world.handler) == []
    assert selectors.evaluated_responses(event=event, user=OperatorFactory()) == []
    own = selectors.own_response(event=event, partner_ids=[world.vendors[1][0].pk])
    assert own.total == Decimal("41552.00")
    written = (
        " ".join(SourcingEventLog.objects.values_list("note", flat=True))
        + " ".join(OutboundEmail.objects.values_list("body", flat=True))
        + " ".join(OutboundEmail.objects.values_list("subject", flat=True))
    )
    for price in ("19111", "19222", "19333", "19,111", "777"):
        assert price not in written


# --- opening at the deadline ----------------------------------------------------------------------


def _three_responses(world, event, prices):
    for vendor, (price, minute) in zip(world.vendors, prices, strict=False):
        respond(event, vendor, prices=price, now=NOW + timedelta(minutes=minute))


def test_two_valid_responses_end_the_inquiry_as_failed_with_the_reason():
    # given three responses, one of which leaves a line out
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    _three_responses(world, event, [(["19000", "800"], 1), (["18500", "900"], 2), (["18000", None], 3)])
    # when the deadline passes and the closing task runs
    outcome = services.sourcing_close(event_id=event.pk, now=event.deadline)
    # then the 询价 failed, the reason counts the valid responses, the excluded one says why
    event.refresh_from_db()
    assert (outcome, event.status) == ("failed", "failed")
    assert event.result_note == "有效响应供应商不足 3 家（实际 2 家，共 3 家响应），网上询价失败。"
    excluded = SupplierResponse.objects.get(event=event, partner=world.vendors[2][0])
    assert (excluded.valid, excluded.exclusion_reason) == (False, "未对全部采购明细报价")


def test_an_over_cap_response_is_excluded_and_the_lowest_valid_price_is_proposed():
    # given a 最高限价 of ¥42,000 and four responses (one over the cap, one cheapest)
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW, invite=4, max_total="42000.00")
    _three_responses(
        world,
        event,
        [(["19000", "800"], 1), (["19800", "500"], 2), (["18000", "750"], 3), (["21000", "1000"], 4)],
    )
    # when it is opened
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    # then 2×21,000+4×1,000 = 46,000 is excluded, the rest ranked, the cheapest proposed
    ranked = {
        r.partner.name: (r.valid, r.rank, r.exclusion_reason)
        for r in event.responses.select_related("partner")
    }
    assert ranked == {
        "会议设备供应商1": (True, 2, ""),
        "会议设备供应商2": (True, 3, ""),
        "会议设备供应商3": (True, 1, ""),
        "会议设备供应商4": (False, None, "报价总额超过最高限价 ¥42,000.00"),
    }
    assert (event.status, event.winner, event.award_total) == (
        "evaluated",
        world.vendors[2][0],
        Decimal("39000.00"),
    )


def test_a_tie_goes_to_the_earlier_response():
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    _three_responses(world, event, [(["19000", "800"], 5), (["19000", "800"], 2), (["19500", "800"], 1)])
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    assert event.winner == world.vendors[1][0]


def test_the_closing_task_run_twice_or_early_changes_nothing_more():
    # given an open 询价 with three responses
    world = sourcing_world()
    event = publish_inquiry(world, now=NOW)
    _three_responses(world, event, [(["19000", "800"], 1), (["18500", "900"], 2), (["18000", "950"], 3)])
    # when the task runs before the deadline, at it, and again later
    early = services.sourcing_close(event_id=event.pk, now=event.deadline - timedelta(seconds=1))
    first = services.sourcing_close(event_id=event.pk, now=event.deadline)
    again = services.sourcing_close(event_id=event.pk, now=event.deadline + timedelta(minutes=5))
    # then it opened exactly once, with one log line
    assert (early, first, again) == ("not-due", "evaluated", "skipped")
    assert list(event.events.values_list("kind", flat=True)) == [
        "published",
        "responded",
        "responded",
        "responded",
        "opened",
    ]


# --- award ----------------------------------------------------------------------------------------


def _evaluated(world, **publish):
    event = publish_inquiry(world, now=NOW, **publish)
    _three_responses(world, event, [(["19000", "800"], 1), (["18500", "900"], 2), (["18000", "950"], 3)])
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    return event


def test_an_award_over_the_threshold_waits_for_approval_then_places_the_order_for_the_winner():
    # given a government unit (one approval from ¥50,000) and an evaluated 询价 of ¥39,800…
    world = sourcing_world()
    unit_services.approval_rule_create(
        unit=world.unit, actor=world.members["admin"].user, min_amount="30000", steps=1
    )
    event = _evaluated(world)
    # when the 经办人 confirms the award (a rule from ¥30,000 applies)
    services.award_confirm(event=event, actor=world.handler)
    event.refresh_from_db()
    approval = ApprovalRequest.objects.get(kind="sourcing", subject_id=event.pk)
    assert (event.status, approval.status, approval.amount) == (
        "awaiting_approval",
        "pending",
        Decimal("39800.00"),
    )
    # and the 审批人 approves it
    result = unit_services.approval_decide(approval=approval, actor=world.approver, decision="approve")
    # then the order is placed for the unit, at the winner's prices, and every respondent is told
    event.refresh_from_db()
    assert (result.outcome, event.status) == ("approved", "awarded")
    order = event.order
    assert order.origin.unit_id == world.unit.pk and order.origin.source == "sourcing"
    assert [
        (line.title, line.quantity, line.unit_price_incl_tax, line.partner_id) for line in order.lines.all()
    ] == [
        ("会议平板 86 寸", 2, Decimal("18000.00"), world.vendors[2][0].pk),
        ("全向麦克风", 4, Decimal("950.00"), world.vendors[2][0].pk),
    ]
    assert order.total_incl_tax == Decimal("39800.00")
    results = OutboundEmail.objects.filter(dedupe_key__startswith=f"sourcing:{event.pk}:result")
    assert results.count() == 3
    loser = results.exclude(dedupe_key__endswith=f":{world.vendors[2][0].pk}").first()
    assert "18500" not in loser.body and "19000" not in loser.body and "¥39,800.00" in loser.body


def test_a_company_award_without_rules_goes_straight_out_and_commits_the_budget():
    # given a private company's unit with a budget line and no approval rule
    world = sourcing_world(org_type="private")
    line = unit_services.budget_line_create(
        unit=world.unit,
        actor=world.members["admin"].user,
        name="设备",
        year=NOW.year,
        amount="100000",
        fund_nature="own",
    )
    event = _evaluated(world, budget_line_id=line.pk)
    # when the award is confirmed
    services.award_confirm(event=event, actor=world.handler)
    # then the order exists and the line holds its amount
    event.refresh_from_db()
    line.refresh_from_db()
    assert event.status == "awarded"
    assert (line.committed, line.spent) == (Decimal("39800.00"), Decimal("0.00"))
    assert line.commitments.get().order_id == event.order_id


def test_not_awarding_needs_a_reason_and_a_failed_inquiry_can_be_reissued():
    world = sourcing_world()
    event = _evaluated(world)
    with pytest.raises(Invalid):
        services.award_decline(event=event, actor=world.handler, reason=" ")
    services.award_decline(event=event, actor=world.handler, reason="预算调整，暂缓采购")
    event.refresh_from_db()
    assert (event.status, event.result_note) == ("not_awarded", "采购人未确认成交：预算调整，暂缓采购")
    again = services.sourcing_reissue(
        event=event, actor=world.handler, deadline=NOW + timedelta(days=10), now=NOW
    )
    assert (again.status, again.reissued_from_id, again.lines.count(), again.invites.count()) == (
        "open",
        event.pk,
        2,
        3,
    )


def test_the_budget_line_must_belong_to_this_year(settings):
    world = sourcing_world()
    old = BudgetLine.objects.create(unit=world.unit, name="旧预算", year=2020, amount=1000, fund_nature="own")
    with pytest.raises(Invalid):
        publish_inquiry(world, now=NOW, budget_line_id=old.pk)
