"""Buying-unit pages, API, header and demo data (real PostgreSQL and Redis)."""

import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.buyers import services
from shop.buyers.models import BuyingUnit, UnitEvent, UnitInvitation, UnitMember
from shop.core.models import OutboundEmail
from tests.factories.accounts import UserFactory
from tests.factories.buyers import make_unit
from tests.factories.vendors import make_uscc

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_buyer_without_a_unit_creates_one_on_the_workbench_page():
    # given a buyer without a unit
    user = UserFactory()
    client = client_for(user)
    page = client.get("/buyers/unit/")
    assert page.status_code == 200 and 'id="unit-create-form"' in page.content.decode()
    # when they submit the form
    response = client.post(
        "/buyers/unit/",
        {
            "org_name": "株洲市财政局",
            "org_uscc": make_uscc(),
            "org_type": "party_gov",
            "province": "湖南省",
            "city": "株洲市",
            "invoice_type": "normal",
        },
    )
    # then the unit exists and the workbench shows it with their roles
    assert response.status_code == 302
    html = client.get("/buyers/unit/").content.decode()
    assert '<h2 class="h4" id="unit-name">株洲市财政局</h2>' in html
    assert '<dd class="col-sm-9" id="unit-my-roles">管理员、经办人</dd>' in html
    assert "目前没有等待您审批的事项。" in html and "目前没有待付款的订单。" in html


def test_a_bad_unit_form_is_a_400_with_chinese_errors_and_creates_nothing():
    client = client_for(UserFactory())
    response = client.post("/buyers/unit/", {"org_name": "", "org_uscc": "123", "org_type": "party_gov"})
    assert response.status_code == 400
    assert "提交未成功，请根据下方提示修改后重新提交。" in response.content.decode()
    assert BuyingUnit.objects.count() == 0


def test_workbench_and_members_pages_query_counts(django_assert_num_queries):
    # given a unit with four members, an invitation and some events
    unit, m = make_unit(roles_by_name={"h": ["handler"], "a": ["approver"], "f": ["finance"]})
    admin = m["admin"].user
    services.member_invite(unit=unit, actor=admin, email="x@example.com", roles=["handler"])
    client = client_for(admin)
    client.get("/buyers/unit/")  # the header is cached
    # when the pages are opened, then their query counts are fixed (the session and its user are
    # cached): the request's savepoint and its release, the membership with its unit, then the
    # member count, invitations and events (with actors), and for this 管理员 + 经办人 the quote
    # requests, OEM orders and sourcing awards to accept and this year's budget lines; or the
    # members (with users) and invitations; none grows with the number of members
    with django_assert_num_queries(10):
        assert client.get("/buyers/unit/").status_code == 200
    with django_assert_num_queries(5):
        assert client.get("/buyers/unit/members/").status_code == 200


def test_members_page_admin_invites_and_a_handler_cannot_change_anything():
    # given a unit with an admin and a handler
    unit, m = make_unit(roles_by_name={"h": ["handler"]})
    admin, handler = client_for(m["admin"].user), client_for(m["h"].user)
    # when the admin invites through the page
    response = admin.post("/buyers/unit/members/", {"email": "new@example.com", "roles": ["approver"]})
    assert response.status_code == 302
    assert UnitInvitation.objects.get().roles == ["approver"]
    # then the handler sees the members but no forms, and every change is a 403 in Chinese
    html = handler.get("/buyers/unit/members/").content.decode()
    assert 'id="invite-form"' not in html and "member-action" not in html
    before = list(UnitMember.objects.order_by("pk").values_list("roles", "is_active"))
    events = UnitEvent.objects.count()
    r1 = handler.post("/buyers/unit/members/", {"email": "y@example.com", "roles": ["handler"]})
    r2 = handler.post(reverse("buyers:member-action", args=[m["admin"].pk, "deactivate"]))
    r3 = handler.post(reverse("buyers:member-action", args=[m["h"].pk, "roles"]), {"roles": ["admin"]})
    assert (r1.status_code, r2.status_code, r3.status_code) == (403, 403, 403)
    assert "只有本单位管理员可以执行此操作。" in r1.content.decode()
    assert list(UnitMember.objects.order_by("pk").values_list("roles", "is_active")) == before
    assert (UnitInvitation.objects.count(), UnitEvent.objects.count()) == (1, events)


def test_another_units_member_and_a_non_member_see_nothing_of_the_unit():
    # given units A and B and a buyer without a unit
    unit_a, a = make_unit(org_name="甲单位MKA")
    _unit_b, b = make_unit()
    outsider = client_for(b["admin"].user)
    nobody = client_for(UserFactory())
    # when they try A's members
    assert nobody.get("/buyers/unit/members/").status_code == 404
    html = outsider.get("/buyers/unit/members/").content.decode()
    assert "甲单位MKA" not in html
    response = outsider.post(reverse("buyers:member-action", args=[a["admin"].pk, "deactivate"]))
    # then A's member is "not found" for them, and unchanged
    assert response.status_code == 404
    assert UnitMember.objects.get(pk=a["admin"].pk).is_active is True


