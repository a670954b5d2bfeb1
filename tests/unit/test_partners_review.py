"""合作伙伴: an application names a Hunan region (a 市州 or one of its 县市区), an industry and
resources; operators approve it (listed at once on the public page of its region) or reject
it with a reason; the applicant is told either way; bad input stores nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.core.exceptions import Conflict, IllegalTransition, Invalid, NotFound
from shop.partners import selectors, services
from shop.partners.models import PartnerApplication, PartnerApplicationEvent
from tests.factories.accounts import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _input(**changes):
    values = {
        "company_name": "湘潭智城科技有限公司",
        "uscc": "91430100MA4L01111G",
        "region": "湘潭市/韶山市",
        "industry": "gov_it",
        "resources": "服务韶山市多个委办局的信息化项目",
        "contact_name": "赵经理",
        "contact_phone": "0731-55551234",
        "contact_email": "",
    }
    values.update(changes)
    return services.PartnerInput(**values)


def test_an_approved_partner_is_listed_on_its_regions_page_without_contact_details():
    # given an application for 韶山市 and an operator
    applicant = UserFactory()
    application = services.partner_apply(user=applicant, data=_input())
    operator = OperatorFactory()
    # then before the review the public page of 湘潭市 does not list it
    page = Client().get(reverse("partners:region", args=["430300"]))
    assert "湘潭智城科技有限公司" not in page.content.decode()
    # when the operator approves it
    services.partner_review(application=application, actor=operator, approve=True)
    # then it is listed under 湘潭市 / 韶山市, with neither the contact person nor the phone
    page = Client().get(reverse("partners:region", args=["430300"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "湘潭智城科技有限公司" in text and "韶山市" in text and "政务信息化" in text
    assert "赵经理" not in text and "55551234" not in text
    assert [p.company_name for p in selectors.partners_by_region()["湘潭市"]] == ["湘潭智城科技有限公司"]
    assert "湘潭智城科技有限公司" in Client().get(reverse("partners:index")).content.decode()
    # and the review is one event; the applicant got a notice
    assert list(application.events.values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "approved"),
    ]
    assert applicant.notifications.get().subject == f"合作伙伴申请 {application.number}：已通过"


def test_a_rejection_needs_a_reason_and_is_final():
    application = services.partner_apply(user=UserFactory(), data=_input())
    operator = OperatorFactory()
    with pytest.raises(Invalid) as refused:
        services.partner_review(application=application, actor=operator, approve=False, note="")
    assert refused.value.message == "请填写未通过的原因。"
    services.partner_review(application=application, actor=operator, approve=False, note="资质不全")
    with pytest.raises(IllegalTransition):
        services.partner_review(application=application, actor=operator, approve=True)
    application.refresh_from_db()
    assert (application.status, application.review_note) == ("rejected", "资质不全")
    assert selectors.partners_by_region()["湘潭市"] == []


def test_only_operators_review():
    application = services.partner_apply(user=UserFactory(), data=_input())
    with pytest.raises(NotFound):
        services.partner_review(application=application, actor=application.applicant, approve=True)
    application.refresh_from_db()
    assert application.status == "pending"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region": "湖北省"}, "region", "请选择湖南省的市州或县（市、区）。"),
        ({"region": "湘潭市/岳麓区"}, "region", "请选择湖南省的市州或县（市、区）。"),
        ({"uscc": "91430100MA4L01111A"}, "uscc", "统一社会信用代码校验位不正确，请核对后重新输入。"),
        (
            {"contact_phone": "5555"},
            "contact_phone",
            "请输入有效的电话号码：11 位手机号码，或带区号的固定电话（如 0731-88881234）。",
        ),
        ({"industry": "mining"}, "industry", "请选择行业。"),
        ({"resources": ""}, "resources", "请介绍贵公司的资源与优势。"),
    ],
)
def test_bad_input_stores_nothing(changes, field, message):
    with pytest.raises(Invalid) as refused:
        services.partner_apply(user=UserFactory(), data=_input(**changes))
    assert refused.value.fields[field] == [message]
    assert PartnerApplication.objects.count() == 0 and PartnerApplicationEvent.objects.count() == 0


def test_a_whole_city_may_be_applied_for_once_at_a_time():
    user = UserFactory()
    application = services.partner_apply(user=user, data=_input(region="湘潭市"))
    assert application.region_label == "湘潭市（全市州）"
    with pytest.raises(Conflict):
        services.partner_apply(user=user, data=_input(region="湘潭市"))
    assert PartnerApplication.objects.count() == 1
