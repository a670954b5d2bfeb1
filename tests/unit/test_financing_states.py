"""规划融资 steps: 已提交 → 初审 → 补充材料 → 已推荐至金融机构 → 已批复 / 未通过, moved by operators
or the package's vendor, each one audit event and one notice + e-mail to the applicant; illegal
moves and strangers are refused and change nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from shop.core.exceptions import IllegalTransition, Invalid, NotFound, PermissionDenied
from shop.core.models import OutboundEmail
from shop.financing import selectors, services
from shop.financing.models import FinancingEvent
from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory, make_vendor_user
from tests.factories.services import application_input, documents, financing_world, pdf

pytestmark = pytest.mark.django_db
Notification = get_model("communication", "Notification")


def _application():
    product, partner, vendor, unit, members = financing_world()
    application = services.financing_apply(
        actor=members["handler"].user, product=product, data=application_input(), documents=documents()
    )
    return application, vendor, members


def test_the_full_path_to_approval_each_step_audited_and_told():
    # given a submitted application
    application, vendor, members = _application()
    operator = OperatorFactory()
    applicant = members["handler"].user
    # when the operator starts the review, asks for documents, the applicant supplements them,
    # the vendor recommends it and records the bank's approval
    services.financing_move(application=application, actor=operator, to="review")
    services.financing_move(
        application=application, actor=operator, to="supplement", note="请补充资金平衡方案"
    )
    services.financing_supplement(
        application=application, actor=applicant, documents=[("other", pdf("资金平衡方案.pdf"))]
    )
    services.financing_move(application=application, actor=vendor, to="recommended", note="已推荐至合作银行")
    services.financing_move(application=application, actor=vendor, to="approved")
    application.refresh_from_db()
    # then it is 已批复 with one event per step, in order, by whom
    assert application.get_status_display() == "已批复"
    events = list(
        application.events.order_by("pk").values_list("kind", "from_status", "to_status", "actor_id")
    )
    assert events == [
        ("submitted", "", "submitted", applicant.pk),
        ("status", "submitted", "review", operator.pk),
        ("status", "review", "supplement", operator.pk),
        ("supplemented", "supplement", "review", applicant.pk),
        ("status", "review", "recommended", vendor.pk),
        ("status", "recommended", "approved", vendor.pk),
    ]
    # and the applicant got a notice and an e-mail for each of the handlers' four steps
    notices = list(
        Notification.objects.filter(recipient=applicant).order_by("pk").values_list("subject", flat=True)
    )
    assert notices == [
        f"融资申请 {application.number}：初审",
        f"融资申请 {application.number}：补充材料",
        f"融资申请 {application.number}：已推荐至金融机构",
        f"融资申请 {application.number}：已批复",
    ]
    mails = OutboundEmail.objects.filter(to=[applicant.email]).order_by("pk")
    assert [m.subject for m in mails] == [f"【湘慧商城】{n}" for n in notices]
    assert "处理意见：请补充资金平衡方案" in mails[1].body
    # and the supplement is stored with the application
    assert sorted(application.documents.values_list("display_name", flat=True)) == [
        "可研报告.pdf",
        "立项批复.pdf",
        "资金平衡方案.pdf",
    ]


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], "recommended"),  # 已提交 cannot skip 初审
        ([], "approved"),
        ([], "supplement"),
        (["review"], "approved"),  # 初审 cannot approve before a recommendation
        (["review", "recommended"], "supplement"),
        (["review", "rejected"], "review"),  # 未通过 is final
        (["review", "recommended", "approved"], "rejected"),  # 已批复 is final
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(path, to):
    application, _vendor, _members = _application()
    operator = OperatorFactory()
    for step in path:
        services.financing_move(application=application, actor=operator, to=step, note="意见")
    events_before = FinancingEvent.objects.count()
    status_before = application.status
    with pytest.raises(IllegalTransition) as refused:
        services.financing_move(application=application, actor=operator, to=to, note="意见")
    application.refresh_from_db()
    assert application.status == status_before
    assert FinancingEvent.objects.count() == events_before
    assert refused.value.message.startswith(f"当前状态为“{application.get_status_display()}”，不能变更为")


def test_asking_for_documents_or_refusing_needs_a_note():
    application, vendor, _members = _application()
    services.financing_move(application=application, actor=vendor, to="review")
    for to in ("supplement", "rejected"):
        with pytest.raises(Invalid) as refused:
            services.financing_move(application=application, actor=vendor, to=to, note="  ")
        assert refused.value.message == "请填写处理意见（需补充的材料或未通过的原因）。"
    application.refresh_from_db()
    assert application.status == "review"


def test_another_vendor_and_the_applicant_cannot_move_it():
    application, _vendor, members = _application()
    other_vendor, _ = make_vendor_user(partner=PartnerFactory(name="别家供应商"))
    for actor in (other_vendor, members["handler"].user, UserFactory()):
        with pytest.raises(NotFound):
            services.financing_move(application=application, actor=actor, to="review")
    application.refresh_from_db()
    assert application.status == "submitted" and application.events.count() == 1


def test_supplementing_is_only_for_an_application_waiting_for_documents():
    application, _vendor, members = _application()
    with pytest.raises(IllegalTransition):
        services.financing_supplement(
            application=application, actor=members["handler"].user, documents=[("other", pdf())]
        )
    assert application.documents.count() == 2


def test_the_lpr_is_entered_by_operators_with_its_date_and_the_newest_is_current():
    operator = OperatorFactory()
    services.lpr_record(actor=operator, one_year="3.10", five_year="3.60", published_on=date(2026, 10, 20))
    services.lpr_record(actor=operator, one_year="3.00", five_year="3.50", published_on=date(2026, 11, 20))
    current = selectors.current_lpr()
    assert (current.one_year, current.five_year, current.published_on) == (
        Decimal("3.00"),
        Decimal("3.50"),
        date(2026, 11, 20),
    )
    with pytest.raises(PermissionDenied):
        services.lpr_record(
            actor=UserFactory(), one_year="3", five_year="3.5", published_on=date(2026, 11, 20)
        )
    with pytest.raises(Invalid) as refused:
        services.lpr_record(actor=operator, one_year="30", five_year="3.5", published_on=date(2026, 11, 20))
    assert refused.value.message == "1 年期 LPR 应在 0 到 20 之间，最多两位小数（如 3.00）。"
    with pytest.raises(Invalid):
        services.lpr_record(
            actor=operator,
            one_year="3",
            five_year="3.5",
            published_on=timezone.localdate() + timedelta(days=30),
        )
