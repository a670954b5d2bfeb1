"""Buying units: creating a unit, invitations, roles, deactivation, the migration of old
single-user organisations. Every refusal is Chinese and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from shop.buyers import services
from shop.buyers.legacy import units_from_organisations
from shop.buyers.models import BuyerOrganisation, BuyingUnit, UnitEvent, UnitInvitation, UnitMember
from shop.core.exceptions import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from shop.core.models import OutboundEmail
from tests.factories.accounts import UserFactory
from tests.factories.buyers import UnitMemberFactory, make_unit
from tests.factories.vendors import make_uscc

pytestmark = pytest.mark.django_db
User = get_user_model()


def unit_data(**extra):
    return {
        "org_name": "长沙市数据资源局",
        "org_uscc": make_uscc(),
        "org_type": "party_gov",
        "province": "湖南省",
        "city": "长沙市",
        "county": "",
        "invoice_type": "normal",
        **extra,
    }


def counts():
    return (
        BuyingUnit.objects.count(),
        UnitMember.objects.filter(is_active=True).count(),
        UnitInvitation.objects.count(),
        UnitEvent.objects.count(),
        OutboundEmail.objects.count(),
    )


def test_unit_create_makes_the_creator_admin_and_handler_with_one_event():
    # given a buyer without a unit
    user = UserFactory()
    # when they create a government unit (党政机关)
    unit = services.unit_create(user=user, data=unit_data())
    # then they are its active 管理员 + 经办人, one event says so, and the default rule of a
    # government unit (one approval from ¥50,000) is in place with its own event
    member = UnitMember.objects.get(unit=unit)
    assert (member.user, member.roles, member.is_active) == (user, ["admin", "handler"], True)
    assert list(UnitEvent.objects.filter(unit=unit).values_list("kind", flat=True)) == [
        "unit_created",
        "rule_created",
    ]
    assert list(unit.approval_rules.values_list("min_amount", "steps", "category", "is_active")) == [
        (Decimal("50000.00"), 1, None, True)
    ]


def test_a_new_company_unit_has_no_approval_rule():
    # given a buyer of a private company
    user = UserFactory()
    # when they create its unit
    unit = services.unit_create(user=user, data=unit_data(org_type="private"))
    # then nothing needs approval by default
    assert unit.approval_rules.count() == 0
    assert list(UnitEvent.objects.filter(unit=unit).values_list("kind", flat=True)) == ["unit_created"]


def test_unit_create_refuses_a_member_of_another_unit_and_a_bad_uscc():
    # given a user already in a unit
    unit, members = make_unit()
    before = counts()
    # when they (or anyone with a bad 统一社会信用代码) try to create a unit
    with pytest.raises(Conflict) as other:
        services.unit_create(user=members["admin"].user, data=unit_data())
    with pytest.raises(DomainError) as bad:
        services.unit_create(user=UserFactory(), data=unit_data(org_uscc="91430100MA4L12345X"))
    # then each is refused in Chinese and nothing changed
    assert str(other.value) == f"您已是采购单位“{unit.org_name}”的成员，一个账号只能属于一个采购单位。"
    assert "org_uscc" in bad.value.fields
    assert counts() == before


def test_invite_queues_one_mail_with_a_link_and_accepting_creates_the_account():
    # given a unit and its administrator
    unit, members = make_unit()
    # when the administrator invites an address with two roles
    invitation, token = services.member_invite(
        unit=unit, actor=members["admin"].user, email="new@example.com", roles=["finance", "approver"]
    )
    # then one outbox row carries the link, the invitation expires in 7 days, only a hash is kept
    mail = OutboundEmail.objects.get()
    assert mail.to == ["new@example.com"]
    assert f"/buyers/invitations/{token}/" in mail.body
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert token not in invitation.token_hash and invitation.roles == ["approver", "finance"]
    # when a visitor accepts it with a name and password
    member = services.invitation_accept(token=token, full_name="李财务", password="s3cret-pass!")
    # then the account exists, is an active member with those roles, and the link is used
    assert (member.user.email, member.user.first_name, member.roles) == (
        "new@example.com",
        "李财务",
        ["approver", "finance"],
    )
    assert member.user.check_password("s3cret-pass!")
    invitation.refresh_from_db()
    assert invitation.accepted_by == member.user
    assert list(UnitEvent.objects.filter(unit=unit).values_list("kind", flat=True)) == [
        "member_invited",
        "invitation_accepted",
    ]


def test_a_signed_in_user_with_the_invited_email_is_linked():
    # given an invitation to an existing account's address
    unit, members = make_unit()
    user = UserFactory(email="known@example.com")
    _inv, token = services.member_invite(
        unit=unit, actor=members["admin"].user, email="KNOWN@example.com", roles=["handler"]
    )
    # when someone else signed in tries it, then that user
    with pytest.raises(PermissionDenied):
        services.invitation_accept(token=token, user=UserFactory())
    member = services.invitation_accept(token=token, user=user)
    # then the invited account joined
    assert (member.user, member.unit, member.roles) == (user, unit, ["handler"])


def test_a_reused_or_expired_link_is_refused_and_changes_nothing():
    # given one accepted and one expired invitation
    unit, members = make_unit()
    admin = members["admin"].user
    _a, used = services.member_invite(unit=unit, actor=admin, email="a@example.com", roles=["handler"])
    services.invitation_accept(token=used, full_name="甲", password="s3cret-pass!")
    expired_inv, expired = services.member_invite(
        unit=unit, actor=admin, email="b@example.com", roles=["handler"]
    )
    UnitInvitation.objects.filter(pk=expired_inv.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = (counts(), User.objects.count())
    # when both links are used (and a forged one)
    with pytest.raises(Conflict) as reused:
        services.invitation_accept(token=used, full_name="乙", password="s3cret-pass!")
    with pytest.raises(Conflict) as too_late:
        services.invitation_accept(token=expired, full_name="丙", password="s3cret-pass!")
    with pytest.raises(NotFound) as forged:
        services.invitation_accept(token=used[:-3] + "abc", full_name="丁", password="s3cret-pass!")
    # then: clear Chinese refusals, nothing changed
    assert (str(reused.value), str(too_late.value), str(forged.value)) == (
        "邀请链接已使用。",
        "邀请链接已过期。",
        "邀请链接无效。",
    )
    assert (counts(), User.objects.count()) == before


def test_an_address_already_in_another_unit_cannot_be_invited():
    # given a member of unit B
    unit_a, a = make_unit()
    _unit_b, b = make_unit(roles_by_name={"handler": ["handler"]})
    before = counts()
    # when A's administrator invites B's handler
    with pytest.raises(Conflict) as exc:
        services.member_invite(
            unit=unit_a, actor=a["admin"].user, email=b["handler"].user.email.upper(), roles=["handler"]
        )
    # then it is refused and nothing changed
    assert str(exc.value) == "该邮箱已属于其他采购单位。"
    assert counts() == before


def test_accepting_while_active_in_another_unit_is_refused():
    # given an invitation to an address that joined another unit since
    unit_a, a = make_unit()
    user = UserFactory(email="moved@example.com")
    _inv, token = services.member_invite(
        unit=unit_a, actor=a["admin"].user, email=user.email, roles=["handler"]
    )
    UnitMemberFactory(user=user)
    before = counts()
    # when they accept, then it is refused
    with pytest.raises(Conflict) as exc:
        services.invitation_accept(token=token, user=user)
    assert str(exc.value) == "该邮箱已属于其他采购单位。"
    assert counts() == before


def test_only_an_administrator_invites_or_changes_members():
    # given a handler of the unit and a member of another unit
    unit, m = make_unit(roles_by_name={"handler": ["handler"], "approver": ["approver"]})
    _other, o = make_unit()
    before = counts()
    roles_before = list(UnitMember.objects.order_by("pk").values_list("roles", "is_active"))
    # when the handler invites, changes roles, deactivates; the outsider too
    with pytest.raises(PermissionDenied) as exc:
        services.member_invite(unit=unit, actor=m["handler"].user, email="x@example.com", roles=["handler"])
    with pytest.raises(PermissionDenied):
        services.member_roles_set(member=m["approver"], actor=m["handler"].user, roles=["admin"])
    with pytest.raises(PermissionDenied):
        services.member_deactivate(member=m["approver"], actor=m["handler"].user)
    with pytest.raises(NotFound):
        services.member_deactivate(member=m["approver"], actor=o["admin"].user)
    # then each is refused and nothing changed
    assert str(exc.value) == "只有本单位管理员可以执行此操作。"
    assert counts() == before
    assert list(UnitMember.objects.order_by("pk").values_list("roles", "is_active")) == roles_before


def test_the_last_administrator_cannot_be_deactivated_or_lose_the_role():
    # given a unit with one administrator
    unit, m = make_unit(roles_by_name={"handler": ["handler"]})
    admin = m["admin"]
    before = counts()
    # when the administrator removes their own role or deactivates themselves
    with pytest.raises(Conflict) as lose:
        services.member_roles_set(member=admin, actor=admin.user, roles=["handler"])
    with pytest.raises(Conflict) as off:
        services.member_deactivate(member=admin, actor=admin.user)
    # then both are refused and nothing changed
    assert str(lose.value) == str(off.value) == "单位至少需要一名管理员。"
    admin.refresh_from_db()
    assert (admin.roles, admin.is_active) == (["admin", "handler"], True)
    assert counts() == before
    # when a second administrator exists, the first may step down
    services.member_roles_set(member=m["handler"], actor=admin.user, roles=["admin"])
    services.member_roles_set(member=admin, actor=admin.user, roles=["handler"])
    admin.refresh_from_db()
    assert admin.roles == ["handler"]


def test_deactivating_ends_the_members_sessions_at_once_and_reactivating_restores_membership():
    # given a signed-in handler (cached_db sessions: database and cache)
    unit, m = make_unit(roles_by_name={"handler": ["handler"]})
    handler = m["handler"]
    client = Client()
    client.force_login(handler.user)
    assert client.get("/buyers/unit/").status_code == 200
    # when the administrator deactivates them
    services.member_deactivate(member=handler, actor=m["admin"].user)
    # then their session is gone from the database and the cache: the next page is anonymous
    assert Session.objects.count() == 0
    response = client.get("/buyers/unit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    handler.refresh_from_db()
    assert handler.is_active is False and handler.deactivated_at is not None
    # when reactivated, the membership is back with its roles
    services.member_reactivate(member=handler, actor=m["admin"].user)
    handler.refresh_from_db()
    assert (handler.is_active, handler.deactivated_at, handler.roles) == (True, None, ["handler"])
    assert list(
        UnitEvent.objects.filter(unit=unit).values_list("kind", "from_status", "to_status", "actor")
    ) == [
        ("member_deactivated", "active", "inactive", m["admin"].user.pk),
        ("member_reactivated", "inactive", "active", m["admin"].user.pk),
    ]
    # a second reactivation is an illegal move, refused in Chinese
    with pytest.raises(IllegalTransition) as again:
        services.member_reactivate(member=handler, actor=m["admin"].user)
    assert str(again.value) == "当前状态为“启用”，不能变更为“启用”。"
    assert UnitEvent.objects.filter(unit=unit).count() == 2


def test_existing_organisations_become_units_with_their_user_as_admin_and_handler():
    # given two single-user organisations, one of whose users is already in a unit
    org = BuyerOrganisation.objects.create(
        user=UserFactory(),
        org_name="湘潭市教育局",
        org_uscc="12430000MB1234567W",
        org_type="institution",
        province="湖南省",
        city="湘潭市",
        county="雨湖区",
        invoice_type="special",
        invoice_title="湘潭市教育局",
        invoice_tax_no="12430000MB1234567W",
        invoice_address="湘潭市雨湖区1号",
        invoice_phone="0731-1234567",
        invoice_bank="工商银行湘潭支行",
        invoice_account="1903000000000001",
    )
    member_elsewhere = UnitMemberFactory()
    BuyerOrganisation.objects.create(
        user=member_elsewhere.user,
        org_name="已有单位的人",
        org_uscc="12430000MB1234567W",
        org_type="other",
        province="湖南省",
        city="长沙市",
    )
    # when the migration function runs (twice)
    from django.apps import apps

    assert units_from_organisations(apps) == 1
    assert units_from_organisations(apps) == 0
    # then the organisation became a unit with every field kept, its user 管理员 + 经办人
    unit = BuyingUnit.objects.exclude(pk=member_elsewhere.unit_id).get()
    fields = [f for f in services.ORG_FIELDS + services.INVOICE_FIELDS]
    assert {f: getattr(unit, f) for f in fields} == {f: getattr(org, f) for f in fields}
    member = UnitMember.objects.get(unit=unit)
    assert (member.user_id, member.roles, member.is_active) == (org.user_id, ["admin", "handler"], True)
    assert list(UnitEvent.objects.filter(unit=unit).values_list("kind", flat=True)) == ["unit_migrated"]
    assert BuyerOrganisation.objects.count() == 2  # the pre-fill rows stay
