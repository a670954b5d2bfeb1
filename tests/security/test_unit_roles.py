"""The isolation matrix of a buying unit's roles: every unit page and API answer requested by
each member role (管理员, 经办人, 审批人, 财务), by a member of another unit holding every role and
by a buyer without a unit, against one unit's documents (budget line, rule, approval, quote
request, order). Each cell is the status the role must get; a refused role must not see the
document's marker, and an outsider sees nothing of the unit."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.buyers.models import UnitMember
from shop.buyers.services import approval_pending_for
from tests.factories.accounts import UserFactory
from tests.factories.buyers import UnitMemberFactory, make_unit
from tests.factories.payments import unit_order, unit_world
from tests.factories.quotes import make_vendor, stocked_product, submit_request

pytestmark = pytest.mark.django_db

ROLES = ("admin", "handler", "approver", "finance", "outsider", "loner")
ALL_MEMBERS = {"admin": 200, "handler": 200, "approver": 200, "finance": 200}
NOBODY_ELSE = {"outsider": 404, "loner": 404}


def expect(**cells) -> dict:
    return {**cells}


@pytest.fixture
def world():
    w = unit_world()
    UnitMember.objects.filter(pk=w.admin.pk).update(roles=["admin"])  # 管理员 only
    _other, other = make_unit()
    outsider = UnitMemberFactory(unit=_other, roles=["admin", "handler", "approver", "finance"]).user
    partner, _u = make_vendor("星城科技")
    product = stocked_product(vendors=[(partner, "11800.00")], title="MKU-报告厅音响")
    qr = submit_request(buyer=w.handler.user, lines=[(product, 1)], budget_line=w.line, remark="MKU-request")
    due = unit_order(w, price="20000.00", qty=1, accepted=True)  # under ¥50,000, accepted: 待付款
    waiting = unit_order(w, price="30000.00", qty=2)  # ¥60,000: 待审批
    approval = approval_pending_for(kind="order", subject_id=waiting.pk)
    users = {
        "admin": w.admin.user,
        "handler": w.handler.user,
        "approver": w.approver.user,
        "finance": w.finance.user,
        "outsider": outsider,
        "loner": UserFactory(),
    }
    return {"w": w, "users": users, "qr": qr, "due": due, "waiting": waiting, "approval": approval}


def _cases(d):
    w, qr, due, approval = d["w"], d["qr"], d["due"], d["approval"]
    return [
        # pages of the unit itself
        (
            "buyers:budgets",
            reverse("buyers:budgets"),
            {**ALL_MEMBERS, "outsider": 200, "loner": 404},
            w.line.name,
        ),
        (
            "buyers:budget",
            reverse("buyers:budget", args=[w.line.pk]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            w.line.name,
        ),
        (
            "buyers:budget-edit",
            reverse("buyers:budget-edit", args=[w.line.pk]),
            {"admin": 200, "finance": 200, "handler": 403, "approver": 403, **NOBODY_ELSE},
            None,
        ),
        (
            "buyers:budget-create",
            reverse("buyers:budget-create"),
            {"admin": 200, "finance": 200, "handler": 403, "approver": 403, "outsider": 200, "loner": 404},
            None,
        ),
        (
            "buyers:rule-edit",
            reverse("buyers:rule-edit", args=[w.rule.pk]),
            {"admin": 200, "handler": 403, "approver": 403, "finance": 403, **NOBODY_ELSE},
            None,
        ),
        (
            "buyers:approval",
            reverse("buyers:approval", args=[approval.number]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            approval.number,
        ),
        # the unit's documents (a role that may not read requests finds none: 404, as for lists)
        (
            "quotes:detail",
            reverse("quotes:detail", args=[qr.number]),
            {"admin": 200, "handler": 200, "approver": 200, "finance": 404, **NOBODY_ELSE},
            "MKU-request",
        ),
        (
            "payments:order-detail",
            reverse("payments:order-detail", args=[due.number]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            due.number,
        ),
        # the API says the same
        (
            "api:unit-budget",
            reverse("api:unit-budget", args=[w.line.pk]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            w.line.name,
        ),
        (
            "api:unit-approval",
            reverse("api:unit-approval", args=[approval.number]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            approval.number,
        ),
        (
            "api:quote-request-detail",
            reverse("api:quote-request-detail", args=[qr.number]),
            {"admin": 200, "handler": 200, "approver": 200, "finance": 404, **NOBODY_ELSE},
            "MKU-request",
        ),
        (
            "api:order-detail",
            reverse("api:order-detail", args=[due.number]),
            {**ALL_MEMBERS, **NOBODY_ELSE},
            due.number,
        ),
    ]


def test_each_role_gets_exactly_its_cells_and_refused_roles_see_nothing(world):
    # given one unit's documents and the six kinds of visitor
    clients = {}
    for role, user in world["users"].items():
        clients[role] = Client()
        clients[role].force_login(user)
    # when each asks for each unit page and API answer
    wrong, leaks = [], []
    for name, url, cells, marker in _cases(world):
        for role in ROLES:
            response = clients[role].get(url)
            if response.status_code != cells[role]:
                wrong.append(f"{name} as {role}: {response.status_code}, expected {cells[role]}")
            body = response.content.decode(errors="replace")
            if marker and cells[role] != 200 and marker in body:
                leaks.append(f"{name} as {role} shows {marker}")
    # then every cell is as the role table says, and no refusal shows the document
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)


def test_only_the_roles_that_may_act_change_anything(world):
    # given the approval waiting for the unit, and the order due
    approval, due = world["approval"], world["due"]
    # when everyone but the 审批人 tries to approve it, and everyone but 财务 to pay the order
    results = {}
    for role, user in world["users"].items():
        client = Client()
        client.force_login(user)
        if role != "approver":
            results[f"decide:{role}"] = client.post(
                reverse("buyers:approval-decide", args=[approval.number]),
                {"decision": "approve", "comment": "", "seen_hash": approval.snapshot_hash},
            ).status_code
        if role != "finance":
            results[f"pay:{role}"] = client.post(
                reverse("api:order-bank-transfer", args=[due.number, 1]), {"payer_name": "x", "amount": "1"}
            ).status_code
    # then members are refused (403: 审批 is the 审批人's, paying the 财务's), others get 404,
    # and the approval still waits
    assert results == {
        "decide:admin": 403,
        "decide:handler": 403,
        "decide:finance": 403,
        "decide:outsider": 404,
        "decide:loner": 404,
        "pay:admin": 403,
        "pay:handler": 403,
        "pay:approver": 403,
        "pay:outsider": 404,
        "pay:loner": 404,
    }
    approval.refresh_from_db()
    assert (approval.status, approval.steps_done) == ("pending", 0)
