"""The unit's internal approval of a document snapshot: who may decide, steps in order, rejection
with a comment releasing the budget, restart when the document changed, withdrawal, and the
reminder after two Chinese working days. The document is a tiny subject registered here (its
snapshot kept in a dict, its callbacks recorded), standing in for the owning app."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shop.buyers import services
from shop.buyers.models import ApprovalDecision, ApprovalRequest, ApprovalRule, BudgetLine, UnitEvent
from shop.buyers.services.approvals import SUBJECTS, ApprovalSubject, register_subject
from shop.core.exceptions import Conflict, Invalid, PermissionDenied
from shop.core.models import OutboundEmail
from tests.factories.buyers import make_unit

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")
KIND = "sourcing"


class PaperSubject:
    """A document kind for tests: ``docs[subject_id]`` is what would be approved now (None:
    the document can no longer be approved); ``calls`` records what the buyers app asked."""

    def __init__(self):
        self.docs: dict[int, dict | None] = {}
        self.calls: list[tuple] = []

    def snapshot(self, subject_id):
        return self.docs.get(subject_id)

    def on_approved(self, approval, actor):
        self.calls.append(("approved", approval.subject_number, actor.pk))

    def on_ended(self, approval, actor, reason):
        self.calls.append(("ended", approval.subject_number, reason))

    def path(self, approval):
        return f"/sourcing/{approval.subject_number}/"


@pytest.fixture
def paper():
    subject = PaperSubject()
    previous = SUBJECTS.get(KIND)
    register_subject(
        ApprovalSubject(
            kind=KIND,
            snapshot=subject.snapshot,
            on_approved=subject.on_approved,
            on_ended=subject.on_ended,
            path=subject.path,
        )
    )
    yield subject
    if previous is None:
        SUBJECTS.pop(KIND, None)
    else:
        register_subject(previous)


def snap(total="60000.00", quantity=10, unit_price="6000.00", budget_line=None):
    return {
        "kind": KIND,
        "number": "CG0001",
        "title": "智慧路灯控制器",
        "supplier": "湖南湘慧科技有限公司",
        "lines": [
            {
                "title": "智慧路灯控制器",
                "quantity": quantity,
                "unit": "台",
                "unit_price": unit_price,
                "tax_rate": "13",
                "amount": total,
            }
        ],
        "total": total,
        "revision": 1,
        "budget_line": budget_line,
        "note": "",
    }


def a_unit():
    """管理员 (+经办人), a 经办人, two 审批人, a 财务, a 经办人 who is also 审批人."""
    return make_unit(
        roles_by_name={
            "h": ["handler"],
            "p1": ["approver"],
            "p2": ["approver"],
            "f": ["finance"],
            "hp": ["handler", "approver"],
        }
    )


def submit(paper, unit, by, *, steps=1, total="60000.00", line=None, subject_id=1):
    rule = ApprovalRule.objects.create(unit=unit, min_amount=Decimal("50000.00"), steps=steps)
    paper.docs[subject_id] = snap(total=total, budget_line=line.pk if line else None)
    return services.approval_submit(
        unit_id=unit.pk,
        actor=by.user,
        kind=KIND,
        subject_id=subject_id,
        subject_number=f"CG{subject_id:04d}",
        title="智慧路灯控制器采购",
        amount=Decimal(total),
        snapshot=paper.docs[subject_id],
        rule=rule,
        budget_line=line,
    )


def budget(unit, admin, amount="100000.00"):
    return services.budget_line_create(
        unit=unit, actor=admin.user, name="路灯改造", year=2026, amount=amount, fund_nature="fiscal"
    )


def line_figures(line):
    line.refresh_from_db()
    return (line.committed, line.spent, line.available)


def state(approval):
    approval.refresh_from_db()
    return (approval.status, approval.steps_done)


def test_submission_commits_the_budget_and_tells_the_approvers_once(paper):
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], line=line)
    assert (approval.status, approval.steps_required, approval.number[:2]) == ("pending", 1, "SP")
    assert line_figures(line) == (Decimal("60000.00"), Decimal("0.00"), Decimal("40000.00"))
    # the three 审批人 (not the submitter) get one e-mail each
    told = sorted(OutboundEmail.objects.values_list("to", flat=True))
    assert told == sorted([[m[n].user.email] for n in ("p1", "p2", "hp")])
    assert OutboundEmail.objects.first().subject == "【湘慧商城】待审批：智慧路灯控制器采购（¥60,000.00）"


def test_nobody_approves_their_own_submission(paper):
    # given a 经办人 who is also 审批人 submits
    unit, m = a_unit()
    approval = submit(paper, unit, m["hp"])
    # when they try to approve it
    with pytest.raises(PermissionDenied) as refused:
        services.approval_decide(approval=approval, actor=m["hp"].user, decision="approve")
    # then it is refused and nothing was decided
    assert refused.value.message == "不能审批自己提交的事项。"
    assert state(approval) == ("pending", 0) and ApprovalDecision.objects.count() == 0
    assert paper.calls == []


def test_a_member_without_the_approver_role_cannot_decide(paper):
    unit, m = a_unit()
    approval = submit(paper, unit, m["h"])
    events = UnitEvent.objects.count()
    for name in ("f", "admin"):
        with pytest.raises(PermissionDenied) as refused:
            services.approval_decide(approval=approval, actor=m[name].user, decision="approve")
        assert refused.value.message == "只有本单位的审批人可以审批。"
    assert state(approval) == ("pending", 0)
    assert (ApprovalDecision.objects.count(), UnitEvent.objects.count()) == (0, events)


def test_two_steps_need_two_different_approvers_in_order(paper):
    # given a two-step approval
    unit, m = a_unit()
    approval = submit(paper, unit, m["h"], steps=2)
    # when the first 审批人 approves
    first = services.approval_decide(
        approval=approval, actor=m["p1"].user, decision="approve", comment="同意"
    )
    assert (first.outcome, first.message) == ("step", "已同意第 1 级审批，等待第 2 级审批。")
    assert paper.calls == []
    # when the same person tries the second step
    with pytest.raises(Conflict) as twice:
        services.approval_decide(approval=approval, actor=m["p1"].user, decision="approve")
    assert twice.value.message == "您已审批过本事项的前一级，下一级需由其他审批人审批。"
    assert state(approval) == ("pending", 1)
    # when a second 审批人 approves
    done = services.approval_decide(approval=approval, actor=m["p2"].user, decision="approve")
    # then it is approved, the document went out once, and the decisions are in order
    assert (done.outcome, done.message) == ("approved", "审批通过，事项已办结。")
    assert state(approval) == ("approved", 2)
    assert paper.calls == [("approved", "CG0001", m["p2"].user.pk)]
    assert list(approval.decisions.values_list("step", "approver", "decision")) == [
        (1, m["p1"].user.pk, "approve"),
        (2, m["p2"].user.pk, "approve"),
    ]
    assert list(
        UnitEvent.objects.filter(approval=approval).order_by("pk").values_list("kind", flat=True)
    ) == [
        "approval_submitted",
        "approval_step_approved",
        "approval_approved",
    ]


def test_a_rejection_needs_a_comment_and_releases_the_budget(paper):
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], line=line)
    # when rejected without a comment
    with pytest.raises(Invalid) as bare:
        services.approval_decide(approval=approval, actor=m["p1"].user, decision="reject", comment="  ")
    assert (bare.value.message, bare.value.fields) == (
        "驳回时请填写审批意见。",
        {"comment": ["驳回时请填写审批意见。"]},
    )
    assert state(approval) == ("pending", 0)
    assert line_figures(line) == (Decimal("60000.00"), Decimal("0.00"), Decimal("40000.00"))
    # when rejected with one
    result = services.approval_decide(
        approval=approval, actor=m["p1"].user, decision="reject", comment="超出需求"
    )
    # then the approval ends, the budget is free again and the owning app was told
    assert (result.outcome, result.message) == ("rejected", "已驳回，已通知提交人。")
    assert state(approval) == ("rejected", 0)
    assert line_figures(line) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))
    assert paper.calls == [("ended", "CG0001", "审批驳回：超出需求")]
    assert OutboundEmail.objects.filter(to=[m["h"].user.email], subject__contains="审批被驳回").count() == 1


def test_a_changed_snapshot_restarts_the_approval_and_supersedes_decisions(paper):
    # given a two-step approval of ¥60,000 whose first step is approved
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], steps=2, line=line)
    services.approval_decide(approval=approval, actor=m["p1"].user, decision="approve")
    old_hash = approval.snapshot_hash
    # when the vendor revised the price (the owning app did not report it) and p2 decides
    paper.docs[1] = snap(total="66000.00", unit_price="6600.00", budget_line=line.pk)
    result = services.approval_decide(approval=approval, actor=m["p2"].user, decision="approve")
    # then nothing was approved: the approval is back at step 1 with the new snapshot and amount,
    # p1's decision is void and the budget holds the new amount
    assert result.outcome == "restarted"
    approval.refresh_from_db()
    assert (approval.status, approval.steps_done, approval.restarts, approval.amount) == (
        "pending",
        0,
        1,
        Decimal("66000.00"),
    )
    assert approval.snapshot_hash != old_hash and approval.snapshot["total"] == "66000.00"
    assert list(approval.decisions.values_list("approver", "superseded")) == [(m["p1"].user.pk, True)]
    assert line_figures(line) == (Decimal("66000.00"), Decimal("0.00"), Decimal("34000.00"))
    # an approval of the page as it was before the change is refused
    with pytest.raises(Conflict) as stale:
        services.approval_decide(
            approval=approval, actor=m["p1"].user, decision="approve", seen_hash=old_hash
        )
    assert stale.value.message == "审批内容已更新，请刷新页面查看最新内容后再审批。"
    # and p1 may approve the new snapshot again, p2 the second step
    services.approval_decide(
        approval=approval, actor=m["p1"].user, decision="approve", seen_hash=approval.snapshot_hash
    )
    assert (
        services.approval_decide(approval=approval, actor=m["p2"].user, decision="approve").outcome
        == "approved"
    )


def test_approval_restart_by_the_owning_app_and_a_document_gone_cancels(paper):
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], line=line)
    # unchanged: nothing happens
    assert services.approval_restart(kind=KIND, subject_id=1, reason="报价更新").restarts == 0
    # the document can no longer be approved: the approval ends and the budget is released
    paper.docs[1] = None
    services.approval_restart(kind=KIND, subject_id=1, reason="报价已过期")
    assert state(approval) == ("cancelled", 0)
    assert line_figures(line) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))


def test_withdraw_by_the_submitter_or_an_admin_releases_the_budget(paper):
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], line=line)
    # another 经办人 or an 审批人 may not
    for name in ("hp", "p1"):
        with pytest.raises(PermissionDenied) as refused:
            services.approval_withdraw(approval=approval, actor=m[name].user)
        assert refused.value.message == "只有提交人或本单位管理员可以撤回审批。"
    assert state(approval) == ("pending", 0)
    # the submitter may
    services.approval_withdraw(approval=approval, actor=m["h"].user, reason="需求变更")
    assert state(approval) == ("withdrawn", 0)
    assert line_figures(line) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))
    assert paper.calls == [("ended", "CG0001", "撤回审批：需求变更")]
    # a withdrawn approval can no longer be decided or withdrawn
    with pytest.raises(Conflict):
        services.approval_decide(approval=approval, actor=m["p1"].user, decision="approve")
    with pytest.raises(Conflict):
        services.approval_withdraw(approval=approval, actor=m["admin"].user)
    # an admin withdraws another submission
    second = submit(paper, unit, m["h"], subject_id=2)
    services.approval_withdraw(approval=second, actor=m["admin"].user)
    assert state(second) == ("withdrawn", 0)


def test_the_rule_with_most_steps_applies(paper):
    unit, _m = a_unit()
    ApprovalRule.objects.create(unit=unit, min_amount=Decimal("50000"), steps=1)
    two = ApprovalRule.objects.create(unit=unit, min_amount=Decimal("500000"), steps=2)
    ApprovalRule.objects.create(unit=unit, min_amount=Decimal("10000"), steps=3, is_active=False)
    assert services.approval_rule_for(unit_id=unit.pk, amount=Decimal("49999.99")) is None
    assert services.approval_rule_for(unit_id=unit.pk, amount=Decimal("50000")).steps == 1
    assert services.approval_rule_for(unit_id=unit.pk, amount=Decimal("500000")) == two


def test_rules_are_set_by_the_admin_only_with_checked_figures():
    unit, m = a_unit()
    rule = services.approval_rule_create(unit=unit, actor=m["admin"].user, min_amount="500000", steps=2)
    with pytest.raises(PermissionDenied) as refused:
        services.approval_rule_create(unit=unit, actor=m["p1"].user, min_amount="1", steps=1)
    assert refused.value.message == "只有本单位的管理员可以设置审批规则。"
    with pytest.raises(Invalid) as steps:
        services.approval_rule_create(unit=unit, actor=m["admin"].user, min_amount="1", steps=6)
    assert steps.value.message == "审批级数应在 1–5 之间。"
    with pytest.raises(Invalid) as negative:
        services.approval_rule_create(unit=unit, actor=m["admin"].user, min_amount="-5", steps=1)
    assert negative.value.message == "起审金额不能为负数。"
    services.approval_rule_update(
        rule=rule, actor=m["admin"].user, min_amount="500000", steps=2, is_active=False
    )
    assert list(ApprovalRule.objects.values_list("min_amount", "steps", "is_active")) == [
        (Decimal("500000.00"), 2, False)
    ]
    assert list(UnitEvent.objects.order_by("pk").values_list("kind", "note")) == [
        ("rule_created", "¥500,000.00 起：2 级审批"),
        ("rule_changed", "¥500,000.00 起：2 级审批 → ¥500,000.00 起：2 级审批（停用）"),
    ]


def test_a_step_waiting_two_working_days_over_national_day_is_reminded_once(paper):
    # given an approval submitted on 2026-09-30 10:00, the eve of 国庆 (10-01 … 10-07 off;
    # 10-08 and 10-09 are the first two working days after it)
    unit, m = a_unit()
    approval = submit(paper, unit, m["h"])
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        step_started_at=datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)
    )
    OutboundEmail.objects.all().delete()
    # when the reminder runs during the holiday and on the first working day after it
    for moment in (datetime(2026, 10, 7, 23, 0), datetime(2026, 10, 9, 9, 59)):
        assert services.approvals_remind(now=moment.replace(tzinfo=CHINA)) == []
    assert OutboundEmail.objects.count() == 0
    # when it runs on the second working day after the holiday, at the submission's clock time
    assert services.approvals_remind(now=datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)) == [approval.number]
    # then the 审批人 (not the submitter) and the submitter are told, once
    to = sorted(e.to[0] for e in OutboundEmail.objects.all())
    assert to == sorted([m[n].user.email for n in ("p1", "p2", "hp", "h")])
    assert OutboundEmail.objects.get(to=[m["h"].user.email]).subject == (
        "【湘慧商城】您提交的审批已催办：智慧路灯控制器采购"
    )
    assert services.approvals_remind(now=datetime(2026, 10, 12, 10, 0, tzinfo=CHINA)) == []
    assert OutboundEmail.objects.count() == 4
    assert UnitEvent.objects.filter(approval=approval, kind="approval_reminded").count() == 1


def test_a_submission_the_budget_cannot_carry_is_refused_and_nothing_waits(paper):
    # given a line with ¥50,000 left and a submission of ¥60,000
    unit, m = a_unit()
    line = budget(unit, m["admin"], amount="50000")
    with pytest.raises(Conflict):
        submit(paper, unit, m["h"], line=line)
    # then nothing is waiting and nothing is held
    assert ApprovalRequest.objects.count() == 0
    assert BudgetLine.objects.get().committed == Decimal("0.00")


def test_a_change_the_budget_cannot_carry_ends_the_approval_instead_of_refusing_every_decision(paper):
    # given ¥60,000 of a ¥100,000 line waiting for approval and ¥30,000 held by another order
    unit, m = a_unit()
    line = budget(unit, m["admin"])
    approval = submit(paper, unit, m["h"], line=line)
    services.budget_commit(line=line, amount=Decimal("30000"), kind="order", number="DD5")
    # when the price rose to ¥80,000 (only ¥70,000 could be held) and an 审批人 decides
    paper.docs[1] = snap(total="80000.00", unit_price="8000.00", budget_line=line.pk)
    result = services.approval_decide(approval=approval, actor=m["p1"].user, decision="approve")
    # then the approval ended, its ¥60,000 is free again and the document was sent back
    assert result.outcome == "cancelled"
    assert state(approval) == ("cancelled", 0)
    assert line_figures(line) == (Decimal("30000.00"), Decimal("0.00"), Decimal("70000.00"))
    reason = "审批内容已变化；预算“路灯改造”可用余额 ¥70,000.00，不足以承担本次采购 ¥80,000.00。"
    assert paper.calls == [("ended", "CG0001", reason)]
    assert UnitEvent.objects.filter(approval=approval).latest("pk").note == reason
    assert ApprovalDecision.objects.count() == 0
