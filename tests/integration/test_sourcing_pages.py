"""Sourcing pages: a unit's 经办人 publishes a 询价 through the page, vendors respond in the
dashboard, and no page shows a price before the deadline (the seal); after opening the buyer
sees the ranked responses and confirms the award; the bid page's status answer shows only the
bidder's own rank."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.core.workdays import local
from shop.sourcing import services
from shop.sourcing.models import SourcingEvent, SupplierResponse
from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_handler_publishes_an_inquiry_through_the_page():
    # given a unit's 经办人 and four qualified vendors
    world = sourcing_world()
    client = client_for(world.handler)
    # when they choose the category, then fill in the form
    step2 = client.get(reverse("sourcing:create"), {"mode": "inquiry", "category": world.category.pk})
    assert step2.status_code == 200 and "会议设备供应商4" in step2.content.decode()
    deadline = local(timezone.now() + timedelta(days=10))
    response = client.post(
        f"{reverse('sourcing:create')}?category={world.category.pk}",
        {
            "mode": "inquiry",
            "category": world.category.pk,
            "title": "视频会议终端采购",
            "delivery_place": "长沙市岳麓区",
            "delivery_date": (deadline + timedelta(days=30)).date().isoformat(),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "invitation": "invited",
            "invited": [str(p.pk) for p, _u in world.vendors[:3]],
            "line_1_title": "视频会议终端",
            "line_1_quantity": "3",
            "line_1_unit": "套",
        },
    )
    # then the event exists and its page says no price is visible yet
    event = SourcingEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sourcing:detail", args=[event.number]
    )
    page = client.get(response["Location"]).content.decode()
    assert "已收到 0 家供应商的密封报价，截止时间后统一开启。" in page


def test_a_bad_publication_through_the_page_is_refused_in_chinese_and_stores_nothing():
    world = sourcing_world()
    client = client_for(world.handler)
    deadline = local(timezone.now() + timedelta(hours=2))
    response = client.post(
        f"{reverse('sourcing:create')}?category={world.category.pk}",
        {
            "mode": "inquiry",
            "category": world.category.pk,
            "title": "视频会议终端采购",
            "delivery_place": "长沙市岳麓区",
            "delivery_date": (deadline + timedelta(days=30)).date().isoformat(),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "invitation": "invited",
            "invited": [str(world.vendors[0][0].pk)],
            "line_1_title": "视频会议终端",
            "line_1_quantity": "3",
            "line_1_unit": "套",
        },
    )
    assert response.status_code == 400
    assert "响应截止时间不得早于" in response.content.decode()
    assert SourcingEvent.objects.count() == 0


def test_no_page_shows_a_price_before_the_deadline_and_the_buyer_sees_the_ranking_after():
    # given an open 询价 and two vendors who responded through the dashboard page
    world = sourcing_world()
    event = publish_inquiry(world, days=7)
    prices = {0: ("19111.00", "777.00"), 1: ("19222.00", "666.00")}
    for i, (panel, mic) in prices.items():
        partner, user = world.vendors[i]
        lines = list(event.lines.order_by("sequence"))
        answer = client_for(user).post(
            reverse("dashboard:sourcing-respond", args=[event.number]),
            {f"price_{lines[0].pk}": panel, f"price_{lines[1].pk}": mic, "delivery_days": "20"},
        )
        assert answer.status_code == 302
    assert SupplierResponse.objects.filter(event=event).count() == 2
    # when every page showing the event is read by the buyer, the operator and the vendors
    from tests.factories.accounts import OperatorFactory

    readers = {
        "buyer": (
            client_for(world.handler),
            [reverse("sourcing:list"), reverse("sourcing:detail", args=[event.number])],
        ),
        "operator": (
            client_for(OperatorFactory()),
            [reverse("dashboard:sourcing-list"), reverse("dashboard:sourcing-detail", args=[event.number])],
        ),
        "vendor3": (
            client_for(world.vendors[2][1]),
            [reverse("dashboard:sourcing-list"), reverse("dashboard:sourcing-detail", args=[event.number])],
        ),
        "vendor1": (
            client_for(world.vendors[0][1]),
            [reverse("dashboard:sourcing-detail", args=[event.number])],
        ),
    }
    seen = {}
    for who, (client, urls) in readers.items():
        seen[who] = " ".join(client.get(url).content.decode() for url in urls)
    # then nobody sees another's price (vendor 1 sees its own only)
    for who, text in seen.items():
        assert "19,222.00" not in text and "19222" not in text, who
        if who != "vendor1":
            assert "19,111.00" not in text and "19111" not in text, who
    assert "¥19,111.00" in seen["vendor1"]
    assert "已收到 2 家供应商的密封报价" in seen["buyer"]
    # when the deadline passes (two valid responses: failed) the buyer sees the responses
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    page = client_for(world.handler).get(reverse("sourcing:detail", args=[event.number])).content.decode()
    assert "¥41,330.00" in page and "¥41,108.00" in page
    assert "有效响应供应商不足 3 家（实际 2 家，共 2 家响应），网上询价失败。" in page


def test_the_buyer_confirms_the_award_on_the_page():
    # given an evaluated 询价 of a company (no approval rule)
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    for i, vendor in enumerate(world.vendors[:3]):
        respond(event, vendor, prices=[f"{19000 - i * 100}", "800"], now=timezone.now())
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    # when the 经办人 confirms on the page
    client = client_for(world.handler)
    response = client.post(reverse("sourcing:action", args=[event.number, "confirm"]), follow=True)
    # then the order is linked from the page
    event.refresh_from_db()
    assert event.status == "awarded"
    assert (
        f'订单 <a id="sourcing-order" href="{reverse("payments:order-detail", args=[event.order.number])}"'
        in response.content.decode()
    )


def test_outsiders_get_404_and_a_member_without_the_role_cannot_act():
    world = sourcing_world()
    event = publish_inquiry(world, days=7)
    from tests.factories.buyers import make_unit

    _other, other_members = make_unit()
    outsider = client_for(other_members["admin"].user)
    assert outsider.get(reverse("sourcing:detail", args=[event.number])).status_code == 404
    approver = client_for(world.approver)
    refused = approver.post(reverse("sourcing:action", args=[event.number, "cancel"]), {"reason": "不需要了"})
    assert refused.status_code == 403
    assert "只有本单位的经办人可以" in refused.content.decode()
    event.refresh_from_db()
    assert event.status == "open"


def test_the_bid_status_answer_shows_the_bidders_own_rank_only():
    world = sourcing_world()
    now = timezone.now()
    event = publish_inquiry(
        world,
        mode="auction",
        starts_at=now,
        deadline=now + timedelta(hours=1),
        start_price="50000",
        decrement="100",
    )
    services.bid_place(event=event, actor=world.vendors[0][1], amount="48000")
    services.bid_place(event=event, actor=world.vendors[1][1], amount="47000")
    answer = (
        client_for(world.vendors[0][1]).get(reverse("dashboard:sourcing-status", args=[event.number])).json()
    )
    assert answer["my_best"] == "48000.00" and answer["my_rank"] == 2 and answer["status"] == "open"
    assert "47000" not in str(answer)


def test_the_workbench_lists_an_opened_event_waiting_for_the_award():
    # given a 询价 opened with three valid responses
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    for i, vendor in enumerate(world.vendors[:3]):
        respond(event, vendor, prices=[f"{19000 - i * 100}", "800"], now=timezone.now())
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    # when the 经办人 opens the 单位工作台
    page = client_for(world.handler).get(reverse("buyers:unit")).content.decode()
    # then it lists the event with the proposed amount (2 × 18,800 + 4 × 800)
    assert f'href="{reverse("sourcing:detail", args=[event.number])}"' in page
    assert "已开启，拟成交 ¥40,800.00，请确认成交" in page
