"""The buying unit's budget, approval-rule and approval pages, the 单位工作台, the XLSX export and
the JSON API (real PostgreSQL and Redis): what each role sees and may change, Chinese refusals
that change nothing, and query counts that do not grow with the number of rows."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shop.buyers import services
from shop.buyers.models import ApprovalDecision, ApprovalRule, BudgetLine, UnitEvent
from shop.oem.models import OemOrder
from shop.payments.orders import OrderLineSpec, order_place
from shop.quotes.models import QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ProductFactory
from tests.factories.payments import accept
from tests.factories.quotes import request_data
from tests.unit.test_unit_approvals import KIND, paper, snap  # noqa: F401  (paper: the fixture)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user if hasattr(member, "user") else member)
    return client


def a_unit():
    return make_unit(
        org_name="湘江新区数据局",
        roles_by_name={
            "h": ["handler"],
            "p1": ["approver"],
            "p2": ["approver"],
            "f": ["finance"],
        },
    )


def line_of(unit, admin, name="信息化建设", amount="100000.00", year=YEAR):
    return services.budget_line_create(
        unit=unit, actor=admin.user, name=name, year=year, amount=amount, fund_nature="fiscal"
    )


def submit(unit, by, paper_subject, *, subject_id=1, total="60000.00", line=None, steps=1):
    rule = ApprovalRule.objects.filter(unit=unit, steps=steps).first() or ApprovalRule.objects.create(
        unit=unit, min_amount=Decimal("50000.00"), steps=steps
    )
    paper_subject.docs[subject_id] = snap(total=total, budget_line=line.pk if line else None)
    return services.approval_submit(
        unit_id=unit.pk,
        actor=by.user,
        kind=KIND,
        subject_id=subject_id,
        subject_number=f"CG{subject_id:04d}",
        title=f"智慧路灯控制器采购{subject_id}",
        amount=Decimal(total),
        snapshot=paper_subject.docs[subject_id],
        rule=rule,
        budget_line=line,
    )


def html(response) -> str:
    return response.content.decode()


# --- budgets ------------------------------------------------------------------------------------


def test_admin_records_a_budget_line_and_every_member_sees_its_figures():
    unit, m = a_unit()
    admin = client_for(m["admin"])
    # when the 管理员 records a line through the form
    response = admin.post(
        "/buyers/unit/budgets/new/",
        {"name": "智慧路灯改造", "year": str(YEAR), "amount": "120,000.50", "fund_nature": "fiscal"},
    )
    line = BudgetLine.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/buyers/unit/budgets/{line.pk}/"
    assert (line.unit, line.amount, line.category) == (unit, Decimal("120000.50"), None)
    # and ¥20,000 of it is committed by an order
    services.budget_commit(line=line, amount=Decimal("20000"), kind="order", number="DD202612010001")
    # then a 经办人 sees amount, 已占用, 已支付, 可用 and the bar, without the 登记 button
    page = html(client_for(m["h"]).get("/buyers/unit/budgets/"))
    assert '<td class="text-right">¥120,000.50</td>' in page
    assert '<td class="text-right budget-available">¥100,000.50</td>' in page
    assert 'aria-valuenow="17"' in page
    assert 'id="budget-create"' not in page and 'id="budgets-export"' in page
    assert f'href="/buyers/unit/budgets/{line.pk}/edit/"' not in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-100", "预算金额必须大于零。"),
        ("0", "预算金额必须大于零。"),
        ("12.345", "预算金额最多保留两位小数（精确到分）。"),
        ("99999999999", "预算金额不能超过 9999999999.99 元。"),
    ],
)
def test_a_bad_budget_amount_is_a_400_in_chinese_and_records_nothing(amount, message):
    _unit, m = a_unit()
    response = client_for(m["f"]).post(
        "/buyers/unit/budgets/new/",
        {"name": "办公经费", "year": str(YEAR), "amount": amount, "fund_nature": "own"},
    )
    assert response.status_code == 400
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html(response)
    assert (BudgetLine.objects.count(), UnitEvent.objects.count()) == (0, 0)


def test_only_admin_and_finance_change_budgets_and_not_below_what_is_used():
    unit, m = a_unit()
    line = line_of(unit, m["admin"])
    services.budget_commit(line=line, amount=Decimal("30000"), kind="order", number="DD1")
    # an 审批人 and a 经办人 are refused the forms (GET and POST) with the role table's words
    for name in ("p1", "h"):
        client = client_for(m[name])
        for response in (
            client.get("/buyers/unit/budgets/new/"),
            client.post(
                f"/buyers/unit/budgets/{line.pk}/edit/", {"name": "x", "amount": "1", "fund_nature": "own"}
            ),
        ):
            assert response.status_code == 403
            assert "只有本单位的管理员、财务可以登记和调整预算。" in html(response)
    # the 财务 lowering it below what is committed gets the rule, and nothing changes
    response = client_for(m["f"]).post(
        f"/buyers/unit/budgets/{line.pk}/edit/",
        {"name": "信息化建设", "amount": "29999.99", "fund_nature": "fiscal"},
    )
    assert response.status_code == 409
    assert "预算金额不能低于已占用和已支付的合计 ¥30,000.00。" in html(response)
    line.refresh_from_db()
    assert (line.name, line.amount) == ("信息化建设", Decimal("100000.00"))
    # a valid change goes through
    response = client_for(m["f"]).post(
        f"/buyers/unit/budgets/{line.pk}/edit/",
        {"name": "信息化建设（调整）", "amount": "80000", "fund_nature": "fiscal"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.amount, line.year) == ("信息化建设（调整）", Decimal("80000.00"), YEAR)


def test_budget_detail_lists_the_documents_behind_each_figure_with_links(paper):  # noqa: F811
    unit, m = a_unit()
    line = line_of(unit, m["admin"])
    order_c = services.budget_commit(
        line=line, amount=Decimal("10000"), kind="order", number="DD202612010007", title="会议一体机"
    )
    services.budget_spend(commitment=order_c, amount=Decimal("4000"))
    approval = submit(unit, m["h"], paper, line=line)
    # when the 财务 opens the line
    page = html(client_for(m["f"]).get(f"/buyers/unit/budgets/{line.pk}/"))
    # then the figures and both documents show, the order linked to its page, the approval too
    assert '<dd class="col-sm-9" id="budget-committed">¥66,000.00</dd>' in page
    assert '<dd class="col-sm-9" id="budget-spent">¥4,000.00</dd>' in page
    assert '<dd class="col-sm-9" id="budget-available">¥30,000.00</dd>' in page
    assert '<a href="/payments/orders/DD202612010007/">DD202612010007</a>' in page
    assert f'<a href="/buyers/unit/approvals/{approval.number}/">审批单</a>' in page
    assert page.count("<td>占用中</td>") == 2
    assert page.count("预算支付") == 1 and "占用预算" in page
    # another unit's member gets a 404
    _b, b = make_unit()
    assert client_for(b["admin"]).get(f"/buyers/unit/budgets/{line.pk}/").status_code == 404


def test_the_xlsx_export_has_the_lines_and_their_documents_as_numbers():
    unit, m = a_unit()
    line = line_of(unit, m["admin"], amount="100000.5")
    line_of(unit, m["admin"], name="去年的预算", amount="500", year=YEAR - 1)
    c = services.budget_commit(line=line, amount=Decimal("1234.56"), kind="order", number="DD9", title="路灯")
    services.budget_spend(commitment=c, amount=Decimal("234.56"))
    # when a 经办人 exports
    response = client_for(m["h"]).get("/buyers/unit/budgets/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment;" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    # then two sheets with Chinese headers; money as numbers formatted with two decimals
    assert book.sheetnames == ["预算", "预算明细"]
    rows = [list(r) for r in book["预算"].iter_rows(values_only=True)]
    assert rows == [
        ["年度", "预算名称", "资金性质", "品目", "预算金额", "已占用", "已支付", "可用"],
        [YEAR, "信息化建设", "财政资金", None, 100000.5, 1000, 234.56, 98765.94],
        [YEAR - 1, "去年的预算", "财政资金", None, 500, 0, 0, 500],
    ]
    assert book["预算"]["E2"].number_format == "#,##0.00"
    docs = [list(r) for r in book["预算明细"].iter_rows(values_only=True)]
    assert docs[0] == [
        "年度",
        "预算名称",
        "单据类型",
        "单据号",
        "摘要",
        "金额",
        "占用中",
        "已支付",
        "已释放",
        "状态",
        "日期",
    ]
    assert docs[1][:10] == [YEAR, "信息化建设", "直购订单", "DD9", "路灯", 1234.56, 1000, 234.56, 0, "占用中"]
    assert len(docs) == 2 and book["预算明细"]["F2"].number_format == "#,##0.00"


# --- approval rules -----------------------------------------------------------------------------


def test_rules_page_explains_the_rules_and_only_the_admin_changes_them():
    unit, m = a_unit()
    admin = client_for(m["admin"])
    page = html(admin.get("/buyers/unit/rules/"))
    assert "同时适用多条规则时以审批级数最多的一条为准" in page and "含税" in page
    assert "规则只对今后提交的事项生效" in page
    # the admin adds a two-step rule from ¥500,000
    assert admin.post("/buyers/unit/rules/", {"min_amount": "500000", "steps": "2"}).status_code == 302
    rule = ApprovalRule.objects.get(unit=unit)
    assert (rule.min_amount, rule.steps, rule.is_active) == (Decimal("500000.00"), 2, True)
    # bad input: a 400 with the reason, nothing added
    bad = admin.post("/buyers/unit/rules/", {"min_amount": "1000", "steps": "9"})
    assert bad.status_code == 400 and "审批级数应在 1–5 之间。" in html(bad)
    # a 审批人 sees the list but no form, and a POST is refused
    approver = client_for(m["p1"])
    assert 'id="rule-form"' not in html(approver.get("/buyers/unit/rules/"))
    refused = approver.post("/buyers/unit/rules/", {"min_amount": "1", "steps": "1"})
    assert refused.status_code == 403 and "只有本单位的管理员可以设置审批规则。" in html(refused)
    assert approver.get(f"/buyers/unit/rules/{rule.pk}/").status_code == 403
    # the admin deactivates it (the checkbox left unticked)
    assert (
        admin.post(f"/buyers/unit/rules/{rule.pk}/", {"min_amount": "500000", "steps": "2"}).status_code
        == 302
    )
    assert list(ApprovalRule.objects.values_list("is_active", flat=True)) == [False]


# --- approvals ----------------------------------------------------------------------------------


def test_an_approver_decides_on_the_approval_page_and_sees_the_result(paper):  # noqa: F811
    unit, m = a_unit()
    line = line_of(unit, m["admin"])
    approval = submit(unit, m["h"], paper, line=line, steps=2)
    p1 = client_for(m["p1"])
    # the page shows the snapshot as a table and the form with the snapshot's hash
    page = html(p1.get(f"/buyers/unit/approvals/{approval.number}/"))
    assert '<span id="snapshot-supplier">湖南湘慧科技有限公司</span>' in page
    assert (
        '<tr><td>智慧路灯控制器</td><td class="text-right">10</td><td>台</td>'
        '<td class="text-right">¥6,000.00</td><td class="text-right">13%</td>'
        '<td class="text-right">¥60,000.00</td></tr>'
    ) in page
    assert '<th class="text-right" id="snapshot-total">¥60,000.00</th>' in page
    assert f'name="seen_hash" value="{approval.snapshot_hash}"' in page
    assert '<a href="/sourcing/CG0001/">CG0001</a>' in page
    assert 'id="withdraw-submit"' not in page
    # a rejection without a comment is a 400 with the reason
    bare = p1.post(
        f"/buyers/unit/approvals/{approval.number}/decide/",
        {"decision": "reject", "seen_hash": approval.snapshot_hash},
    )
    assert bare.status_code == 400 and "驳回时请填写审批意见。" in html(bare)
    # approving step 1 shows DecideResult.message
    done = p1.post(
        f"/buyers/unit/approvals/{approval.number}/decide/",
        {"decision": "approve", "comment": "同意采购", "seen_hash": approval.snapshot_hash},
        follow=True,
    )
    assert "已同意第 1 级审批，等待第 2 级审批。" in html(done)
    assert 'id="decide-form"' not in html(done)  # one step per person
    # the document changes; p2 decides on the page as it was → the approval restarts with the
    # new snapshot and p1's decision is struck through
    paper.docs[1] = snap(total="66000.00", unit_price="6600.00", budget_line=line.pk)
    p2 = client_for(m["p2"])
    restarted = p2.post(
        f"/buyers/unit/approvals/{approval.number}/decide/",
        {"decision": "approve", "seen_hash": approval.snapshot_hash},
        follow=True,
    )
    text = html(restarted)
    assert "审批内容已发生变化（报价、价格或数量已更新），审批已重新开始" in text
    # a second form still carrying the old hash is refused
    stale = p2.post(
        f"/buyers/unit/approvals/{approval.number}/decide/",
        {"decision": "approve", "seen_hash": approval.snapshot_hash},
        follow=True,
    )
    assert "审批内容已更新，请刷新页面查看最新内容后再审批。" in html(stale)
    assert "<td><s>1</s></td>" in text and "内容变化后作废" in text
    assert '<th class="text-right" id="snapshot-total">¥66,000.00</th>' in text


def test_the_submitter_withdraws_and_the_tabs_list_what_each_member_has(paper):  # noqa: F811
    unit, m = a_unit()
    line = line_of(unit, m["admin"])
    approval = submit(unit, m["h"], paper, line=line)
    handler = client_for(m["h"])
    # the submitter's tab lists it, an approver's 待我审批 too, the 财务's is empty
    assert f'id="approval-{approval.number}"' in html(handler.get("/buyers/unit/approvals/?tab=submitted"))
    assert f'id="approval-{approval.number}"' in html(client_for(m["p1"]).get("/buyers/unit/approvals/"))
    assert "目前没有等待您审批的事项。" in html(client_for(m["f"]).get("/buyers/unit/approvals/?tab=mine"))
    assert f'id="approval-{approval.number}"' in html(
        client_for(m["f"]).get("/buyers/unit/approvals/?tab=all")
    )
    # the submitter sees no decision form but 撤回, and withdraws
    page = html(handler.get(f"/buyers/unit/approvals/{approval.number}/"))
    assert 'id="decide-form"' not in page and 'id="withdraw-submit"' in page
    done = handler.post(f"/buyers/unit/approvals/{approval.number}/withdraw/", follow=True)
    assert "已撤回审批，占用的预算已释放。" in html(done)
    line.refresh_from_db()
    assert (line.committed, approval.__class__.objects.get(pk=approval.pk).status) == (
        Decimal("0.00"),
        "withdrawn",
    )
    # an approver may neither withdraw nor (now) decide; another unit sees nothing
    refused = client_for(m["p1"]).post(f"/buyers/unit/approvals/{approval.number}/withdraw/")
    assert refused.status_code == 403 and "只有提交人或本单位管理员可以撤回审批。" in html(refused)
    again = handler.post(f"/buyers/unit/approvals/{approval.number}/withdraw/", follow=True)
    assert "审批单当前状态为“已撤回”，不能再办理。" in html(again)
    _b, b = make_unit()
    assert client_for(b["admin"]).get(f"/buyers/unit/approvals/{approval.number}/").status_code == 404
    assert client_for(UserFactory()).get("/buyers/unit/approvals/").status_code == 404


def test_a_member_without_the_role_cannot_decide_on_the_page(paper):  # noqa: F811
    unit, m = a_unit()
    approval = submit(unit, m["h"], paper)
    response = client_for(m["f"]).post(
        f"/buyers/unit/approvals/{approval.number}/decide/", {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 403 and "只有本单位的审批人可以审批。" in html(response)
    assert ApprovalDecision.objects.count() == 0


# --- the workbench ------------------------------------------------------------------------------


def unit_order(unit, member, number_hint=0, status=None):
    """An order of the (government) unit, delivered and accepted: due for payment."""
    product = ProductFactory(price=Decimal("1180.00"))
    order = order_place(
        user=member.user,
        lines=[
            OrderLineSpec(
                product=product,
                stockrecord=product.stockrecords.first(),
                quantity=2,
                unit_price_incl_tax=Decimal("1180.00"),
                tax_rate=Decimal("0.13"),
            )
        ],
        source="direct",
        reference="",
        unit=unit,
        status=status,
    )
    return accept(order) if status is None else order


def quoted_request(unit, member, n):
    return QuoteRequest.objects.create(
        number=f"XJ20261201{n:04d}", buyer=member.user, unit=unit, status="quoted", **request_data()
    )


def offered_oem(unit, member, n):
    fields = {f.name for f in OemOrder._meta.fields} - {"delivery_address"}
    data = {k: v for k, v in request_data().items() if k in fields}
    return OemOrder.objects.create(
        number=f"OEM20261201{n:04d}",
        buyer=member.user,
        unit=unit,
        status="offered",
        product=ProductFactory(),
        quantity=500,
        brand_name=f"湘江{n}号",
        target_date=timezone.localdate() + timedelta(days=60),
        delivery_contact="李明",
        delivery_phone="13807310000",
        delivery_address="麓谷大道 1 号",
        **data,
    )


def workbench_world(paper_subject, n):
    """A unit whose 管理员 holds every role, with ``n`` of each thing waiting for them."""
    unit, m = a_unit()
    m["admin"].roles = ["admin", "handler", "approver", "finance"]
    m["admin"].save()
    for i in range(1, n + 1):
        line = line_of(unit, m["admin"], name=f"预算{i}")
        submit(unit, m["h"], paper_subject, subject_id=i, line=line)
        unit_order(unit, m["h"])
        quoted_request(unit, m["h"], i)
        offered_oem(unit, m["h"], i)
    return unit, m


def test_the_workbench_shows_what_waits_for_each_member(paper):  # noqa: F811
    unit, m = workbench_world(paper, 1)
    page = html(client_for(m["admin"]).get("/buyers/unit/"))
    approval = unit.approvals.get()
    order = unit.orders.get().order
    assert f'<a href="/buyers/unit/approvals/{approval.number}/">{approval.number}</a>' in page
    assert (
        f'<a href="/payments/orders/{order.number}/">{order.number}</a> 待付款 · 待付 ¥2,360.00（订单金额 ¥2,360.00）'
        in page
    )
    assert '<a href="/quotes/XJ202612010001/">XJ202612010001</a>' in page
    assert '<a href="/oem/OEM202612010001/">OEM202612010001</a> 湘江1号 × 500' in page
    assert "可用 ¥40,000.00 / ¥100,000.00" in page and 'aria-valuenow="60"' in page
    for link in (
        "/buyers/unit/budgets/",
        "/buyers/unit/rules/",
        "/buyers/unit/approvals/",
        "/buyers/unit/members/",
    ):
        assert f'href="{link}"' in page
    # the submitting 经办人: nothing to approve or pay, the quote and OEM offer to accept
    page = html(client_for(m["h"]).get("/buyers/unit/"))
    assert "目前没有等待您审批的事项。" in page and "（付款由本单位财务办理）" in page
    assert "XJ202612010001" in page
    # the 财务: the order to pay, no offers to accept
    page = html(client_for(m["f"]).get("/buyers/unit/"))
    assert order.number in page and "XJ202612010001" not in page and 'id="unit-to-accept"' not in page


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5])
def test_unit_pages_query_counts_do_not_grow_with_rows(paper, n, django_assert_num_queries):  # noqa: F811
    # given n budget lines, approvals, orders to pay, quotes and OEM offers waiting
    unit, m = workbench_world(paper, n)
    approval = unit.approvals.order_by("pk").first()
    ApprovalDecision.objects.create(
        approval=approval,
        step=1,
        approver=m["p1"].user,
        decision="approve",
        snapshot_hash="x",
        superseded=True,
    )
    line = approval.budget_line
    client = client_for(m["admin"])
    client.get("/buyers/unit/")  # the header is cached
    # then each page costs the same whatever n: the request's savepoint and release, the
    # membership (with its unit), then the page's own reads (the session's user comes from the
    # cache on a GET: shop/core/usercache.py):
    # workbench: member count, invitations, events, approvals to decide, orders to pay,
    #   quotes, OEM orders and sourcing awards to accept, this year's lines
    with django_assert_num_queries(12):
        assert client.get("/buyers/unit/").status_code == 200
    # budgets: the lines (with their categories)
    with django_assert_num_queries(4):
        assert client.get("/buyers/unit/budgets/").status_code == 200
    # one line: the line, its commitments (with approvals), its events
    with django_assert_num_queries(6):
        assert client.get(f"/buyers/unit/budgets/{line.pk}/").status_code == 200
    # approvals: the tab's rows (with submitters and lines)
    with django_assert_num_queries(4):
        assert client.get("/buyers/unit/approvals/?tab=all").status_code == 200
    # one approval: the approval, its decisions (with approvers), its events
    with django_assert_num_queries(6):
        assert client.get(f"/buyers/unit/approvals/{approval.number}/").status_code == 200


# --- API ----------------------------------------------------------------------------------------


def test_api_budgets_with_the_same_role_checks_as_the_pages():
    unit, m = a_unit()
    admin, handler = client_for(m["admin"]), client_for(m["h"])
    created = admin.post(
        "/api/unit/budgets/",
        {"name": "智慧灯杆", "year": str(YEAR), "amount": "50000", "fund_nature": "fiscal"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["amount"], body["available"], body["commitments"]) == (
        "智慧灯杆",
        "50000.00",
        "50000.00",
        [],
    )
    pk = body["id"]
    refused = handler.post(
        "/api/unit/budgets/",
        {"name": "x", "year": str(YEAR), "amount": "1", "fund_nature": "own"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json() == {
        "code": "forbidden",
        "detail": "只有本单位的管理员、财务可以登记和调整预算。",
        "fields": {},
    }
    bad = admin.post(
        "/api/unit/budgets/",
        {"name": "y", "year": str(YEAR), "amount": "-1", "fund_nature": "own"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["fields"] == {"amount": ["预算金额必须大于零。"]}
    services.budget_commit(
        line=BudgetLine.objects.get(pk=pk), amount=Decimal("20000"), kind="order", number="DD3"
    )
    low = admin.patch(f"/api/unit/budgets/{pk}/", {"amount": "19999.99"}, content_type="application/json")
    assert (
        low.status_code == 409 and low.json()["detail"] == "预算金额不能低于已占用和已支付的合计 ¥20,000.00。"
    )
    detail = handler.get(f"/api/unit/budgets/{pk}/").json()
    assert (detail["committed"], detail["available"]) == ("20000.00", "30000.00")
    assert [(c["kind"], c["number"], c["committed"], c["state"]) for c in detail["commitments"]] == [
        ("order", "DD3", "20000.00", "占用中")
    ]
    assert [x["name"] for x in handler.get(f"/api/unit/budgets/?year={YEAR}").json()] == ["智慧灯杆"]
    assert handler.get(f"/api/unit/budgets/?year={YEAR - 1}").json() == []
    _b, b = make_unit()
    assert client_for(b["admin"]).get(f"/api/unit/budgets/{pk}/").status_code == 404
    assert BudgetLine.objects.count() == 1


def test_api_rules_and_approvals_decide_and_withdraw(paper):  # noqa: F811
    unit, m = a_unit()
    admin = client_for(m["admin"])
    rule = admin.post(
        "/api/unit/rules/", {"min_amount": "500000", "steps": "2"}, content_type="application/json"
    )
    assert rule.status_code == 201 and (rule.json()["min_amount"], rule.json()["steps"]) == ("500000.00", 2)
    no = client_for(m["p1"]).patch(
        f"/api/unit/rules/{rule.json()['id']}/", {"is_active": False}, content_type="application/json"
    )
    assert no.status_code == 403 and no.json()["detail"] == "只有本单位的管理员可以设置审批规则。"
    off = admin.patch(
        f"/api/unit/rules/{rule.json()['id']}/", {"is_active": False}, content_type="application/json"
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    # approvals
    line = line_of(unit, m["admin"])
    approval = submit(unit, m["h"], paper, line=line)
    p1 = client_for(m["p1"])
    listed = p1.get("/api/unit/approvals/?tab=mine").json()
    assert [a["number"] for a in listed] == [approval.number]
    detail = p1.get(f"/api/unit/approvals/{approval.number}/").json()
    assert (detail["may_decide"], detail["may_withdraw"], detail["snapshot"]["total"]) == (
        True,
        False,
        "60000.00",
    )
    own = client_for(m["h"]).post(
        f"/api/unit/approvals/{approval.number}/decide/",
        {"decision": "approve"},
        content_type="application/json",
    )
    assert own.status_code == 403 and own.json()["detail"] == "只有本单位的审批人可以审批。"
    bare = p1.post(
        f"/api/unit/approvals/{approval.number}/decide/",
        {"decision": "reject"},
        content_type="application/json",
    )
    assert bare.status_code == 400 and bare.json()["fields"] == {"comment": ["驳回时请填写审批意见。"]}
    rejected = p1.post(
        f"/api/unit/approvals/{approval.number}/decide/",
        {"decision": "reject", "comment": "价格偏高", "seen_hash": detail["snapshot_hash"]},
        content_type="application/json",
    )
    assert rejected.status_code == 200
    body = rejected.json()
    assert (body["outcome"], body["message"], body["approval"]["status"]) == (
        "rejected",
        "已驳回，已通知提交人。",
        "rejected",
    )
    assert [(d["approver"], d["decision"], d["comment"]) for d in body["approval"]["decisions"]] == [
        (m["p1"].user.email, "reject", "价格偏高")
    ]
    line.refresh_from_db()
    assert line.committed == Decimal("0.00")
    # withdraw a second submission through the API
    second = submit(unit, m["h"], paper, subject_id=2, line=line)
    withdrawn = client_for(m["h"]).post(
        f"/api/unit/approvals/{second.number}/withdraw/",
        {"reason": "需求取消"},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = client_for(m["h"]).post(
        f"/api/unit/approvals/{second.number}/withdraw/", {}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    _b, b = make_unit()
    assert client_for(b["admin"]).get(f"/api/unit/approvals/{approval.number}/").status_code == 404


def test_the_api_schema_documents_budgets_rules_and_approvals():
    schema = json.loads(client_for(UserFactory()).get("/api/schema/?format=json").content)
    paths = schema["paths"]
    for path in (
        "/api/unit/budgets/",
        "/api/unit/budgets/{id}/",
        "/api/unit/rules/",
        "/api/unit/rules/{id}/",
        "/api/unit/approvals/",
        "/api/unit/approvals/{number}/",
        "/api/unit/approvals/{number}/decide/",
        "/api/unit/approvals/{number}/withdraw/",
    ):
        assert path in paths, path
        assert all(
            op["tags"] == ["采购单位"] for op in paths[path].values() if isinstance(op, dict) and "tags" in op
        )
    decide = paths["/api/unit/approvals/{number}/decide/"]["post"]
    assert set(decide["responses"]) == {"200", "400", "403", "404", "409", "429"}


def test_the_approval_page_links_the_document_without_a_registered_subject():
    # given approvals of two kinds whose owning apps registered nothing (taken out for this test)
    from shop.buyers.models import ApprovalRequest
    from shop.buyers.services.approvals import SUBJECTS

    unit, m = a_unit()
    saved = {kind: SUBJECTS.pop(kind) for kind in ("order", "sourcing") if kind in SUBJECTS}
    try:
        made = {}
        for kind, number in (("order", "DD202612010042"), ("sourcing", "CG-42")):
            made[kind] = ApprovalRequest.objects.create(
                unit=unit,
                number=f"SP2026120100{len(made) + 1}",
                kind=kind,
                subject_id=42,
                subject_number=number,
                title="无登记的单据",
                amount=Decimal("60000.00"),
                snapshot={"supplier": "某供应商", "lines": [], "total": "60000.00"},
                snapshot_hash="0" * 64,
                submitted_by=m["h"].user,
                steps_required=1,
            )
        handler, finance = client_for(m["h"]), client_for(m["f"])
        # then the page links the document where the member's roles may open it (an order for
        # both, a 采购项目 for the 经办人), and shows the number alone otherwise
        order_page = html(finance.get(f"/buyers/unit/approvals/{made['order'].number}/"))
        sourcing_handler = html(handler.get(f"/buyers/unit/approvals/{made['sourcing'].number}/"))
        sourcing_finance = html(finance.get(f"/buyers/unit/approvals/{made['sourcing'].number}/"))
    finally:
        SUBJECTS.update(saved)
    assert '<a href="/payments/orders/DD202612010042/">DD202612010042</a>' in order_page
    assert '<a href="/sourcing/CG-42/">CG-42</a>' in sourcing_handler
    assert '<dd class="col-sm-9" id="approval-subject">采购项目 CG-42</dd>' in sourcing_finance


def test_a_budget_line_may_name_a_catalogue_category_and_an_unknown_one_is_refused():
    from tests.factories.catalogue import CategoryFactory

    unit, m = a_unit()
    parent = CategoryFactory(name="智慧城市")
    child = CategoryFactory(name="智慧路灯", parent=parent)
    admin = client_for(m["admin"])
    # the form offers the categories, a child indented under its parent
    form = html(admin.get("/buyers/unit/budgets/new/"))
    assert f'<option value="{parent.pk}">智慧城市</option>' in form
    assert f'<option value="{child.pk}">　智慧路灯</option>' in form
    bad = admin.post(
        "/buyers/unit/budgets/new/",
        {"name": "路灯", "year": str(YEAR), "amount": "1000", "fund_nature": "fiscal", "category": "999999"},
    )
    assert bad.status_code == 400 and "请选择有效的品目。" in html(bad)
    assert BudgetLine.objects.count() == 0
    ok = admin.post(
        "/buyers/unit/budgets/new/",
        {
            "name": "路灯",
            "year": str(YEAR),
            "amount": "1000",
            "fund_nature": "fiscal",
            "category": str(child.pk),
        },
    )
    assert ok.status_code == 302 and BudgetLine.objects.get().category == child
    api = admin.get("/api/unit/budgets/").json()
    assert [(x["category"], x["category_name"]) for x in api] == [(child.pk, "智慧路灯")]
