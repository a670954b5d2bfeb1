"""Budget lines of a buying unit: who records them, what amounts are refused, and how a
document's share moves through committed → spent / released. Every refusal is Chinese and
changes nothing."""

from decimal import Decimal

import pytest

from shop.buyers import services
from shop.buyers.models import BudgetCommitment, BudgetLine, UnitEvent
from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories.buyers import make_unit

pytestmark = pytest.mark.django_db
YEAR = 2026


def figures(line):
    line.refresh_from_db()
    return (line.amount, line.committed, line.spent, line.available)


def new_line(unit, actor, amount="100000.00", name="信息化建设"):
    return services.budget_line_create(
        unit=unit, actor=actor, name=name, year=YEAR, amount=amount, fund_nature="fiscal"
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "预算金额必须大于零。"),
        ("0", "预算金额必须大于零。"),
        ("0.00", "预算金额必须大于零。"),
        ("100.005", "预算金额最多保留两位小数（精确到分）。"),
        ("10000000000", "预算金额不能超过 9999999999.99 元。"),
        ("1e30", "预算金额不能超过 9999999999.99 元。"),
        ("abc", "预算金额不是有效的金额。"),
        ("NaN", "预算金额不是有效的金额。"),
        ("", "预算金额不是有效的金额。"),
    ],
)
def test_a_budget_amount_that_is_negative_zero_too_precise_or_absurd_is_refused(amount, message):
    # given a unit and its 管理员
    unit, m = make_unit()
    # when a line is recorded with such an amount
    with pytest.raises(Invalid) as refused:
        new_line(unit, m["admin"].user, amount=amount)
    # then the refusal names the field in Chinese and nothing was written
    assert (refused.value.message, refused.value.fields) == (message, {"amount": [message]})
    assert (BudgetLine.objects.count(), UnitEvent.objects.count()) == (0, 0)


def test_admin_and_finance_record_lines_others_are_refused_in_chinese():
    # given a unit with a 财务, a 经办人 and an 审批人
    unit, m = make_unit(roles_by_name={"f": ["finance"], "h": ["handler"], "p": ["approver"]})
    # when the 管理员 and the 财务 record lines, the others try
    a = new_line(unit, m["admin"].user, name="设备购置")
    f = new_line(unit, m["f"].user, amount="2,500.50", name="办公经费")
    for name in ("h", "p"):
        with pytest.raises(PermissionDenied) as refused:
            new_line(unit, m[name].user, name="不应出现")
        assert refused.value.message == "只有本单位的管理员、财务可以登记和调整预算。"
    # then exactly the two lines exist, each with one event
    assert sorted(BudgetLine.objects.values_list("name", "amount")) == [
        ("办公经费", Decimal("2500.50")),
        ("设备购置", Decimal("100000.00")),
    ]
    assert list(UnitEvent.objects.order_by("pk").values_list("kind", "budget_line")) == [
        ("budget_created", a.pk),
        ("budget_created", f.pk),
    ]


def test_another_units_admin_cannot_touch_a_line_and_a_name_is_once_a_year():
    unit, m = make_unit()
    _other, o = make_unit()
    line = new_line(unit, m["admin"].user)
    with pytest.raises(NotFound):
        services.budget_line_update(
            line=line, actor=o["admin"].user, name="改名", amount="1.00", fund_nature="own"
        )
    with pytest.raises(Conflict) as twice:
        new_line(unit, m["admin"].user)
    assert twice.value.message == "2026 年已有名为“信息化建设”的预算。"
    assert figures(line) == (Decimal("100000.00"), 0, 0, Decimal("100000.00"))
    assert BudgetLine.objects.count() == 1


def test_a_line_cannot_be_reduced_below_committed_plus_spent():
    # given a line of ¥100,000 with ¥30,000 committed, of which ¥10,000 spent
    unit, m = make_unit()
    admin = m["admin"].user
    line = new_line(unit, admin)
    c = services.budget_commit(line=line, amount=Decimal("30000.00"), kind="order", number="DD1", actor=admin)
    services.budget_spend(commitment=c, amount=Decimal("10000.00"))
    events = UnitEvent.objects.count()
    # when the amount is lowered to ¥29,999.99
    with pytest.raises(Conflict) as refused:
        services.budget_line_update(
            line=line, actor=admin, name=line.name, amount="29999.99", fund_nature="fiscal"
        )
    # then it is refused, naming what is used, and nothing changed
    assert refused.value.message == "预算金额不能低于已占用和已支付的合计 ¥30,000.00。"
    assert figures(line) == (
        Decimal("100000.00"),
        Decimal("20000.00"),
        Decimal("10000.00"),
        Decimal("70000.00"),
    )
    assert UnitEvent.objects.count() == events
    # when lowered to exactly what is used, it is accepted with one event
    services.budget_line_update(line=line, actor=admin, name=line.name, amount="30000", fund_nature="fiscal")
    assert figures(line) == (Decimal("30000.00"), Decimal("20000.00"), Decimal("10000.00"), Decimal("0.00"))
    assert UnitEvent.objects.latest("pk").note == "2026 信息化建设：¥100,000.00 → ¥30,000.00"


