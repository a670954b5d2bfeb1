"""Property-based fuzzing (hypothesis) of the service forms — 融资申请, 合作伙伴申请, 预约咨询:
never a 500, invalid input stores no row, valid input exactly one."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given

from shop.callbacks.models import CallbackRequest
from shop.financing.models import FinancingApplication
from shop.partners.models import PartnerApplication
from tests.factories.accounts import UserFactory
from tests.factories.services import PDF, financing_world
from tests.security.test_fuzzing import FUZZ, assert_both_kinds, assert_outcome, fuzzed, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings, tmp_path):
    settings.RATE_LIMITS = {}
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_the_financing_application_form():
    product, _partner, _vendor, _unit, members = financing_world()
    client = signed_in(members["handler"].user)
    url = reverse("financing:apply", args=[product.pk])
    valid = {
        "org_name": "长沙市示范局",
        "project_name": "智慧城市一期",
        "project_type": "epc",
        "project_type_other": "",
        "region": "长沙市/岳麓区",
        "amount": "10000000",
        "term_months": "12",
        "purpose": "平台建设",
        "contact_name": "王经办",
        "contact_phone": "13812345678",
    }
    outcomes = []

    @FUZZ
    @given(data=fuzzed(valid))
    def run(data):
        files = {
            "document_approval": SimpleUploadedFile("立项批复.pdf", PDF),
            "document_feasibility": SimpleUploadedFile("可研报告.pdf", PDF),
        }
        before = FinancingApplication.objects.count()
        response = client.post(url, {**data, **files})
        assert_outcome(response, before, FinancingApplication.objects.count(), "/financing/RZ", outcomes)

    run()
    assert_both_kinds(outcomes)


def test_the_partner_application_form():
    valid = {
        "company_name": "湘潭智城科技有限公司",
        "uscc": "91430100MA4L01111G",
        "region": "湘潭市/韶山市",
        "industry": "gov_it",
        "resources": "信息化项目",
        "contact_name": "赵经理",
        "contact_phone": "0731-55551234",
        "contact_email": "",
    }
    outcomes = []

    @FUZZ
    @given(data=fuzzed(valid))
    def run(data):
        client = signed_in(UserFactory())  # one pending application per region and applicant
        before = PartnerApplication.objects.count()
        response = client.post(reverse("partners:apply"), data)
        assert_outcome(response, before, PartnerApplication.objects.count(), "/partners/mine/", outcomes)

    run()
    assert_both_kinds(outcomes)


def test_the_call_back_form():
    client = signed_in(UserFactory())
    valid = {
        "name": "李女士",
        "phone": "13812345678",
        "window": "morning",
        "preferred_date": "",
        "topic": "",
        "message": "",
    }
    outcomes = []

    @FUZZ
    @given(data=fuzzed(valid))
    def run(data):
        before = CallbackRequest.objects.count()
        response = client.post(reverse("callbacks:book"), data)
        assert_outcome(response, before, CallbackRequest.objects.count(), "/callbacks/", outcomes)

    run()
    assert_both_kinds(outcomes)
