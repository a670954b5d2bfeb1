"""OEM orders of a buying unit: the unit owns them (members read them by role, act on them as
经办人, outsiders get a 404), they name a budget line, and accepting an offer that reaches the
unit's approval rule waits in 待审批 until the unit's 审批人 approve the offer's snapshot."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shop.buyers import services as buyers
from shop.buyers.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    BudgetCommitment,
    OrgType,
)
from shop.core.exceptions import Conflict, Invalid, PermissionDenied
from shop.oem import services
from shop.oem.models import OemOrder
from tests.factories.accounts import make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.oem import (
    make_oem_product,
    oem_private_root,  # noqa: F401  (fixture)
    offered_oem_order,
    submit_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]

ROLES = {"h": ["handler"], "p": ["approver"], "p2": ["approver"], "f": ["finance"]}


def world(*, org_type=OrgType.PARTY_GOV, line_amount="200000.00", steps=None):
    """A unit (government: one approval from ¥50,000 by default; ``steps``: a rule of that many
    steps instead), a budget line, and an OEM order of its 经办人 offered at 100 × ¥900 plus
    ¥5,000 tooling (¥95,000 in all, ¥30,000 deposit)."""
    unit, members = make_unit(roles_by_name=ROLES, org_type=org_type)
    if steps:
        ApprovalRule.objects.create(unit=unit, min_amount=Decimal("50000.00"), steps=steps)
    else:
        buyers.approval_rules_default(unit=unit)
    line = None
    if line_amount:
        line = buyers.budget_line_create(
            unit=unit,
            actor=members["admin"].user,
            name="智能终端定制",
            year=timezone.localdate().year,
            amount=line_amount,
            fund_nature="fiscal",
        )
    vendor, partner = make_vendor_user()
    product = make_oem_product(partner=partner, title="智能网关", moq=100)
    order = offered_oem_order(
        buyer=members["h"].user,
        product=product,
        vendor=vendor,
        budget_line_id=line.pk if line else None,
    )
    return SimpleNamespace(unit=unit, m=members, line=line, order=order, vendor=vendor, product=product)


def accept(w, by="h"):
    return services.oem_order_accept_offer(
        order=w.order, actor=w.m[by].user, offer_revision=w.order.offer_revision
    )


def reload(w):
    w.order.refresh_from_db()
    if w.line is not None:
        w.line.refresh_from_db()
    return w


def kinds(order):
    return list(order.events.order_by("pk").values_list("kind", "from_status", "to_status"))


def pending(w):
    return ApprovalRequest.objects.get(kind="oem", subject_id=w.order.pk, status="pending")


# --- ownership -------------------------------------------------------------------------------------


def test_a_handler_orders_for_the_unit_with_its_budget_line():
    w = world()
    assert (w.order.buyer_id, w.order.unit_id, w.order.budget_line_id) == (
        w.m["h"].user.pk,
        w.unit.pk,
        w.line.pk,
    )


def test_a_missing_budget_line_or_a_member_without_the_role_is_refused_and_nothing_is_stored():
    w = world()
    before = OemOrder.objects.count()
    with pytest.raises(Invalid) as missing:
        submit_oem_order(buyer=w.m["h"].user, product=w.product)
    assert missing.value.message == "请选择本次采购使用的预算。"
    with pytest.raises(PermissionDenied) as refused:
        submit_oem_order(buyer=w.m["f"].user, product=w.product, budget_line_id=w.line.pk)
    assert refused.value.message == "只有本单位的经办人可以提交询价、接受报价或下单。"
    assert OemOrder.objects.count() == before


def test_the_order_form_offers_the_units_budget_lines(client):
    w = world()
    client.force_login(w.m["h"].user)
    page = client.get(reverse("oem:create", args=[w.product.pk])).content.decode()
    assert f'<option value="{w.line.pk}">{w.line.year} 智能终端定制（可用 ¥200,000.00）</option>' in page
    assert 'id="oem-budget-line"' in page


def test_members_with_the_role_see_the_units_orders_and_others_get_404(client):
    w = world()
    outsider_unit, outsiders = make_unit(roles_by_name={"h": ["handler"]})
    detail = reverse("oem:detail", args=[w.order.number])
    for user, status in [
        (w.m["admin"].user, 200),
        (w.m["p"].user, 200),
        (w.m["f"].user, 404),
        (outsiders["h"].user, 404),
    ]:
        client.force_login(user)
        assert client.get(detail).status_code == status, user
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(f"/api/oem-orders/{w.order.pk}/").status_code == status, user
        listed = [o["number"] for o in api.get("/api/oem-orders/?role=buyer").json()["results"]]
        assert listed == ([w.order.number] if status == 200 else [])
        assert client.get(reverse("oem:logo", args=[w.order.number])).status_code == status


def test_a_member_without_the_handler_role_cannot_accept_and_is_told_in_chinese():
    w = world()
    api = APIClient()
    api.force_authenticate(w.m["p"].user)
    response = api.post(
        f"/api/oem-orders/{w.order.pk}/accept-offer/",
        {"offer_revision": w.order.offer_revision},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有本单位的经办人可以提交询价、接受报价或下单。"
    reload(w)
    assert (w.order.status, ApprovalRequest.objects.count(), w.line.committed) == (
        "offered",
        0,
        Decimal("0.00"),
    )


# --- approval -------------------------------------------------------------------------------------


def test_accepting_over_the_threshold_waits_for_approval_with_the_budget_committed():
    w = world()
    accept(w)
    reload(w)
    approval = pending(w)
    assert (w.order.status, w.order.get_status_display(), w.order.oscar_order_id) == (
        "approval",
        "待审批",
        None,
    )
    assert (approval.subject_number, approval.amount, approval.steps_required) == (
        w.order.number,
        Decimal("95000.00"),
        1,
    )
    assert approval.snapshot == {
        "kind": "oem",
        "number": w.order.number,
        "title": f"OEM {w.order.number}：智能网关（星城智联）",
        "supplier": w.order.partner.name,
        "lines": [
            {
                "title": "智能网关（OEM：星城智联）",
                "quantity": 100,
                "unit": "台",
                "unit_price": "900.00",
                "tax_rate": "13",
                "amount": "90000.00",
            },
            {
                "title": f"OEM 开模/设置费（{w.order.number}）",
                "quantity": 1,
                "unit": "项",
                "unit_price": "5000.00",
                "tax_rate": "13",
                "amount": "5000.00",
            },
        ],
        "total": "95000.00",
        "revision": 1,
        "budget_line": w.line.pk,
        "note": "定金 ¥30,000.00，交期 30 天",
    }
    assert w.line.committed == Decimal("95000.00")
    assert kinds(w.order)[-1] == ("approval_submitted", "offered", "approval")
    # accepting again while the unit approves is refused
    with pytest.raises(Conflict) as again:
        accept(w)
    assert again.value.message == "该订单正在本单位审批中，审批通过后将自动确认。"


def test_the_order_page_shows_the_approval_and_links_it(client):
    w = world()
    accept(w)
    approval = pending(w)
    client.force_login(w.m["admin"].user)
    page = client.get(reverse("oem:detail", args=[w.order.number])).content.decode()
    link = reverse("buyers:approval", kwargs={"number": approval.number})
    assert "<strong>审批中</strong>" in page
    assert f'<a href="{link}" id="oem-approval-link">查看审批单 {approval.number}</a>' in page
    assert 'id="oem-accept"' not in page
    api = APIClient()
    api.force_authenticate(w.m["h"].user)
    assert api.get(f"/api/oem-orders/{w.order.pk}/").json()["approval"]["number"] == approval.number


def test_the_approver_approves_and_the_order_is_confirmed_for_the_unit():
    w = world()
    accept(w)
    approval = pending(w)
    result = buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve")
    reload(w)
    shop_order = w.order.oscar_order
    assert result.outcome == "approved"
    assert (w.order.status, shop_order.user_id, shop_order.total_incl_tax) == (
        "confirmed",
        w.m["h"].user.pk,
        Decimal("95000.00"),
    )
    assert (shop_order.origin.unit_id, shop_order.origin.budget_line_id) == (w.unit.pk, w.line.pk)
    # a government unit pays once, after 履约验收: no 定金 before production
    assert [(s.label, s.amount) for s in shop_order.payment_stages.order_by("sequence")] == [
        ("全款", Decimal("95000.00")),
    ]
    assert list(BudgetCommitment.objects.values_list("approval_id", "order_id", "committed")) == [
        (approval.pk, shop_order.pk, Decimal("95000.00"))
    ]
    assert kinds(w.order)[-2:] == [
        ("approval_submitted", "offered", "approval"),
        ("accepted", "approval", "confirmed"),
    ]


def test_rejection_sends_the_order_back_to_offered_and_releases_the_budget():
    w = world()
    accept(w)
    approval = pending(w)
    buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="reject", comment="单价偏高")
    reload(w)
    assert (w.order.status, w.order.oscar_order_id, w.line.committed) == ("offered", None, Decimal("0.00"))
    ended = w.order.events.order_by("pk").last()
    # the vendor sees this timeline: the approvers' comment stays inside the unit
    assert (ended.kind, ended.from_status, ended.to_status, ended.note) == (
        "approval_ended",
        "approval",
        "offered",
        "采购单位审批驳回，报价待重新接受。",
    )


def test_a_vendor_revising_while_pending_restarts_the_approval():
    w = world(steps=2)
    accept(w)
    approval = pending(w)
    assert (
        buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve").outcome == "step"
    )
    seen = approval.snapshot_hash
    services.oem_order_make_offer(
        order=w.order,
        actor=w.vendor,
        unit_price=Decimal("880.00"),
        tooling_fee=Decimal("5000.00"),
        deposit=Decimal("30000.00"),
        lead_days=30,
    )
    reload(w)
    approval.refresh_from_db()
    assert w.order.status == "approval"
    assert kinds(w.order)[-1] == ("offer_revised", "approval", "approval")
    assert (approval.status, approval.steps_done, approval.restarts, approval.amount) == (
        "pending",
        0,
        1,
        Decimal("93000.00"),
    )
    assert approval.snapshot["revision"] == 2
    assert list(ApprovalDecision.objects.values_list("superseded", flat=True)) == [True]
    assert w.line.committed == Decimal("93000.00")
    with pytest.raises(Conflict):
        buyers.approval_decide(approval=approval, actor=w.m["p2"].user, decision="approve", seen_hash=seen)
    assert reload(w).order.oscar_order_id is None


def test_the_vendor_rejecting_or_the_buyer_cancelling_while_pending_ends_the_approval():
    w = world()
    accept(w)
    approval = pending(w)
    services.oem_order_vendor_move(order=w.order, actor=w.vendor, to="rejected", note="无法按期生产")
    reload(w)
    approval.refresh_from_db()
    assert (w.order.status, approval.status, w.line.committed) == ("rejected", "cancelled", Decimal("0.00"))

    w = world()
    accept(w)
    approval = pending(w)
    services.oem_order_cancel(order=w.order, actor=w.m["h"].user, reason="计划调整")
    reload(w)
    approval.refresh_from_db()
    assert (w.order.status, approval.status, w.line.committed) == ("cancelled", "cancelled", Decimal("0.00"))


def test_a_company_unit_without_rules_confirms_directly_and_commits_the_budget():
    w = world(org_type=OrgType.PRIVATE)
    accept(w)
    reload(w)
    shop_order = w.order.oscar_order
    assert (w.order.status, shop_order.origin.unit_id) == ("confirmed", w.unit.pk)
    assert list(
        BudgetCommitment.objects.values_list("kind", "number", "order_id", "approval_id", "committed")
    ) == [("oem", w.order.number, shop_order.pk, None, Decimal("95000.00"))]
    assert w.line.committed == Decimal("95000.00")


@pytest.mark.parametrize("org_type", [OrgType.PRIVATE, OrgType.PARTY_GOV])
def test_overspending_the_budget_line_is_refused_and_nothing_is_stored(org_type):
    w = world(org_type=org_type, line_amount="90000.00")
    events = kinds(w.order)
    with pytest.raises(Conflict) as refused:
        accept(w)
    assert refused.value.message == "预算“智能终端定制”可用余额 ¥90,000.00，不足以承担本次采购 ¥95,000.00。"
    reload(w)
    assert (w.order.status, w.order.oscar_order_id, w.line.committed) == ("offered", None, Decimal("0.00"))
    assert (ApprovalRequest.objects.count(), BudgetCommitment.objects.count()) == (0, 0)
    assert kinds(w.order) == events


def test_only_a_handler_is_offered_the_actions_on_the_order_page(client):
    w = world()
    detail = reverse("oem:detail", args=[w.order.number])
    client.force_login(w.m["h"].user)
    page = client.get(detail).content.decode()
    assert ('id="oem-accept"' in page, 'id="oem-cancel"' in page) == (True, True)
    client.force_login(w.m["p"].user)
    page = client.get(detail).content.decode()
    assert ('id="oem-accept"' in page, 'id="oem-cancel"' in page) == (False, False)
