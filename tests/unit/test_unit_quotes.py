"""Quote requests of a buying unit: the unit owns them (members read them by role, act on them
as 经办人, outsiders get a 404), they name a budget line, and accepting a quote that reaches the
unit's approval rule waits in 待审批 until the unit's 审批人 approve the quote's snapshot."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from shop.buyers import services as buyers
from shop.buyers.access import refusal
from shop.buyers.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    BudgetCommitment,
    BudgetLine,
    OrgType,
)
from shop.core.exceptions import Conflict, Invalid, PermissionDenied
from shop.quotes import services
from shop.quotes.models import QuoteRequest, VendorQuote, VendorQuoteLine
from shop.quotes.services import PriceInput
from tests.factories.accounts import UserFactory
from tests.factories.buyers import make_unit
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")

ROLES = {"h": ["handler"], "p": ["approver"], "p2": ["approver"], "f": ["finance"]}


def world(*, org_type=OrgType.PARTY_GOV, line_amount="200000.00", steps=None, price="30000.00"):
    """A unit (government: one approval from ¥50,000 by default; ``steps``: a rule of that many
    steps instead), a budget line, and a request of its 经办人 for 2 × ¥30,000 answered by one
    vendor with an indicative quote (¥60,000 in all)."""
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
            name="智慧路灯改造",
            year=timezone.localdate().year,
            amount=line_amount,
            fund_nature="fiscal",
        )
    vendor, vendor_user = make_vendor("湘江科技")
    product = stocked_product(vendors=[(vendor, price)], title="智慧路灯控制器")
    qr = process(submit_request(buyer=members["h"].user, lines=[(product, 2)], budget_line=line))
    return SimpleNamespace(
        unit=unit, m=members, line=line, qr=qr, vq=qr.vendor_quotes.get(), vendor_user=vendor_user
    )


def accept(w, by="h"):
    return services.vendor_quote_accept(vendor_quote=w.vq, actor=w.m[by].user, revision=w.vq.revision)


def reload(w):
    w.qr.refresh_from_db()
    w.vq.refresh_from_db()
    if w.line is not None:
        w.line.refresh_from_db()
    return w


def answer(w, price):
    line = w.vq.lines.get()
    return services.vendor_quote_answer(
        vendor_quote=w.vq,
        actor=w.vendor_user,
        prices={line.pk: PriceInput(Decimal(price), Decimal("0.13"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=15),
    )


def request_kinds(qr):
    return list(qr.events.order_by("pk").values_list("kind", "from_status", "to_status"))


# --- ownership -------------------------------------------------------------------------------------


def test_a_handler_submits_for_the_unit_with_its_budget_line():
    w = world()
    assert (w.qr.buyer_id, w.qr.unit_id, w.qr.budget_line_id) == (w.m["h"].user.pk, w.unit.pk, w.line.pk)


def test_a_member_without_the_handler_role_cannot_submit_and_nothing_is_stored():
    unit, members = make_unit(roles_by_name=ROLES)
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "100.00")])
    with pytest.raises(PermissionDenied) as refused:
        submit_request(buyer=members["f"].user, lines=[(product, 1)])
    assert (
        refused.value.message
        == refusal("purchases.act")
        == "只有本单位的经办人可以提交询价、接受报价或下单。"
    )
    assert QuoteRequest.objects.count() == 0


def test_a_missing_budget_line_is_refused_in_chinese_and_nothing_is_stored():
    # given a unit with a budget line this year
    w = world()
    before = QuoteRequest.objects.count()
    # when its handler submits a request naming no line, or another unit's line
    other_unit, other = make_unit()
    other_line = BudgetLine.objects.create(
        unit=other_unit, name="其他", year=timezone.localdate().year, amount="1000.00", fund_nature="own"
    )
    product = w.vq.lines.get().request_line.product
    with pytest.raises(Invalid) as missing:
        submit_request(buyer=w.m["h"].user, lines=[(product, 1)])
    with pytest.raises(Invalid) as foreign:
        submit_request(buyer=w.m["h"].user, lines=[(product, 1)], budget_line=other_line)
    # then both are refused with a Chinese message and no request is stored
    assert (missing.value.message, missing.value.fields) == (
        "请选择本次采购使用的预算。",
        {"budget_line": ["请选择预算。"]},
    )
    assert foreign.value.message == "预算选择无效。"
    assert QuoteRequest.objects.count() == before


def test_the_submit_page_offers_the_units_lines_and_requires_one(client):
    w = world()
    product = w.vq.lines.get().request_line.product
    client.force_login(w.m["h"].user)
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
    page = client.get(reverse("quotes:submit")).content.decode()
    assert f'<option value="{w.line.pk}">{w.line.year} 智慧路灯改造（可用 ¥200,000.00）</option>' in page
    from tests.factories.quotes import form_data

    before = QuoteRequest.objects.count()
    response = client.post(reverse("quotes:submit"), form_data())
    assert response.status_code == 200
    assert response.context["form"].errors["budget_line"] == ["请选择本次采购使用的预算。"]
    assert QuoteRequest.objects.count() == before
    response = client.post(reverse("quotes:submit"), {**form_data(), "budget_line": str(w.line.pk)})
    assert response.status_code == 302
    assert QuoteRequest.objects.order_by("-pk").first().budget_line_id == w.line.pk


def test_members_with_the_role_see_the_units_requests_and_others_get_404(client):
    w = world()
    detail = reverse("quotes:detail", kwargs={"number": w.qr.number})
    api = reverse("api:quote-request-detail", kwargs={"number": w.qr.number})
    outsider_unit, outsiders = make_unit(roles_by_name={"h": ["handler"]})
    cases = [
        (w.m["admin"].user, 200),  # 管理员
        (w.m["p"].user, 200),  # 审批人
        (w.m["f"].user, 404),  # 财务: not a purchasing role
        (outsiders["h"].user, 404),  # another unit's 经办人
        (UserFactory(), 404),  # a buyer without a unit
    ]
    for user, status in cases:
        client.force_login(user)
        assert client.get(detail).status_code == status, user
        api_client = APIClient()
        api_client.force_authenticate(user)
        assert api_client.get(api).status_code == status, user
        mine = [r["number"] for r in api_client.get(reverse("api:quote-request-list")).json()["results"]]
        assert mine == ([w.qr.number] if status == 200 else [])


def test_a_member_without_the_handler_role_cannot_accept_and_is_told_in_chinese():
    w = world()
    client = APIClient()
    client.force_authenticate(w.m["p"].user)
    response = client.post(
        reverse("api:quote-request-accept", kwargs={"number": w.qr.number}),
        {"vendor_quote": w.vq.pk, "revision": w.vq.revision},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有本单位的经办人可以提交询价、接受报价或下单。"
    reload(w)
    assert (w.qr.status, ApprovalRequest.objects.count(), w.line.committed) == ("quoted", 0, Decimal("0.00"))


# --- approval -------------------------------------------------------------------------------------


def test_accepting_over_the_threshold_waits_for_approval_with_the_budget_committed():
    w = world()
    # when the handler accepts ¥60,000 in a government unit (one approval from ¥50,000)
    approval = accept(w)
    reload(w)
    # then nothing is ordered: the request waits for the unit's approval of the quote's snapshot
    assert isinstance(approval, ApprovalRequest)
    assert (w.qr.status, w.qr.get_status_display(), w.qr.order_id, w.vq.status) == (
        "approval",
        "待审批",
        None,
        "indicative",
    )
    assert Order.objects.count() == 0
    assert (approval.kind, approval.subject_id, approval.subject_number, approval.amount) == (
        "quote",
        w.vq.pk,
        w.qr.number,
        Decimal("60000.00"),
    )
    assert approval.snapshot == {
        "kind": "quote",
        "number": w.qr.number,
        "title": f"询价 {w.qr.number}：接受湘江科技报价 {w.vq.number}",
        "supplier": "湘江科技",
        "lines": [
            {
                "title": "智慧路灯控制器",
                "quantity": 2,
                "unit": "台",
                "unit_price": "30000.00",
                "tax_rate": "13",
                "amount": "60000.00",
            }
        ],
        "total": "60000.00",
        "revision": w.vq.revision,
        "budget_line": w.line.pk,
        # (the catalogue states no lead time and the quote gave none: the note names none)
        "note": f"报价单 {w.vq.number}，有效期至 {timezone.localtime(w.vq.valid_until):%Y-%m-%d}",
    }
    # and the budget line's share is committed for the approval
    assert (w.line.committed, w.line.available) == (Decimal("60000.00"), Decimal("140000.00"))
    assert list(BudgetCommitment.objects.values_list("approval_id", "order_id", "committed")) == [
        (approval.pk, None, Decimal("60000.00"))
    ]
    assert request_kinds(w.qr)[-1] == ("approval_submitted", "quoted", "approval")


def test_the_request_page_shows_the_approval_its_submitter_and_a_link(client):
    w = world()
    approval = accept(w)
    client.force_login(w.m["p"].user)
    page = client.get(reverse("quotes:detail", kwargs={"number": w.qr.number})).content.decode()
    assert 'data-status="approval">待审批</strong>' in page
    assert "<strong>审批中</strong>" in page
    assert f"由 {w.m['h'].user.get_full_name() or w.m['h'].user.email} 提交" in page
    link = reverse("buyers:approval", kwargs={"number": approval.number})
    assert f'<a href="{link}" id="quote-approval-link">查看审批单 {approval.number}</a>' in page
    # no accept button while the unit approves
    assert 'data-accept="' not in page
    api = APIClient()
    api.force_authenticate(w.m["h"].user)
    body = api.get(reverse("api:quote-request-detail", kwargs={"number": w.qr.number})).json()
    assert (body["status"], body["approval"]["number"], body["approval"]["vendor_quote"]) == (
        "approval",
        approval.number,
        w.vq.pk,
    )


def test_the_approver_approves_and_the_order_is_placed_for_the_unit():
    w = world()
    approval = accept(w)
    # when the 审批人 approves
    result = buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve")
    reload(w)
    # then the quote is accepted and the order placed for the unit, from its budget line
    assert result.outcome == "approved"
    order = w.qr.order
    assert (w.qr.status, w.vq.status, w.qr.accepted_quote_id) == ("ordered", "accepted", w.vq.pk)
    assert (order.user_id, order.total_incl_tax) == (w.m["h"].user.pk, Decimal("60000.00"))
    assert (order.origin.unit_id, order.origin.budget_line_id) == (w.unit.pk, w.line.pk)
    # the approval's commitment now belongs to the order (still committed until paid)
    assert list(BudgetCommitment.objects.values_list("approval_id", "order_id", "committed")) == [
        (approval.pk, order.pk, Decimal("60000.00"))
    ]
    assert w.line.committed == Decimal("60000.00")
    assert request_kinds(w.qr)[-3:] == [
        ("approval_submitted", "quoted", "approval"),
        ("accepted", "approval", "accepted"),
        ("ordered", "accepted", "ordered"),
    ]
    accepted = w.qr.events.get(kind="accepted")
    assert (accepted.actor_id, accepted.note) == (
        w.m["p"].user.pk,
        f"接受 湘江科技 的报价 {w.vq.number}（审批单 {approval.number} 已通过）",
    )


def test_nobody_approves_their_own_acceptance():
    unit, members = make_unit(roles_by_name={"hp": ["handler", "approver"]})
    buyers.approval_rules_default(unit=unit)
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "60000.00")])
    qr = process(submit_request(buyer=members["hp"].user, lines=[(product, 1)]))
    vq = qr.vendor_quotes.get()
    approval = services.vendor_quote_accept(vendor_quote=vq, actor=members["hp"].user, revision=vq.revision)
    with pytest.raises(PermissionDenied) as refused:
        buyers.approval_decide(approval=approval, actor=members["hp"].user, decision="approve")
    assert refused.value.message == "不能审批自己提交的事项。"
    qr.refresh_from_db()
    assert (qr.status, Order.objects.count()) == ("approval", 0)


def test_rejection_sends_the_request_back_to_quoted_and_releases_the_budget():
    w = world()
    approval = accept(w)
    result = buyers.approval_decide(
        approval=approval, actor=w.m["p"].user, decision="reject", comment="超出年度计划"
    )
    reload(w)
    assert result.outcome == "rejected"
    assert (w.qr.status, w.qr.get_status_display(), Order.objects.count()) == ("quoted", "已报价", 0)
    assert (w.line.committed, w.line.available) == (Decimal("0.00"), Decimal("200000.00"))
    assert list(BudgetCommitment.objects.values_list("committed", "released")) == [
        (Decimal("0.00"), Decimal("60000.00"))
    ]
    ended = w.qr.events.order_by("pk").last()
    assert (ended.kind, ended.from_status, ended.to_status, ended.note) == (
        "approval_ended",
        "approval",
        "quoted",
        "审批驳回：超出年度计划",
    )
    # the handler may accept again (a new approval)
    again = accept(w)
    assert (again.status, reload(w).qr.status) == ("pending", "approval")


def test_a_vendor_revising_while_pending_restarts_the_approval():
    # given a two-step rule, and the first 审批人 has approved step one
    w = world(steps=2)
    approval = accept(w)
    first = buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve")
    assert first.outcome == "step"
    seen = ApprovalRequest.objects.get(pk=approval.pk).snapshot_hash
    # when the vendor revises its quote (the request still waits)
    answer(w, "29000.00")
    reload(w)
    approval.refresh_from_db()
    # then the approval starts again on the new version: decisions superseded, budget re-committed
    assert w.qr.status == "approval"
    assert (approval.status, approval.steps_done, approval.restarts, approval.amount) == (
        "pending",
        0,
        1,
        Decimal("58000.00"),
    )
    assert (approval.snapshot["revision"], approval.snapshot["total"]) == (w.vq.revision, "58000.00")
    assert list(ApprovalDecision.objects.values_list("approver_id", "superseded")) == [
        (w.m["p"].user.pk, True)
    ]
    assert w.line.committed == Decimal("58000.00")
    # and an approval of the snapshot the approver saw before is refused, changing nothing
    with pytest.raises(Conflict) as stale:
        buyers.approval_decide(approval=approval, actor=w.m["p2"].user, decision="approve", seen_hash=seen)
    assert stale.value.message == "审批内容已更新，请刷新页面查看最新内容后再审批。"
    approval.refresh_from_db()
    assert (approval.steps_done, Order.objects.count()) == (0, 0)


def test_a_change_nobody_reported_restarts_the_approval_instead_of_approving_it():
    w = world()
    approval = accept(w)
    VendorQuoteLine.objects.filter(vendor_quote=w.vq).update(unit_price_incl_tax=Decimal("31000.00"))
    result = buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve")
    assert result.outcome == "restarted"
    assert (reload(w).qr.status, Order.objects.count()) == ("approval", 0)
    assert result.approval.snapshot["total"] == "62000.00"


def test_expiry_or_cancellation_while_pending_ends_the_approval_and_releases_the_budget():
    # the quote expires while the unit approves
    w = world()
    approval = accept(w)
    VendorQuote.objects.filter(pk=w.vq.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    services.quotes_expire()
    reload(w)
    approval.refresh_from_db()
    assert (approval.status, w.vq.status, w.line.committed) == ("cancelled", "expired", Decimal("0.00"))
    # the request is back to quoted, then (no live quote left) expires
    assert request_kinds(w.qr)[-2:] == [
        ("approval_ended", "approval", "quoted"),
        ("expired", "quoted", "expired"),
    ]
    # the buyer cancels the request while the unit approves
    w = world()
    approval = accept(w)
    services.quote_request_cancel(quote_request=w.qr, actor=w.m["h"].user, note="需求取消")
    reload(w)
    approval.refresh_from_db()
    assert (w.qr.status, approval.status, w.line.committed) == ("cancelled", "cancelled", Decimal("0.00"))


def test_a_company_unit_without_rules_accepts_directly_and_commits_the_budget():
    w = world(org_type=OrgType.PRIVATE)
    assert ApprovalRule.objects.filter(unit=w.unit).count() == 0
    order = accept(w)
    reload(w)
    assert isinstance(order, Order)
    assert (w.qr.status, w.qr.order_id, order.origin.unit_id) == ("ordered", order.pk, w.unit.pk)
    assert list(
        BudgetCommitment.objects.values_list("kind", "number", "order_id", "approval_id", "committed")
    ) == [("quote", w.qr.number, order.pk, None, Decimal("60000.00"))]
    assert w.line.committed == Decimal("60000.00")


@pytest.mark.parametrize("org_type", [OrgType.PRIVATE, OrgType.PARTY_GOV])
def test_overspending_the_budget_line_is_refused_and_nothing_is_stored(org_type):
    # given a line of ¥50,000 and a quote of ¥60,000 (with or without an approval rule)
    w = world(org_type=org_type, line_amount="50000.00")
    with pytest.raises(Conflict) as refused:
        accept(w)
    assert refused.value.message == "预算“智慧路灯改造”可用余额 ¥50,000.00，不足以承担本次采购 ¥60,000.00。"
    reload(w)
    assert (w.qr.status, w.vq.status, w.line.committed) == ("quoted", "indicative", Decimal("0.00"))
    assert (Order.objects.count(), ApprovalRequest.objects.count(), BudgetCommitment.objects.count()) == (
        0,
        0,
        0,
    )
    assert request_kinds(w.qr)[-1] == ("routed", "processing", "quoted")


def test_a_request_of_a_buyer_without_a_unit_is_accepted_as_before():
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "60000.00")])
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 1)]))
    vq = qr.vendor_quotes.get()
    order = services.vendor_quote_accept(vendor_quote=vq, actor=buyer, revision=vq.revision)
    qr.refresh_from_db()
    assert (qr.unit_id, qr.status, qr.order_id, order.origin.unit_id) == (None, "ordered", order.pk, None)
    assert BudgetCommitment.objects.count() == 0


def test_only_a_handler_is_offered_the_actions_on_the_request_page(client):
    w = world()
    detail = reverse("quotes:detail", kwargs={"number": w.qr.number})
    client.force_login(w.m["h"].user)
    page = client.get(detail).content.decode()
    assert (f'data-accept="{w.vq.pk}"' in page, 'id="quote-cancel-form"' in page) == (True, True)
    client.force_login(w.m["p"].user)
    page = client.get(detail).content.decode()
    assert (f'data-accept="{w.vq.pk}"' in page, 'id="quote-cancel-form"' in page) == (False, False)


def test_a_quote_expired_before_the_decision_ends_the_approval_and_the_sweep_reopens_the_request():
    # given the quote's validity passes while the unit approves (the expiry job has not run)
    w = world()
    approval = accept(w)
    VendorQuote.objects.filter(pk=w.vq.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    # when the approver decides, the approval ends instead (nothing can be accepted any more)
    result = buyers.approval_decide(approval=approval, actor=w.m["p"].user, decision="approve")
    assert (result.outcome, Order.objects.count(), reload(w).line.committed) == (
        "cancelled",
        0,
        Decimal("0.00"),
    )
    # and the expiry job expires the quote and takes the request out of 待审批
    services.quotes_expire()
    reload(w)
    assert (w.vq.status, w.qr.status) == ("expired", "expired")
    assert request_kinds(w.qr)[-2:] == [
        ("approval_ended", "approval", "quoted"),
        ("expired", "quoted", "expired"),
    ]