def test_the_last_admin_deactivating_themselves_gets_a_chinese_message():
    unit, m = make_unit()
    client = client_for(m["admin"].user)
    response = client.post(reverse("buyers:member-action", args=[m["admin"].pk, "deactivate"]), follow=True)
    assert "单位至少需要一名管理员。" in response.content.decode()
    assert UnitMember.objects.get(pk=m["admin"].pk).is_active is True


def test_the_invitation_page_creates_the_account_signs_in_and_a_second_use_is_refused():
    # given an invitation link
    unit, m = make_unit(org_name="湘江新区管委会")
    _inv, token = services.member_invite(
        unit=unit, actor=m["admin"].user, email="li@example.com", roles=["finance"]
    )
    visitor = Client()
    page = visitor.get(f"/buyers/invitations/{token}/")
    assert "湘江新区管委会" in page.content.decode() and "财务" in page.content.decode()
    # when the visitor gives a name and password
    response = visitor.post(
        f"/buyers/invitations/{token}/",
        {"full_name": "李四", "password1": "Xh-accept-2026", "password2": "Xh-accept-2026"},
    )
    # then they are signed in as a member; the link now says it was used
    assert response.status_code == 302 and response["Location"] == "/buyers/unit/"
    assert 'id="unit-my-roles">财务</dd>' in visitor.get("/buyers/unit/").content.decode()
    again = Client().post(
        f"/buyers/invitations/{token}/",
        {"full_name": "王五", "password1": "Xh-accept-2026", "password2": "Xh-accept-2026"},
    )
    assert again.status_code == 409 and "邀请链接已使用。" in again.content.decode()
    assert UnitMember.objects.filter(unit=unit).count() == 2


def test_a_forged_invitation_link_is_a_404_in_chinese():
    response = Client().get("/buyers/invitations/abc:def/")
    assert response.status_code == 404 and "邀请链接无效。" in response.content.decode()


# --- header -------------------------------------------------------------------------------------

HEADER = re.compile(
    r'<li id="unit-header"><a href="/buyers/unit/"[^>]*>([^<]*)</a> <span[^>]*>([^<]*)</span>'
)


def test_the_header_shows_the_unit_and_roles_and_changes_with_membership(client):
    # given a member with two roles on a cached storefront page
    unit, m = make_unit(org_name="岳麓区教育局", roles_by_name={"a": ["approver", "finance"]})
    member = client_for(m["a"].user)
    assert HEADER.search(member.get("/").content.decode()).groups() == ("岳麓区教育局", "审批人、财务")
    # when the admin changes the roles, then deactivates the member (the header follows)
    services.member_roles_set(member=m["a"], actor=m["admin"].user, roles=["handler"])
    assert HEADER.search(member.get("/").content.decode()).groups() == ("岳麓区教育局", "经办人")
    unit.org_name = "岳麓区教育局（新）"
    unit.save()
    assert HEADER.search(member.get("/").content.decode()).groups() == ("岳麓区教育局（新）", "经办人")
    # a buyer without a unit has no unit header
    assert HEADER.search(client_for(UserFactory()).get("/").content.decode()) is None


def test_the_unit_header_adds_no_query_to_a_cached_page(django_assert_num_queries):
    # given a member whose header and the page are cached
    _unit, m = make_unit()
    member = client_for(m["admin"].user)
    member.get("/")
    member.get("/")
    # when the page is opened again: no query at all, as for any buyer (the session's user
    # comes from the cache too)
    with django_assert_num_queries(0):
        page = member.get("/")
    assert page["X-Storefront-Cache"] == "hit" and HEADER.search(page.content.decode())


# --- API ----------------------------------------------------------------------------------------


