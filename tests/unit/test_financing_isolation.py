"""Isolation of the service applications, tried: a 规划融资 application and its documents are
read by its unit (members who may see purchases), the package's vendor and operators — nobody
else, not even by number; call-back numbers are whole for operators only; partner applications
are the applicant's and the operators'."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.callbacks import services as callbacks
from shop.financing import services
from shop.partners import services as partners
from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.services import application_input, documents, financing_world, package

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_a_financing_application_and_its_documents_by_reader(private_media):
    # given an application of unit A to vendor A's package, with two documents
    product, _partner, vendor, _unit, members = financing_world()
    application = services.financing_apply(
        actor=members["handler"].user, product=product, data=application_input(), documents=documents()
    )
    doc = application.documents.order_by("pk").first()
    other_unit, other_members = make_unit(roles_by_name={"handler": ["handler"]})
    other_vendor, _ = make_vendor_user(partner=PartnerFactory(name="别家供应商"))
    readers = {
        "经办人": (members["handler"].user, 200, None),
        "管理员 of the unit": (members["admin"].user, 200, None),
        "审批人 of the unit": (members["approver"].user, 200, None),
        "handler of another unit": (other_members["handler"].user, 404, None),
        "buyer without a unit": (UserFactory(), 404, None),
        "the package's vendor": (vendor, None, 200),
        "another vendor": (other_vendor, 404, 404),
        "operator": (OperatorFactory(), None, 200),
    }
    buyer_detail = reverse("financing:detail", args=[application.number])
    buyer_doc = reverse("financing:document", args=[application.number, doc.pk])
    dash_detail = reverse("dashboard:financing-detail", args=[application.number])
    dash_doc = reverse("dashboard:financing-document", args=[application.number, doc.pk])
    seen = {}
    for label, (user, buyer_status, dashboard_status) in readers.items():
        client = _client(user)
        row = []
        if buyer_status is not None:
            row += [client.get(buyer_detail).status_code, client.get(buyer_doc).status_code]
        if dashboard_status is not None:
            row += [client.get(dash_detail).status_code, client.get(dash_doc).status_code]
        seen[label] = row
    # then each reader gets exactly this
    assert seen == {
        "经办人": [200, 200],
        "管理员 of the unit": [200, 200],
        "审批人 of the unit": [200, 200],
        "handler of another unit": [404, 404],
        "buyer without a unit": [404, 404],
        "the package's vendor": [200, 200],
        "another vendor": [404, 404, 404, 404],
        "operator": [200, 200],
    }
    # and the document comes back as a download of its own bytes
    response = _client(vendor).get(dash_doc)
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # and the other vendor's dashboard list does not name the project
    listing = _client(other_vendor).get(reverse("dashboard:financing-list")).content.decode()
    assert "岳麓区智慧城市一期" not in listing
    assert "岳麓区智慧城市一期" in _client(vendor).get(reverse("dashboard:financing-list")).content.decode()


def test_another_vendor_cannot_move_an_application_by_posting():
    product, _partner, _vendor, _unit, members = financing_world()
    application = services.financing_apply(
        actor=members["handler"].user, product=product, data=application_input(), documents=documents()
    )
    other_vendor, _ = make_vendor_user(partner=PartnerFactory(name="别家供应商"))
    response = _client(other_vendor).post(
        reverse("dashboard:financing-move", args=[application.number]), {"to": "review"}
    )
    application.refresh_from_db()
    assert response.status_code == 404
    assert application.status == "submitted" and application.events.count() == 1


def test_call_back_numbers_are_whole_for_operators_only():
    # given a call-back of unit A's 经办人 about vendor A's service
    partner = PartnerFactory(name="咨询机构")
    vendor, _ = make_vendor_user(partner=partner)
    product = package("consulting-service", title="政企咨询服务包", partner=partner)
    _unit, members = make_unit(roles_by_name={"handler": ["handler"]})
    callback = callbacks.callback_book(
        user=members["handler"].user,
        product=product,
        data=callbacks.BookingInput(name="李经办", phone="13812345678", window="morning"),
    )
    other_vendor, _ = make_vendor_user(partner=PartnerFactory(name="别家"))
    pages = {
        "经办人": (members["handler"].user, reverse("callbacks:list")),
        "管理员 of the unit": (members["admin"].user, reverse("callbacks:list")),
        "another buyer": (UserFactory(), reverse("callbacks:list")),
        "the service's vendor": (vendor, reverse("dashboard:callback-list")),
        "another vendor": (other_vendor, reverse("dashboard:callback-list")),
        "operator": (OperatorFactory(), reverse("dashboard:callback-list")),
    }
    shown = {}
    for label, (user, url) in pages.items():
        text = _client(user).get(url).content.decode()
        shown[label] = ("13812345678" in text, "138****5678" in text, callback.number in text)
    # then (whole number, masked number, the row at all)
    assert shown == {
        "经办人": (False, True, True),
        "管理员 of the unit": (False, True, True),
        "another buyer": (False, False, False),
        "the service's vendor": (False, True, True),
        "another vendor": (False, False, False),
        "operator": (True, False, True),
    }
    # and only an operator may answer it
    response = _client(vendor).post(
        reverse("dashboard:callback-answer", args=[callback.number]), {"note": "已联系"}
    )
    callback.refresh_from_db()
    assert response.status_code == 403 and callback.status == "waiting"


def test_a_partner_application_is_the_applicants_and_the_operators():
    applicant = UserFactory()
    application = partners.partner_apply(
        user=applicant,
        data=partners.PartnerInput(
            company_name="待审核的伙伴公司",
            uscc="91430100MA4L01111G",
            region="长沙市",
            industry="education",
            resources="教育信息化",
            contact_name="钱经理",
            contact_phone="13900001111",
        ),
    )
    detail = reverse("dashboard:partner-application-detail", args=[application.number])
    assert "待审核的伙伴公司" in _client(applicant).get(reverse("partners:mine")).content.decode()
    assert "待审核的伙伴公司" not in _client(UserFactory()).get(reverse("partners:mine")).content.decode()
    assert "待审核的伙伴公司" not in Client().get(reverse("partners:index")).content.decode()
    vendor, _ = make_vendor_user()
    assert _client(vendor).get(detail).status_code == 403
    assert _client(applicant).get(detail).status_code == 403
    assert _client(OperatorFactory()).get(detail).status_code == 200
