"""人才开发外包 through its services: the request's rules, the vendor's rates against its 起价,
the monthly amounts with absences (to the fen), the month's payable and its due date, early end
with notice, and who may download a CV."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from shop.core.exceptions import Conflict, Invalid, PermissionDenied
from shop.outsourcing import pricing, services
from shop.outsourcing.models import OutsourcingRequest, Profile, Proposal, ReportStatus, Status, WorkReport
from shop.payments.models import PaymentAuditEvent, PaymentStage
from tests.factories.accounts import OperatorFactory, PartnerFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.catalogue import ChildProductFactory
from tests.factories.outsourcing import (
    engaged,
    outsourcing_world,
    proposal_input,
    request_input,
)

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")
BEFORE = date(2026, 8, 20)  # "today" when the request is made


# --- the one price rule ---------------------------------------------------------------------------


def test_a_person_month_is_the_rate_less_absent_workdays_to_the_fen():
    # 15000 × (22 − 3) / 22 = 12954.5454… → 12954.55
    assert pricing.person_month_amount(rate=Decimal("15000"), workdays=22, absences=3) == Decimal("12954.55")
    assert pricing.person_month_amount(rate=Decimal("20000"), workdays=18, absences=0) == Decimal("20000.00")
    # the last month of an early end: served 8 of 18 workdays, 1 absent
    assert pricing.person_month_amount(rate=Decimal("20000"), workdays=18, absences=1, served=8) == Decimal(
        "7777.78"
    )
    assert pricing.person_month_amount(rate=Decimal("20000"), workdays=18, absences=30) == Decimal("0.00")


def test_service_months_follow_the_start_date_and_chinese_working_days():
    # September 2026: 22 working days; October 2026: 国庆 1–7 off, 18 working days
    assert pricing.month_period(date(2026, 9, 1), 1) == (date(2026, 9, 1), date(2026, 9, 30))
    assert pricing.month_period(date(2026, 9, 1), 2) == (date(2026, 10, 1), date(2026, 10, 31))
    assert pricing.workdays_between(date(2026, 9, 1), date(2026, 9, 30)) == 22
    assert pricing.workdays_between(date(2026, 10, 1), date(2026, 10, 31)) == 18
    assert pricing.month_for(date(2026, 9, 1), date(2026, 10, 16)) == 2


# --- two months at two levels with an absence -------------------------------------------------------


def test_two_months_at_two_levels_with_an_absence_make_exact_payables_due_by_the_contract_term():
    w = outsourcing_world()
    # given 1 一级 (20000) and 2 二级 (15000) for two months from 2026-09-01, the contract signed
    req = engaged(w)
    order = req.order
    assert req.status == Status.IN_SERVICE
    assert [(s.sequence, s.label, s.amount, s.due_on) for s in order.payment_stages.order_by("sequence")] == [
        (1, "第 1 个月服务费", Decimal("50000.00"), None),
        (2, "第 2 个月服务费", Decimal("50000.00"), None),
    ]
    assert order.total_incl_tax == Decimal("100000.00")
    assert order.status == "履约中"
    assert order.origin.settlement == "after_acceptance"
    assert order.contract.payment_term_days == 30
    profiles = {p.name: p for p in req.accepted_proposal.profiles.all()}
    # when the vendor reports September: one 二级 absent 3 of 22 working days
    days = {p.pk: (22, 0) for p in profiles.values()}
    days[profiles["二级人选2"].pk] = (19, 3)
    report = services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    # then the month is 20000 + 15000 + 15000 × 19/22 = 47954.55
    assert (report.workdays, report.served_workdays, report.amount) == (22, 22, Decimal("47954.55"))
    assert sorted(line.amount for line in report.lines.all()) == [
        Decimal("12954.55"),
        Decimal("15000.00"),
        Decimal("20000.00"),
    ]
    # and the unit's 经办人 accepts it on Friday 2026-10-09
    services.report_accept(actor=w.handler, report=report, now=datetime(2026, 10, 9, 10, 0, tzinfo=CHINA))
    # then only month 1 is payable: 30 days later is Sunday 11-08, so it is due Monday 11-09
    order.refresh_from_db()
    first, second = order.payment_stages.order_by("sequence")
    assert (first.amount, first.due_on, first.status) == (Decimal("47954.55"), date(2026, 11, 9), "due")
    assert (second.amount, second.due_on) == (Decimal("50000.00"), None)
    assert order.status == "待付款"
    assert order.total_incl_tax == Decimal("97954.55")
    from shop.payments.selectors import payable_stage

    assert payable_stage(order) == first
    # when October is reported with the 一级 absent 1 of 18 working days, and accepted
    days = {p.pk: (18, 0) for p in profiles.values()}
    days[profiles["一级人选1"].pk] = (17, 1)
    report2 = services.report_submit(actor=w.vendor, request=req, month=2, days=days, today=date(2026, 11, 2))
    assert report2.amount == Decimal("48888.89")  # 20000 × 17/18 = 18888.89, + 2 × 15000
    services.report_accept(actor=w.handler, report=report2, now=datetime(2026, 11, 2, 9, 0, tzinfo=CHINA))
    # then month 2 is due 2026-12-02 (a Wednesday) and the engagement is over
    second.refresh_from_db()
    assert (second.amount, second.due_on) == (Decimal("48888.89"), date(2026, 12, 2))
    order.refresh_from_db()
    assert order.total_incl_tax == Decimal("96843.44")
    req.refresh_from_db()
    assert req.status == Status.COMPLETED
    assert list(
        PaymentAuditEvent.objects.filter(order=order, kind="month_payable_opened").values_list(
            "stage__sequence", flat=True
        )
    ) == [1, 2]


def test_paying_both_months_marks_the_order_paid():
    from shop.payments.services import stage_mark_paid

    w = outsourcing_world()
    req = engaged(w)
    for month, today in ((1, date(2026, 10, 1)), (2, date(2026, 11, 1))):
        days = {p.pk: (0, 2) for p in req.accepted_proposal.profiles.all()}
        report = services.report_submit(actor=w.vendor, request=req, month=month, days=days, today=today)
        services.report_accept(actor=w.handler, report=report)
        stage = req.order.payment_stages.get(sequence=month)
        stage_mark_paid(stage=stage, method="bank_transfer", reference=f"T{month}")
    req.order.refresh_from_db()
    assert req.order.status == "已付款"


def test_a_month_cannot_be_accepted_before_the_contract_is_signed():
    w = outsourcing_world()
    req = engaged(w, sign=False)
    days = {p.pk: (22, 0) for p in req.accepted_proposal.profiles.all()}
    report = services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    with pytest.raises(Conflict) as exc:
        services.report_accept(actor=w.handler, report=report)
    assert exc.value.message == "采购合同尚未由双方确认签订，签订后才能验收工作量。"
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert req.order.payment_stages.filter(due_on__isnull=False).count() == 0


# --- refusals: exact messages, nothing changed ------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        ({"lines": "zero"}, "“一级开发师”的人数须为 1 至 50 人。"),
        ({"lines": []}, "请至少选择一个级别并填写人数。"),
        ({"months": 0}, "服务月数须为 1 至 24 个月。"),
        ({"months": 25}, "服务月数须为 1 至 24 个月。"),
        ({"start_date": date(2026, 8, 19)}, "开始日期须晚于今天。"),
        ({"start_date": BEFORE}, "开始日期须晚于今天。"),
        ({"lines": "unknown"}, "未知的开发师级别。"),
        ({"place": "moon"}, "请选择工作地点：现场或远程。"),
        ({"place": "on_site", "city": ""}, "现场工作请填写驻场城市。"),
    ],
)
def test_a_bad_request_is_refused_in_chinese_and_stores_nothing(change, message):
    w = outsourcing_world()
    if change.get("lines") == "zero":
        change = {"lines": [(w.levels[0].pk, 0)]}
    elif change.get("lines") == "unknown":
        stranger = ChildProductFactory(title="四级开发师", price=Decimal("100"))
        change = {"lines": [(stranger.pk, 1)]}
    with pytest.raises(Invalid) as exc:
        services.outsourcing_request_submit(
            actor=w.handler, product=w.product, data=request_input(w, **change), today=BEFORE
        )
    assert exc.value.message == message
    assert OutsourcingRequest.objects.count() == 0


def test_only_a_handler_requests_for_the_unit():
    w = outsourcing_world()
    with pytest.raises(PermissionDenied) as exc:
        services.outsourcing_request_submit(
            actor=w.members["finance"].user, product=w.product, data=request_input(w), today=BEFORE
        )
    assert exc.value.message == "只有本单位的经办人可以提交询价、接受报价或下单。"
    assert OutsourcingRequest.objects.count() == 0


def test_a_rate_below_the_vendors_starting_price_is_refused_and_stores_nothing():
    w = outsourcing_world()
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    with pytest.raises(Invalid) as exc:
        services.proposal_submit(
            actor=w.vendor, request=req, data=proposal_input(req, rates={"二级开发师": "14999.99"})
        )
    assert exc.value.message == "“二级开发师”的月单价不能低于贵公司的标价（起价）¥15,000.00/人·月。"
    assert Proposal.objects.count() == 0 and Profile.objects.count() == 0


def test_a_proposal_needs_one_profile_per_head():
    w = outsourcing_world()
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    data = proposal_input(req)
    short = services.ProposalInput(rates=data.rates, profiles=data.profiles[:-1], note="")
    with pytest.raises(Invalid) as exc:
        services.proposal_submit(actor=w.vendor, request=req, data=short)
    assert exc.value.message == "“二级开发师”需要 2 名人选，当前提供 1 名。"
    assert Proposal.objects.count() == 0


def test_a_vendor_that_does_not_list_the_levels_cannot_propose():
    w = outsourcing_world()
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    other, _partner = make_vendor_user()
    with pytest.raises(PermissionDenied) as exc:
        services.proposal_submit(actor=other, request=req, data=proposal_input(req))
    assert exc.value.message == "贵公司未在本商城上架本需求的全部级别，不能提交方案。"


def test_days_worked_beyond_the_months_workdays_are_refused_and_nothing_is_stored():
    w = outsourcing_world()
    req = engaged(w, sign=False)
    profiles = list(req.accepted_proposal.profiles.all())
    days = {p.pk: (22, 0) for p in profiles}
    days[profiles[0].pk] = (23, 0)
    with pytest.raises(Invalid) as exc:
        services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    assert exc.value.message == f"“{profiles[0].name}”的出勤天数（23 天）不能超过当月工作日（22 天）。"
    days[profiles[0].pk] = (20, 3)
    with pytest.raises(Invalid) as exc:
        services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    assert (
        exc.value.message == f"“{profiles[0].name}”的出勤与缺勤天数合计（23 天）不能超过当月工作日（22 天）。"
    )
    assert WorkReport.objects.count() == 0


def test_a_month_is_reported_after_it_ends_and_in_order():
    w = outsourcing_world()
    req = engaged(w, sign=False)
    days = {p.pk: (22, 0) for p in req.accepted_proposal.profiles.all()}
    with pytest.raises(Conflict) as exc:
        services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 9, 29))
    assert exc.value.message == "第 1 个月（2026-09-01 至 2026-09-30）尚未结束，请在月末后提交工作量。"
    with pytest.raises(Conflict) as exc:
        services.report_submit(actor=w.vendor, request=req, month=2, days=days, today=date(2026, 11, 2))
    assert exc.value.message == "请按月份顺序提交：当前应提交第 1 个月的工作量。"
    assert WorkReport.objects.count() == 0


def test_a_rejected_month_is_submitted_again():
    w = outsourcing_world()
    req = engaged(w, sign=False)
    days = {p.pk: (22, 0) for p in req.accepted_proposal.profiles.all()}
    report = services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    with pytest.raises(Invalid):
        services.report_reject(actor=w.handler, report=report, reason=" ")
    services.report_reject(actor=w.handler, report=report, reason="缺勤记录不符")
    report.refresh_from_db()
    assert (report.status, report.reject_reason) == (ReportStatus.REJECTED, "缺勤记录不符")
    first = req.accepted_proposal.profiles.first()
    days[first.pk] = (21, 1)
    again = services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 2))
    assert (again.pk, again.status, again.amount) == (report.pk, ReportStatus.SUBMITTED, Decimal("49090.91"))
    assert list(again.events.values_list("kind", flat=True)) == ["submitted", "rejected", "resubmitted"]


# --- early end with notice ----------------------------------------------------------------------


def test_an_early_end_makes_the_end_month_the_last_pro_rata_and_cancels_the_later_stages():
    w = outsourcing_world()
    req = engaged(w, months=3)
    assert req.order.total_incl_tax == Decimal("150000.00")
    # when the vendor gives notice on 2026-09-15 to end on 2026-10-16 (31 days later)
    req = services.engagement_end_early(
        actor=w.vendor, request=req, end_date=date(2026, 10, 16), reason="项目调整", today=date(2026, 9, 15)
    )
    # then month 3 is cancelled and the order total lowered; both parties were told
    assert (req.status, req.notice_given_on, req.end_date) == (
        Status.ENDING,
        date(2026, 9, 15),
        date(2026, 10, 16),
    )
    stages = list(req.order.payment_stages.order_by("sequence").values_list("status", flat=True))
    assert stages == ["due", "due", "cancelled"]
    req.order.refresh_from_db()
    assert req.order.total_incl_tax == Decimal("100000.00")
    from oscar.core.loading import get_model

    Notification = get_model("communication", "Notification")
    assert Notification.objects.filter(recipient=w.handler, subject__contains="提前终止").count() == 1
    assert Notification.objects.filter(recipient=w.vendor, subject__contains="提前终止").count() == 1
    # when September and then October (8 of 18 working days served, up to the 16th) are reported
    days = {p.pk: (22, 0) for p in req.accepted_proposal.profiles.all()}
    services.report_accept(
        actor=w.handler,
        report=services.report_submit(
            actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1)
        ),
    )
    days = {p.pk: (8, 0) for p in req.accepted_proposal.profiles.all()}
    with pytest.raises(Conflict):
        services.report_submit(actor=w.vendor, request=req, month=2, days=days, today=date(2026, 10, 15))
    report = services.report_submit(actor=w.vendor, request=req, month=2, days=days, today=date(2026, 10, 16))
    # then the month is 50000 × 8/18 = 22222.22 (20000 × 8/18 = 8888.89, 15000 × 8/18 = 6666.67 twice)
    assert (report.workdays, report.served_workdays, report.amount) == (18, 8, Decimal("22222.23"))
    services.report_accept(actor=w.handler, report=report)
    req.refresh_from_db()
    assert req.status == Status.COMPLETED
    req.order.refresh_from_db()
    assert req.order.total_incl_tax == Decimal("72222.23")


@pytest.mark.parametrize(
    "end_date,message",
    [
        (date(2026, 10, 14), "提前终止须至少提前 30 天通知：终止日期不能早于 2026-10-15。"),
        (date(2026, 10, 31), "终止日期须早于服务期的最后一天（2026-10-31）。"),
        (None, "请填写终止日期。"),
    ],
)
def test_an_early_end_without_enough_notice_is_refused_and_changes_nothing(end_date, message):
    w = outsourcing_world()
    req = engaged(w, sign=False)
    with pytest.raises(Invalid) as exc:
        services.engagement_end_early(
            actor=w.handler, request=req, end_date=end_date, reason="预算调整", today=date(2026, 9, 15)
        )
    assert exc.value.message == message
    req.refresh_from_db()
    assert (req.status, req.end_date) == (Status.IN_SERVICE, None)
    assert req.order.payment_stages.filter(status=PaymentStage.Status.CANCELLED).count() == 0


# --- who sees a CV ----------------------------------------------------------------------------------


def test_a_cv_is_served_to_its_unit_its_vendor_and_operators_only():
    w = outsourcing_world()
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    services.proposal_submit(actor=w.vendor, request=req, data=proposal_input(req))
    profile = Profile.objects.first()
    url = f"/outsourcing/cv/{profile.pk}/"
    other_vendor, other_partner = make_vendor_user(partner=PartnerFactory())
    ChildProductFactory(parent=w.product, title="一级开发师", price=Decimal("20000"), partner=other_partner)
    _unit, others = make_unit(roles_by_name={"handler": ["handler"]})
    expectations = [
        (w.handler, 200),
        (w.members["approver"].user, 200),  # sees the unit's purchases
        (w.members["finance"].user, 404),  # 财务 does not see purchasing documents
        (w.vendor, 200),
        (OperatorFactory(), 200),
        (other_vendor, 404),
        (others["handler"].user, 404),
    ]
    for user, status in expectations:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert (
                b"".join(response.streaming_content) == b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            )
            assert response["Content-Disposition"].startswith("attachment")
    assert Client().get(url).status_code == 302  # to the login page


def test_an_engagement_order_is_not_delivered_and_accepted_in_one_go():
    from shop.fulfilment.services import delivery_record

    w = outsourcing_world()
    req = engaged(w)
    line = req.order.lines.first()
    # when the vendor tries the one-off delivery of the whole engagement
    with pytest.raises(Conflict) as exc:
        delivery_record(
            order=req.order, line_id=line.pk, actor=w.vendor, kind="service", quantity=1, description="全部"
        )
    # then it is refused: the months are accepted one by one, nothing becomes payable
    assert exc.value.message == "人才外包按月验收：供应商每月在“人才外包”中提交工作量，由采购单位逐月验收。"
    assert req.order.payment_stages.filter(due_on__isnull=False).count() == 0


def test_the_request_form_sent_twice_makes_one_request():
    from datetime import timedelta

    from django.utils import timezone

    w = outsourcing_world()
    client = Client()
    client.force_login(w.handler)
    form = {
        "title": "政务云运维开发",
        f"headcount_{w.levels[2].pk}": "2",
        "months": "3",
        "start_date": f"{timezone.localdate() + timedelta(days=3):%Y-%m-%d}",
        "place": "remote",
        "skills": "Vue、TypeScript",
        "submission_token": "outsourcing-token-0001",
    }
    first = client.post(f"/outsourcing/new/{w.product.pk}/", form)
    second = client.post(f"/outsourcing/new/{w.product.pk}/", form)
    req = OutsourcingRequest.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/outsourcing/{req.number}/"
    assert [(line.level_name, line.headcount) for line in req.lines.all()] == [("三级开发师", 2)]
    assert (req.place, req.city, req.months) == ("remote", "", 3)


def test_a_government_unit_accepts_a_proposal_only_within_the_direct_purchase_limit():
    w = outsourcing_world()
    # given a request of 1 一级 and 2 二级 for 5 months: 5 × ¥50,000 = ¥250,000
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w, months=5), today=BEFORE
    )
    proposal = services.proposal_submit(actor=w.vendor, request=req, data=proposal_input(req))
    # when the 经办人 of the government unit accepts it
    with pytest.raises(Conflict) as exc:
        services.proposal_accept(actor=w.handler, proposal=proposal, today=BEFORE)
    # then it is refused by the 直购 limit and nothing is ordered
    assert exc.value.message == (
        "本单位为政府采购单位，单次直购或协商报价不得超过 ¥200,000.00；本次金额 ¥250,000.00，"
        "请通过“询价竞价”发起网上询价或反向竞价。"
    )
    req.refresh_from_db()
    assert (req.status, req.order_id) == (Status.OPEN, None)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_accepting_one_proposal_declines_the_others_and_records_it():
    w = outsourcing_world()
    req = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    rival_partner = PartnerFactory(name="麓山软件（测试）")
    rival, _ = make_vendor_user(partner=rival_partner)
    # given a second vendor that lists the same two levels
    from oscar.core.loading import get_model

    StockRecord = get_model("partner", "StockRecord")
    for level in w.levels[:2]:
        StockRecord.objects.create(
            product=level,
            partner=rival_partner,
            partner_sku=f"R-{level.pk}",
            price=level.stockrecords.first().price,
        )
    mine = services.proposal_submit(actor=w.vendor, request=req, data=proposal_input(req))
    theirs = services.proposal_submit(actor=rival, request=req, data=proposal_input(req))
    services.proposal_accept(actor=w.handler, proposal=mine, today=BEFORE)
    theirs.refresh_from_db()
    assert theirs.status == "declined"
    assert list(req.events.values_list("kind", flat=True)) == [
        "submitted",
        "proposal_submitted",
        "proposal_submitted",
        "proposal_declined",
        "accepted",
    ]


def test_the_unit_finance_is_reminded_of_an_accepted_month_only():
    from shop.core.models import OutboundEmail
    from shop.payments.services import payables_remind

    w = outsourcing_world()
    req = engaged(w)
    days = {p.pk: (22, 0) for p in req.accepted_proposal.profiles.all()}
    report = services.report_submit(actor=w.vendor, request=req, month=1, days=days, today=date(2026, 10, 1))
    services.report_accept(actor=w.handler, report=report, now=datetime(2026, 10, 9, 10, 0, tzinfo=CHINA))
    # when the reminders run 7 days before month 1 is due (2026-11-09)
    sent = payables_remind(today=date(2026, 11, 2))
    # then the 财务 is reminded of month 1; month 2, not accepted yet, is nobody's payable
    assert sent == [(req.order.number, "before")]
    mail = OutboundEmail.objects.get(dedupe_key__startswith="payments:payable-reminder:")
    assert mail.to == [w.members["finance"].user.email]
    assert "第 1 个月服务费 ¥50,000.00 将于 2026-11-09 到期" in mail.body


# --- the unit's own rules: budget line and approval ---------------------------------------------


def _with_budget(w, amount="300000.00"):
    from django.utils import timezone

    from shop.buyers import services as unit_services
    from shop.buyers.models import BudgetLine

    unit_services.approval_rules_default(unit=w.unit)  # one approval from ¥50,000
    return BudgetLine.objects.create(
        unit=w.unit,
        name="政务云运维",
        year=timezone.localdate().year,
        amount=Decimal(amount),
        fund_nature="fiscal",
    )


def _proposed(w):
    request = services.outsourcing_request_submit(
        actor=w.handler, product=w.product, data=request_input(w), today=BEFORE
    )
    return request, services.proposal_submit(actor=w.vendor, request=request, data=proposal_input(request))


def test_an_engagement_reaching_the_units_rule_waits_for_its_approval_on_the_named_budget_line():
    from shop.buyers.models import ApprovalRequest
    from shop.buyers.services import approval_decide

    # given a unit with the ¥50,000 approval rule and a budget line, and a ¥100,000 proposal
    w = outsourcing_world()
    line = _with_budget(w)
    request, proposal = _proposed(w)
    # when the 经办人 accepts it without naming a budget line, then it is refused and nothing changes
    with pytest.raises(Invalid) as refused:
        services.proposal_accept(actor=w.handler, proposal=proposal, today=BEFORE)
    assert refused.value.message == "请选择本次采购使用的预算。"
    request.refresh_from_db()
    assert (request.status, request.order_id) == (Status.OPEN, None)
    # when it names the line, then the order waits for the unit's approval, holding the line
    services.proposal_accept(actor=w.handler, proposal=proposal, budget_line_id=line.pk, today=BEFORE)
    request.refresh_from_db()
    order = request.order
    assert (order.status, order.origin.budget_line_id) == ("待审批", line.pk)
    approval = ApprovalRequest.objects.get(kind="order", subject_id=order.pk)
    line.refresh_from_db()
    assert line.committed == Decimal("100000.00")
    # when the 审批人 approves, then the order is in service (paid month by month after acceptance)
    approval_decide(approval=approval, actor=w.members["approver"].user, decision="approve")
    order.refresh_from_db()
    request.refresh_from_db()
    assert (order.status, request.status) == ("履约中", Status.IN_SERVICE)


def test_a_refused_approval_cancels_the_order_and_withdraws_the_engagement():
    from shop.buyers.models import ApprovalRequest
    from shop.buyers.services import approval_decide

    # given an accepted proposal waiting for the unit's approval
    w = outsourcing_world()
    line = _with_budget(w)
    request, proposal = _proposed(w)
    services.proposal_accept(actor=w.handler, proposal=proposal, budget_line_id=line.pk, today=BEFORE)
    request.refresh_from_db()
    approval = ApprovalRequest.objects.get(kind="order", subject_id=request.order_id)
    # when the 审批人 rejects it
    approval_decide(
        approval=approval, actor=w.members["approver"].user, decision="reject", comment="本年度不外包开发"
    )
    # then the order is cancelled, the budget released and the engagement withdrawn, audited once
    request.refresh_from_db()
    line.refresh_from_db()
    assert (request.order.status, request.status, line.committed) == (
        "已取消",
        Status.WITHDRAWN,
        Decimal("0.00"),
    )
    assert list(request.events.filter(kind="order_cancelled").values_list("note", flat=True)) == [
        f"订单 {request.order.number} 未获本单位审批通过，已取消；外包服务不再进行。"
    ]


def test_below_the_rule_the_engagement_commits_its_budget_line_at_once():
    # given a unit whose approval rule starts above the engagement's ¥100,000
    from shop.buyers.models import ApprovalRule

    w = outsourcing_world()
    line = _with_budget(w)
    ApprovalRule.objects.filter(unit=w.unit).update(min_amount=Decimal("500000.00"))
    request, proposal = _proposed(w)
    # when the 经办人 accepts the proposal on the line
    services.proposal_accept(actor=w.handler, proposal=proposal, budget_line_id=line.pk, today=BEFORE)
    # then the order is in service at once and the line holds the whole engagement
    request.refresh_from_db()
    line.refresh_from_db()
    assert (request.order.status, line.committed) == ("履约中", Decimal("100000.00"))


def test_the_accept_form_asks_for_the_budget_line_and_the_page_places_the_order_on_it():
    # given a unit with budget lines and a proposal for its 经办人
    from datetime import timedelta

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    w = outsourcing_world()
    line = _with_budget(w)
    request = services.outsourcing_request_submit(
        actor=w.handler,
        product=w.product,
        data=request_input(w, start_date=timezone.localdate() + timedelta(days=30)),
    )
    proposal = services.proposal_submit(actor=w.vendor, request=request, data=proposal_input(request))
    client = Client()
    client.force_login(w.handler)
    detail = reverse("outsourcing:detail", args=[request.number])
    # then the form offers the unit's lines with what is available
    page = client.get(detail).content.decode()
    assert f'<select class="form-control" name="budget_line" id="budget-line-{proposal.pk}" required>' in page
    assert f'<option value="{line.pk}">{line.year} 政务云运维（可用 ¥300,000.00）</option>' in page
    # when it is posted without a line, then it is refused in Chinese and nothing is placed
    accept = reverse("outsourcing:accept", args=[request.number, proposal.pk])
    refused = client.post(accept, {})
    assert refused.status_code == 400 and "请选择本次采购使用的预算。" in refused.content.decode()
    request.refresh_from_db()
    assert request.order_id is None
    # when it is posted with the line, then the order waits for approval on that line
    assert client.post(accept, {"budget_line": str(line.pk)}).status_code == 302
    request.refresh_from_db()
    assert (request.order.status, request.order.origin.budget_line_id) == ("待审批", line.pk)