def test_api_unit_members_invite_and_patch_with_the_same_role_checks():
    # given a unit with an admin and a handler
    unit, m = make_unit(org_name="API单位", roles_by_name={"h": ["handler"]})
    admin, handler = client_for(m["admin"].user), client_for(m["h"].user)
    # when members read the unit and its members
    me = handler.get("/api/unit/").json()
    assert (me["org_name"], me["my_roles"], me["member_count"]) == ("API单位", ["handler"], 2)
    assert [x["roles"] for x in admin.get("/api/unit/members/").json()] == [["admin", "handler"], ["handler"]]
    # when the admin invites and the handler tries to
    ok = admin.post(
        "/api/unit/members/",
        {"email": "n@example.com", "roles": ["approver"]},
        content_type="application/json",
    )
    no = handler.post(
        "/api/unit/members/",
        {"email": "z@example.com", "roles": ["approver"]},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["roles"] == ["approver"]
    assert no.status_code == 403 and no.json()["code"] == "forbidden"
    assert no.json()["detail"] == "只有本单位管理员可以执行此操作。"
    # when the admin patches roles, and tries to deactivate themselves as last admin
    url_h, url_admin = f"/api/unit/members/{m['h'].pk}/", f"/api/unit/members/{m['admin'].pk}/"
    patched = admin.patch(url_h, {"roles": ["approver", "finance"]}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["roles"] == ["approver", "finance"]
    last = admin.patch(url_admin, {"is_active": False}, content_type="application/json")
    assert last.status_code == 409 and last.json() == {
        "code": "conflict",
        "detail": "单位至少需要一名管理员。",
        "fields": {},
    }
    assert UnitMember.objects.get(pk=m["admin"].pk).is_active is True
    # a user without a unit, and another unit's admin, get 404
    assert client_for(UserFactory()).get("/api/unit/").status_code == 404
    _b, b = make_unit()
    assert (
        client_for(b["admin"].user)
        .patch(url_h, {"is_active": False}, content_type="application/json")
        .status_code
        == 404
    )


def test_api_invite_to_an_address_in_another_unit_is_a_409_and_changes_nothing():
    _unit, a = make_unit()
    _b, b = make_unit()
    response = client_for(a["admin"].user).post(
        "/api/unit/members/",
        {"email": b["admin"].user.email, "roles": ["handler"]},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["detail"] == "该邮箱已属于其他采购单位。"
    assert (UnitInvitation.objects.count(), OutboundEmail.objects.count()) == (0, 0)


def test_the_api_schema_documents_the_unit_endpoints():
    schema = client_for(UserFactory()).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/unit/", "/api/unit/members/", "/api/unit/members/{id}/"):
        assert path in schema


# --- demo ---------------------------------------------------------------------------------------


def test_demo_accounts_create_a_government_unit_with_four_roles(tmp_path, settings, capsys):
    # given an empty var directory
    settings.VAR_DIR = tmp_path
    # when the demo command runs twice
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")
    # then one 党政机关 unit has four members, one role each, passwords kept in the file only
    unit = BuyingUnit.objects.get()
    assert unit.org_type == "party_gov"
    roles = dict(UnitMember.objects.filter(unit=unit, is_active=True).values_list("user__username", "roles"))
    assert roles == {
        "unit-admin": ["admin"],
        "unit-handler": ["handler"],
        "unit-approver": ["approver"],
        "unit-finance": ["finance"],
    }
    passwords = json.loads((tmp_path / "demo-accounts.json").read_text())
    out = capsys.readouterr().out
    for username in roles:
        assert passwords[username] in out
    assert "审批人" in out and "财务" in out
    # and the unit has two budget lines this year and one approval rule (¥50,000, one step)
    year = timezone.localdate().year
    assert sorted(unit.budget_lines.values_list("year", "name", "amount", "fund_nature")) == [
        (year, "会议室音视频改造", Decimal("200000.00"), "own"),
        (year, "信息化设备购置", Decimal("600000.00"), "fiscal"),
    ]
    assert list(unit.approval_rules.values_list("min_amount", "steps", "is_active")) == [
        (Decimal("50000.00"), 1, True)
    ]


def test_saving_no_role_or_an_unknown_role_is_refused_in_chinese_and_changes_nothing():
    # given an admin and a handler
    _unit, m = make_unit(roles_by_name={"h": ["handler"]})
    client = client_for(m["admin"].user)
    url = reverse("buyers:member-action", args=[m["h"].pk, "roles"])
    # when the admin saves no role, then a made-up one
    empty = client.post(url, {}, follow=True).content.decode()
    made_up = client.post(url, {"roles": ["boss"]}, follow=True).content.decode()
    # then both are refused with a Chinese message and the roles are unchanged
    assert "请至少选择一个角色。" in empty
    assert "选择一个有效的选项" in made_up
    assert UnitMember.objects.get(pk=m["h"].pk).roles == ["handler"]


def test_an_admin_hands_a_deactivated_handlers_open_work_to_another_handler():
    # given a unit whose 经办人 left with an open quote request, and a second 经办人
    from shop.quotes.models import QuoteRequest
    from tests.factories.quotes import make_vendor, stocked_product, submit_request

    _unit, m = make_unit(roles_by_name={"gone": ["handler"], "next": ["handler"], "approver": ["approver"]})
    partner, _u = make_vendor("星城科技")
    product = stocked_product(vendors=[(partner, "11800.00")], title="会议平板")
    qr = submit_request(buyer=m["gone"].user, lines=[(product, 1)])
    services.member_deactivate(member=m["gone"], actor=m["admin"].user)
    admin = client_for(m["admin"].user)
    url = reverse("buyers:member-action", args=[m["gone"].pk, "reassign"])
    # when the admin tries an 审批人 as the receiver, then the other 经办人
    refused = admin.post(url, {"to_member": m["approver"].pk}, follow=True).content.decode()
    unchanged = QuoteRequest.objects.get(pk=qr.pk).buyer_id
    done = admin.post(url, {"to_member": m["next"].pk}, follow=True).content.decode()
    # then the first is refused in Chinese, the second moves the request, with one event
    assert "接手人必须是本单位在职的经办人。" in refused and unchanged == m["gone"].user.pk
    assert f"已将 1 项经办事项转交给 {m['next'].user.get_full_name() or m['next'].user.email}。" in done
    assert QuoteRequest.objects.get(pk=qr.pk).buyer_id == m["next"].user.pk
    assert UnitEvent.objects.filter(kind="work_reassigned").count() == 1
    # and a member who is not an admin may not do it
    assert client_for(m["next"].user).post(url, {"to_member": m["next"].pk}).status_code == 403
