"""政企咨询服务包 steps: 待确认 → 已确认 (or 已改期待买方确认 → 已确认) → 已下单 → 报告已提交 →
已验收, or 已取消. Each move is one audit event; the order is the mall's (sold by the consultant,
its contract draft for a government unit), the report a 服务交付 and its acceptance the mall's
履约验收 (合格 opens the payable). Illegal moves and strangers are refused and change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shop.buyers.models import OrgType
from shop.consulting import services
from shop.consulting.models import BookedDay, Engagement
from shop.contracts.models import Contract
from shop.core.exceptions import Conflict, IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.fulfilment.models import Delivery
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.consulting import booking, consulting_world
from tests.factories.fulfilment import set_prepay

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _report():
    return SimpleUploadedFile("咨询报告.pdf", PDF, content_type="application/pdf")


def _requested(**unit_kwargs):
    parent, variants, partner, consultant, unit, members = consulting_world(**unit_kwargs)
    handler = members["handler"].user
    engagement = services.engagement_request(actor=handler, product=parent, data=booking(variants["天"]))
    return engagement, consultant, handler, members, partner


def _state(engagement):
    engagement.refresh_from_db()
    return engagement.status, engagement.events.count()


def test_a_company_units_engagement_from_booking_to_the_accepted_report(django_capture_on_commit_callbacks):
    # given a company unit's 3-day booking with a consultant who is paid after acceptance
    engagement, consultant, handler, _members, partner = _requested(org_type=OrgType.PRIVATE)
    set_prepay(partner, allowed=False)
    # when the consultant confirms at ¥600 a day, the 经办人 orders, the consultant hands in the
    # report and the 经办人 accepts it
    services.engagement_confirm(engagement=engagement, actor=consultant, unit_price="600", note="三天现场")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.engagement_order(engagement=engagement, actor=handler)
    services.engagement_report(
        engagement=engagement, actor=consultant, description="比选结论与建议", files=[_report()]
    )
    services.engagement_accept_report(engagement=engagement, actor=handler, passed=True, comments="报告完整")
    engagement.refresh_from_db()
    # then it is 已验收 with one event per step, by whom
    assert engagement.get_status_display() == "已验收"
    assert list(
        engagement.events.order_by("pk").values_list("kind", "from_status", "to_status", "actor_id")
    ) == [
        ("requested", "", "requested", handler.pk),
        ("confirmed", "requested", "confirmed", consultant.pk),
        ("ordered", "confirmed", "ordered", handler.pk),
        ("reported", "ordered", "reported", consultant.pk),
        ("report_accepted", "reported", "accepted", handler.pk),
    ]
    # and the order is the consultant's: 3 × ¥600 at 6%, for the unit, with no contract (a
    # company's direct order), its report a service delivery, accepted, now due
    order.refresh_from_db()
    line = order.lines.get()
    assert (line.partner_id, line.quantity, line.unit_price_incl_tax) == (partner.pk, 3, Decimal("600.00"))
    assert order.total_incl_tax == Decimal("1800.00")
    assert (order.origin.source, order.origin.reference, order.origin.unit_id) == (
        "direct",
        engagement.number,
        engagement.unit_id,
    )
    assert engagement.order_id == order.pk
    assert not Contract.objects.filter(order=order).exists()
    delivery = Delivery.objects.get(line__line=line)
    assert (delivery.kind, delivery.quantity) == ("service", 3)
    assert [a.display_name for a in delivery.attachments.all()] == ["咨询报告.pdf"]
    assert order.status == "待付款"
    assert order.payment_stages.get().due_on is not None


def test_a_government_units_order_gets_its_contract_draft_and_no_report_before_signing(
    django_capture_on_commit_callbacks,
):
    engagement, consultant, handler, _m, _p = _requested()  # 党政机关
    services.engagement_confirm(engagement=engagement, actor=consultant, unit_price="500")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.engagement_order(engagement=engagement, actor=handler)
    contract = Contract.objects.get(order=order)
    assert contract.get_status_display() == "待签订"
    assert contract.partner_id == engagement.partner_id
    # when the consultant tries to hand in the report before the contract is signed
    with pytest.raises(Conflict) as exc:
        services.engagement_report(
            engagement=engagement, actor=consultant, description="报告", files=[_report()]
        )
    # then it is refused and nothing is delivered
    assert exc.value.message == "该订单的合同尚未由双方确认签订，签订后才能交付。"
    assert _state(engagement) == ("ordered", 3)
    assert not Delivery.objects.exists()


def test_a_new_date_proposed_moves_the_held_days_and_the_buyer_accepts_it():
    engagement, consultant, handler, _m, partner = _requested()
    new_start = engagement.start_date + timedelta(days=7)
    services.engagement_propose(
        engagement=engagement,
        actor=consultant,
        start_date=new_start,
        unit_price="550.00",
        note="原日期已有安排",
    )
    engagement.refresh_from_db()
    assert engagement.get_status_display() == "已改期待买方确认"
    assert (engagement.start_date, engagement.end_date) == (new_start, new_start + timedelta(days=2))
    assert engagement.requested_start == new_start - timedelta(days=7)
    assert engagement.confirmed_total == Decimal("1650.00")
    assert list(BookedDay.objects.filter(partner=partner).values_list("day", flat=True)) == [
        new_start + timedelta(days=i) for i in range(3)
    ]
    services.engagement_accept_proposal(engagement=engagement, actor=handler)
    assert _state(engagement) == ("confirmed", 3)


def test_cancelling_releases_the_days_and_ends_it():
    engagement, _consultant, handler, _m, _p = _requested()
    services.engagement_cancel(engagement=engagement, actor=handler, reason="项目延期")
    engagement.refresh_from_db()
    assert (engagement.get_status_display(), engagement.cancel_reason) == ("已取消", "项目延期")
    assert BookedDay.objects.count() == 0
    with pytest.raises(IllegalTransition) as exc:
        services.engagement_confirm(engagement=engagement, actor=_consultant, unit_price="500")
    assert exc.value.message == "当前状态为“已取消”，不能变更为“已确认”。"


def test_a_cancel_needs_its_reason():
    engagement, _consultant, handler, _m, _p = _requested()
    with pytest.raises(Invalid) as exc:
        services.engagement_cancel(engagement=engagement, actor=handler, reason="  ")
    assert exc.value.message == "请填写取消原因。"
    assert _state(engagement) == ("requested", 1)


def test_the_buyer_cannot_order_before_the_consultant_confirmed():
    engagement, _c, handler, _m, _p = _requested()
    with pytest.raises(IllegalTransition) as exc:
        services.engagement_order(engagement=engagement, actor=handler)
    assert exc.value.message == "当前状态为“待确认”，不能变更为“已下单”。"
    assert _state(engagement) == ("requested", 1)
    assert engagement.order_id is None


@pytest.mark.parametrize("price", ["0", "-5", "abc", "12.345", "99999999"])
def test_a_bad_confirmed_price_is_refused(price):
    engagement, consultant, _h, _m, _p = _requested()
    with pytest.raises(Invalid):
        services.engagement_confirm(engagement=engagement, actor=consultant, unit_price=price)
    assert _state(engagement) == ("requested", 1)
    assert engagement.unit_price is None


def test_another_vendor_and_the_operator_may_not_confirm_and_a_stranger_not_cancel():
    engagement, _c, _h, _m, _p = _requested()
    other_vendor, _ = make_vendor_user()
    with pytest.raises(NotFound):
        services.engagement_confirm(engagement=engagement, actor=other_vendor, unit_price="500")
    with pytest.raises(PermissionDenied) as exc:
        services.engagement_confirm(engagement=engagement, actor=OperatorFactory(), unit_price="500")
    assert exc.value.message == "只有该预约的咨询顾问可以办理。"
    with pytest.raises(NotFound):
        services.engagement_cancel(engagement=engagement, actor=other_vendor, reason="无关")
    assert _state(engagement) == ("requested", 1)


def test_an_approver_of_the_unit_sees_it_but_may_not_order():
    engagement, consultant, _h, members, _p = _requested()
    services.engagement_confirm(engagement=engagement, actor=consultant, unit_price="500")
    with pytest.raises(PermissionDenied) as exc:
        services.engagement_order(engagement=engagement, actor=members["approver"].user)
    assert exc.value.message == "只有本单位的经办人可以提交询价、接受报价或下单。"
    assert _state(engagement) == ("confirmed", 2)


def test_a_rejected_report_goes_back_to_the_consultant_with_the_reason(django_capture_on_commit_callbacks):
    engagement, consultant, handler, _m, partner = _requested(org_type=OrgType.PRIVATE)
    set_prepay(partner, allowed=False)
    services.engagement_confirm(engagement=engagement, actor=consultant, unit_price="500")
    with django_capture_on_commit_callbacks(execute=True):
        services.engagement_order(engagement=engagement, actor=handler)
    services.engagement_report(engagement=engagement, actor=consultant, description="初稿", files=[_report()])
    with pytest.raises(Invalid) as exc:
        services.engagement_accept_report(engagement=engagement, actor=handler, passed=False, comments="")
    assert exc.value.message == "请填写不合格原因。"
    assert _state(engagement) == ("reported", 4)
    services.engagement_accept_report(
        engagement=engagement, actor=handler, passed=False, comments="缺少价格比选表"
    )
    assert _state(engagement) == ("ordered", 5)
    # the consultant hands in a new report, which is accepted
    services.engagement_report(
        engagement=engagement, actor=consultant, description="修订稿", files=[_report()]
    )
    services.engagement_accept_report(engagement=engagement, actor=handler, passed=True)
    assert _state(engagement) == ("accepted", 7)


def test_a_report_without_a_file_is_refused():
    engagement, consultant, handler, _m, partner = _requested(org_type=OrgType.PRIVATE)
    with pytest.raises(Invalid) as exc:
        services.engagement_report(engagement=engagement, actor=consultant, description="报告", files=[])
    assert exc.value.message == "请上传咨询报告。"
    assert Engagement.objects.get().status == "requested"


def test_the_buyer_scope_and_the_consultant_scope():
    from shop.consulting import selectors

    engagement, consultant, handler, members, _p = _requested()
    other_vendor, _ = make_vendor_user()
    assert list(selectors.engagements_for_buyer(user=members["approver"].user)) == [engagement]
    assert list(selectors.engagements_for_buyer(user=members["admin"].user)) == [engagement]
    assert list(selectors.engagements_for_consultant(user=consultant)) == [engagement]
    assert list(selectors.engagements_for_consultant(user=other_vendor)) == []
    assert list(selectors.engagements_for_consultant(user=OperatorFactory())) == [engagement]
    start = timezone.localdate()
    assert selectors.booked_days(partner_id=engagement.partner_id, since=start).count() == 3


def test_a_report_delivered_and_inspected_on_the_orders_own_pages_is_followed(
    django_capture_on_commit_callbacks,
):
    from shop.fulfilment.services import acceptance_record, delivery_record

    # given an ordered engagement whose consultant delivers on the order's 交付 page instead
    engagement, consultant, handler, _m, partner = _requested(org_type=OrgType.PRIVATE)
    set_prepay(partner, allowed=False)
    services.engagement_confirm(engagement=engagement, actor=consultant, unit_price="500")
    with django_capture_on_commit_callbacks(execute=True):
        order = services.engagement_order(engagement=engagement, actor=handler)
    line = order.lines.get()

    def deliver():
        delivery_record(
            order=order,
            line_id=line.pk,
            actor=consultant,
            kind="service",
            quantity=3,
            description="报告",
            attachments=[_report()],
        )

    deliver()
    # when beat follows it: 报告已提交; the buyer rejects it there: back to 已下单; delivered
    # again and accepted there: 已验收 — one event each, and a second run moves nothing
    assert services.engagements_sync() == [engagement.number]
    assert _state(engagement) == ("reported", 4)
    acceptance_record(
        order=order, line_id=line.pk, actor=handler, quantity=3, result="failed", comments="缺附表"
    )
    assert services.engagements_sync() == [engagement.number]
    assert _state(engagement) == ("ordered", 5)
    deliver()
    acceptance_record(order=order, line_id=line.pk, actor=handler, quantity=3, result="passed")
    assert services.engagements_sync() == [engagement.number]
    assert _state(engagement) == ("accepted", 6)
    assert services.engagements_sync() == []
    assert list(
        engagement.events.filter(kind="followed").values_list("from_status", "to_status", "actor")
    ) == [
        ("ordered", "reported", None),
        ("reported", "ordered", None),
        ("ordered", "accepted", None),
    ]
