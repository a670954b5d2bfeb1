"""自由职业服务包: the enquiry (people, monthly amount, industry, invoice needs) is a quote
request for the package that goes to its vendor and is answered like any quote; bad figures
store nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.core.exceptions import Invalid
from shop.financing import services
from shop.financing.models import FreelanceEnquiry
from shop.quotes.models import QuoteRequest
from shop.quotes.services import quote_request_process
from tests.factories.accounts import PartnerFactory, UserFactory
from tests.factories.quotes import request_data
from tests.factories.services import package

pytestmark = pytest.mark.django_db

ORGANISATION = {
    k: v
    for k, v in request_data().items()
    if k not in ("delivery_region", "delivery_address", "needed_by", "budget", "procurement_method", "remark")
}


def _enquiry(**changes):
    values = {
        "people": "35",
        "monthly_amount": "280000",
        "industry": "教育培训",
        "invoice_need": "special",
        "start_date": timezone.localdate() + timedelta(days=10),
        "description": "讲师课酬按月结算",
    }
    values.update(changes)
    return services.FreelanceInput(**values)


def test_the_enquiry_goes_to_the_vendor_as_a_quote_request():
    # given the package of a settlement vendor and a buyer
    partner = PartnerFactory(name="灵活用工结算服务商")
    product = package("settlement-service", title="自由职业服务包", partner=partner)
    buyer = UserFactory()
    # when the buyer sends the enquiry
    qr = services.freelance_enquiry_submit(
        user=buyer, product=product, organisation=ORGANISATION, data=_enquiry()
    )
    # then it is a negotiated quote request for one 自由职业服务包, with the details in its 需求说明
    assert qr.procurement_method == "negotiated"
    assert [(line.product_id, line.quantity) for line in qr.lines.all()] == [(product.pk, 1)]
    assert qr.remark == (
        "【自由职业结算咨询】结算人数：35 人；月结算总额：¥280,000.00；所属行业：教育培训；发票需求：增值税专用发票。\n"
        "讲师课酬按月结算"
    )
    assert qr.delivery_address == "线上服务，无需收货"
    enquiry = FreelanceEnquiry.objects.get(quote_request=qr)
    assert (enquiry.people, enquiry.monthly_amount, enquiry.invoice_need) == (
        35,
        Decimal("280000.00"),
        "special",
    )
    # when the request is processed, the vendor has it to answer in its dashboard
    quote_request_process(quote_request_id=qr.pk)
    assert list(qr.vendor_quotes.values_list("partner_id", flat=True)) == [partner.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"people": "0"}, "people"),
        ({"monthly_amount": "-5"}, "monthly_amount"),
        ({"monthly_amount": "1e30"}, "monthly_amount"),
        ({"industry": " "}, "industry"),
        ({"invoice_need": "receipt"}, "invoice_need"),
        ({"start_date": timezone.localdate()}, "start_date"),
    ],
)
def test_bad_figures_store_nothing(changes, field):
    product = package("settlement-service", title="自由职业服务包")
    with pytest.raises(Invalid) as refused:
        services.freelance_enquiry_submit(
            user=UserFactory(), product=product, organisation=ORGANISATION, data=_enquiry(**changes)
        )
    assert list(refused.value.fields) == [field]
    assert QuoteRequest.objects.count() == 0 and FreelanceEnquiry.objects.count() == 0


def test_the_form_page_explains_the_service_and_submits(client: Client):
    product = package("settlement-service", title="自由职业服务包")
    buyer = UserFactory()
    client.force_login(buyer)
    url = reverse("financing:freelance", args=[product.pk])
    page = client.get(url).content.decode()
    assert "本商城只撮合咨询，不代收代付任何款项。" in page
    form = {**{k: v for k, v in ORGANISATION.items()}, "people": "12", "monthly_amount": "60000"}
    form.update(
        {
            "industry": "设计",
            "invoice_need": "general",
            "start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        }
    )
    response = client.post(url, form)
    qr = QuoteRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "quotes:submitted", args=[qr.number]
    )
    assert "结算人数：12 人" in qr.remark