def test_a_commitment_beyond_what_is_available_is_refused_and_changes_nothing():
    # given a line of ¥1,000 with ¥600 committed
    unit, m = make_unit()
    line = new_line(unit, m["admin"].user, amount="1000")
    services.budget_commit(line=line, amount=Decimal("600"), kind="quote", number="XJ1")
    before = (figures(line), BudgetCommitment.objects.count(), UnitEvent.objects.count())
    # when a document asks for ¥400.01
    with pytest.raises(Conflict) as refused:
        services.budget_commit(line=line, amount=Decimal("400.01"), kind="quote", number="XJ2")
    # then it is refused in Chinese and nothing moved; the last ¥400.00 still fits
    assert refused.value.message == "预算“信息化建设”可用余额 ¥400.00，不足以承担本次采购 ¥400.01。"
    assert refused.value.fields == {"budget_line": ["预算可用余额不足。"]}
    assert (figures(line), BudgetCommitment.objects.count(), UnitEvent.objects.count()) == before
    services.budget_commit(line=line, amount=Decimal("400.00"), kind="quote", number="XJ2")
    assert figures(line) == (Decimal("1000.00"), Decimal("1000.00"), 0, Decimal("0.00"))


def test_spend_and_release_move_the_figures_of_the_line_and_the_commitment():
    # given ¥300 of a ¥1,000 line committed for one order
    unit, m = make_unit()
    line = new_line(unit, m["admin"].user, amount="1000")
    c = services.budget_commit(line=line, amount=Decimal("300"), kind="order", number="DD7", title="路灯")
    # when ¥100 is paid
    services.budget_spend(commitment=c, amount=Decimal("100"))
    assert figures(line) == (Decimal("1000.00"), Decimal("200.00"), Decimal("100.00"), Decimal("700.00"))
    # when the rest is released (twice: the second does nothing)
    services.budget_release(commitment=c, note="订单取消")
    services.budget_release(commitment=c, note="订单取消")
    # then the line has only what was spent, and the commitment adds up
    assert figures(line) == (Decimal("1000.00"), Decimal("0.00"), Decimal("100.00"), Decimal("900.00"))
    c.refresh_from_db()
    assert (c.amount, c.committed, c.spent, c.released, c.state_label) == (
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("100.00"),
        Decimal("200.00"),
        "部分支付",
    )
    assert list(UnitEvent.objects.filter(budget_line=line).order_by("pk").values_list("kind", "note")) == [
        ("budget_created", "2026 信息化建设：¥1,000.00"),
        ("budget_committed", "DD7：¥300.00"),
        ("budget_spent", "DD7：¥100.00"),
        ("budget_released", "DD7：¥200.00 订单取消"),
    ]


def test_a_spend_larger_than_the_commitment_spends_only_what_it_holds():
    unit, m = make_unit()
    line = new_line(unit, m["admin"].user, amount="1000")
    c = services.budget_commit(line=line, amount=Decimal("300"), kind="order", number="DD8")
    services.budget_spend(commitment=c, amount=Decimal("500"))
    assert figures(line) == (Decimal("1000.00"), Decimal("0.00"), Decimal("300.00"), Decimal("700.00"))


def test_a_document_of_a_unit_with_lines_this_year_must_name_one_of_its_own_of_this_year():
    from datetime import date

    unit, m = make_unit()
    _other, o = make_unit()
    today = date(YEAR, 5, 1)
    # no line yet: nothing needed
    assert services.budget_line_for_document(unit_id=unit.pk, budget_line_id=None, today=today) is None
    line = new_line(unit, m["admin"].user)
    old = services.budget_line_create(
        unit=unit, actor=m["admin"].user, name="去年", year=YEAR - 1, amount="10", fund_nature="own"
    )
    foreign = new_line(_other, o["admin"].user)
    with pytest.raises(Invalid) as missing:
        services.budget_line_for_document(unit_id=unit.pk, budget_line_id="", today=today)
    with pytest.raises(Invalid) as not_ours:
        services.budget_line_for_document(unit_id=unit.pk, budget_line_id=foreign.pk, today=today)
    with pytest.raises(Invalid) as last_year:
        services.budget_line_for_document(unit_id=unit.pk, budget_line_id=old.pk, today=today)
    assert [e.value.message for e in (missing, not_ours, last_year)] == [
        "请选择本次采购使用的预算。",
        "预算选择无效。",
        "只能使用 2026 年度的预算。",
    ]
    assert (
        services.budget_line_for_document(unit_id=unit.pk, budget_line_id=str(line.pk), today=today) == line
    )
