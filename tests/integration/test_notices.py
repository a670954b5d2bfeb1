"""The public 采购公告: a 询价 publishes its 询价公告 at once; deciding it publishes the 成交公告
(winner and amount) or the 失败公告 (reason). Anyone can read and search them; they show what
the rules publish and nothing else (no losing price, no contact, no bank account)."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.notices.models import Notice
from shop.notices.services import notice_for_event
from shop.sourcing import services
from tests.factories.sourcing import publish_inquiry, respond, sourcing_world

pytestmark = pytest.mark.django_db


def test_publishing_an_inquiry_publishes_its_notice_for_everyone():
    # given a unit's 询价
    world = sourcing_world()
    event = publish_inquiry(world, days=7)
    # when an anonymous visitor opens the notices
    anonymous = Client()
    listing = anonymous.get(reverse("notices:list")).content.decode()
    notice = Notice.objects.get(event=event)
    detail = anonymous.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    # then the 询价公告 names the unit, the project, the items and the deadline
    assert notice.kind == "inquiry" and "会议室视频会议设备采购" in listing
    for text in (world.unit.org_name, event.number, "全向麦克风", "4 个", "网上询价"):
        assert text in detail


def test_the_award_notice_names_the_winner_and_amount_and_nothing_else():
    # given a company's 询价 with three responses, awarded
    world = sourcing_world(org_type="private")
    event = publish_inquiry(world, days=7)
    for i, vendor in enumerate(world.vendors[:3]):
        respond(event, vendor, prices=[f"{19000 + i * 111}", "800"])
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    services.award_confirm(event=event, actor=world.handler)
    # when anyone reads the 成交公告
    notice = Notice.objects.get(event=event, kind="award")
    page = Client().get(reverse("notices:detail", args=[notice.pk])).content.decode()
    # then it shows the winner and the amount (2 × 19,000 + 4 × 800), not the losing prices,
    # nobody's e-mail address and no bank account
    assert "会议设备供应商1" in page and "¥41,200.00" in page
    for hidden in ("19,111", "19111", "19,222", "19222", "@", "银行账号", "开户"):
        assert hidden not in page.split('id="notice"')[1], hidden


def test_a_failed_inquiry_publishes_a_failure_notice_with_the_reason_once():
    world = sourcing_world()
    event = publish_inquiry(world, days=7)
    respond(event, world.vendors[0], prices=["19000", "800"])
    services.sourcing_close(event_id=event.pk, now=event.deadline)
    event.refresh_from_db()
    notice_for_event(event=event)  # publishing again changes nothing
    (failure,) = Notice.objects.filter(event=event, kind="failure")
    assert failure.reason == "有效响应供应商不足 3 家（实际 1 家，共 1 家响应），网上询价失败。"
    assert Notice.objects.filter(event=event).count() == 2  # 询价公告 + 失败公告


def test_notices_are_searchable_filterable_and_paged_with_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    # given 21 award notices and one inquiry notice
    for i in range(21):
        Notice.objects.create(
            kind="award",
            project_number=f"WX2026{i:06d}",
            title=f"会议设备{i}",
            unit_name="某局",
            method="网上询价",
        )
    Notice.objects.create(
        kind="inquiry",
        project_number="WX2026999999",
        title="交通信号灯",
        unit_name="某区交警大队",
        method="网上询价",
    )
    client = Client()
    # when the list is searched, filtered and paged
    signal = client.get(reverse("notices:list"), {"q": "交警"}).content.decode()
    awards = client.get(reverse("notices:list"), {"kind": "award"}).content.decode()
    second = client.get(reverse("notices:list"), {"kind": "award", "page": 2}).content.decode()
    # then each shows what it should
    assert "交通信号灯" in signal and "会议设备" not in signal
    assert "交通信号灯" not in awards and "第 1 / 2 页" in awards
    assert "第 2 / 2 页" in second and second.count("list-group-item") == 1
    # and a page costs the same few queries whatever it lists
    with django_assert_num_queries(4):  # the same for 20 rows as for 1: no query per notice
        client.get(reverse("notices:list"), {"kind": "award"})
