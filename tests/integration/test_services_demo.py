"""make run's service demo: a 规划融资 application in 初审, a 自由职业 settlement enquiry routed
to the package's vendor and waiting for its answer, a listed 合作伙伴 and a waiting call-back;
a second run adds nothing."""

import pytest
from django.core.management import call_command

from shop.callbacks.models import CallbackRequest
from shop.financing.models import FinancingApplication, FreelanceEnquiry
from shop.partners.models import PartnerApplication
from shop.quotes.models import VendorQuote
from tests.factories.storefront import load_real_catalogue

pytestmark = pytest.mark.django_db


def test_the_service_demo_has_one_of_each_in_progress(tmp_path, settings, capsys):
    # given the real catalogue and the demo accounts
    settings.VAR_DIR = tmp_path
    load_real_catalogue()
    call_command("create_demo_accounts")
    # when the service demo runs twice
    call_command("create_demo_services")
    call_command("create_demo_services")
    # then one of each, in progress
    assert list(FinancingApplication.objects.values_list("status", flat=True)) == ["review"]
    assert list(PartnerApplication.objects.values_list("status", flat=True)) == ["approved"]
    assert list(CallbackRequest.objects.values_list("status", flat=True)) == ["waiting"]
    enquiry = FreelanceEnquiry.objects.get()
    qr = enquiry.quote_request
    assert (enquiry.people, qr.buyer.username, qr.org_type) == (40, "buyer", "private")
    # the enquiry is routed to the package's vendor, waiting for its answer
    assert list(VendorQuote.objects.filter(request=qr).values_list("partner__code", "status")) == [
        ("xianghui", "pending")
    ]
    assert qr.number in capsys.readouterr().out
