"""A lost answer makes no duplicate: each submission form carries a one-time token, and a
repeat of the same token shows the first result instead of creating a second row."""

import re
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.core.models import SubmissionRecord
from shop.oem.models import OemOrder
from shop.quotes.models import QuoteRequest
from shop.vendors.models import VendorApplication
from tests.factories.accounts import UserFactory
from tests.factories.oem import make_oem_product, organisation, png_bytes
from tests.factories.quotes import form_data, make_vendor, stocked_product
from tests.factories.vendors import PDF_BYTES, application_data

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="submission_token" value="([0-9a-f]{32})"')


def token_on(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    tokens = TOKEN_RE.findall(response.content.decode())
    assert len(tokens) == 1, "the form carries exactly one token"
    return tokens[0]


def buyer_with_quote_list():
    partner, _ = make_vendor("甲供应商")
    product = stocked_product(vendors=[(partner, "1180.00")], title="会议一体机")
    buyer = UserFactory()
    client = Client()
    client.force_login(buyer)
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 2})
    return client, buyer


def test_a_repeated_quote_submission_shows_the_first_request_and_creates_no_second():
    # given a buyer with a filled 询价单 on the submit page
    client, buyer = buyer_with_quote_list()
    token = token_on(client, reverse("quotes:submit"))
    # when the form is posted, and the same form once more (the first answer was lost)
    first = client.post(reverse("quotes:submit"), {**form_data(), "submission_token": token})
    again = client.post(reverse("quotes:submit"), {**form_data(), "submission_token": token}, follow=True)
    # then one request exists, and the repeat lands on its page with a plain message
    qr = QuoteRequest.objects.get(buyer=buyer)
    assert first.status_code == 302
    assert first["Location"] == reverse("quotes:submitted", kwargs={"number": qr.number})
    assert again.redirect_chain[0] == (first["Location"], 302)
    assert "该表单已经提交过，这是第一次提交的结果，没有重复提交。" in again.content.decode()
    assert QuoteRequest.objects.count() == 1


def test_an_invalid_submission_records_nothing_and_the_corrected_one_goes_through_once():
    # given a buyer on the submit page
    client, buyer = buyer_with_quote_list()
    token = token_on(client, reverse("quotes:submit"))
    # when the form is posted without the organisation's name
    invalid = client.post(reverse("quotes:submit"), {**form_data(org_name=""), "submission_token": token})
    # then the form comes back with the same token and nothing is recorded
    assert invalid.status_code == 200
    assert TOKEN_RE.findall(invalid.content.decode()) == [token]
    assert SubmissionRecord.objects.count() == 0
    assert QuoteRequest.objects.count() == 0
    # when the corrected form is posted twice with that token
    client.post(reverse("quotes:submit"), {**form_data(), "submission_token": token})
    client.post(reverse("quotes:submit"), {**form_data(), "submission_token": token})
    # then exactly one request exists
    assert QuoteRequest.objects.filter(buyer=buyer).count() == 1


def test_another_users_token_is_not_their_result():
    # given a request submitted by buyer A with a token
    client_a, _ = buyer_with_quote_list()
    token = token_on(client_a, reverse("quotes:submit"))
    first = client_a.post(reverse("quotes:submit"), {**form_data(), "submission_token": token})
    # when buyer B posts the same token
    client_b, buyer_b = buyer_with_quote_list()
    other = client_b.post(reverse("quotes:submit"), {**form_data(), "submission_token": token})
    # then B's own request is created and B is not sent to A's
    assert other.status_code == 302
    assert other["Location"] != first["Location"]
    assert QuoteRequest.objects.filter(buyer=buyer_b).count() == 1


def oem_post(token: str) -> dict:
    return {
        "quantity": "100",
        "brand_name": "星城智联",
        "cust_boot_screen": "on",
        "cust_boot_screen_detail": "开机画面显示星城智联",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
        "logo": SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"),
        "submission_token": token,
    }


def test_a_repeated_oem_order_creates_one_order():
    # given a buyer on an OEM product's order form
    partner, _ = make_vendor("甲供应商")
    product = make_oem_product(partner=partner, moq=100)
    buyer = UserFactory()
    client = Client()
    client.force_login(buyer)
    url = reverse("oem:create", kwargs={"product_pk": product.pk})
    token = token_on(client, url)
    # when the order is posted twice with the same token
    first = client.post(url, oem_post(token))
    again = client.post(url, oem_post(token))
    # then one order exists and both answers lead to it
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert OemOrder.objects.filter(buyer=buyer).count() == 1


def test_a_repeated_vendor_application_creates_one_application():
    # given an anonymous applicant on the 入驻 form
    client = Client()
    token = token_on(client, reverse("vendors:apply"))
    data = application_data()

    def post():
        licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")
        return client.post(reverse("vendors:apply"), {**data, "licence": licence, "submission_token": token})

    # when the application is posted twice (the second time signed in by the first)
    first, again = post(), post()
    # then one application exists and the repeat is sent to its status page
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == reverse("vendors:status")
    assert VendorApplication.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_create_one_request():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    # given a buyer with a filled 询价单 and the submit form's token
    client, buyer = buyer_with_quote_list()
    token = token_on(client, reverse("quotes:submit"))
    session_cookie = client.cookies
    barrier = threading.Barrier(2)
    answers = []

    def submit():
        own = Client()
        own.cookies = session_cookie
        barrier.wait()
        answers.append(own.post(reverse("quotes:submit"), {**form_data(), "submission_token": token}))
        connection.close()

    # when two copies of the submission arrive at the same moment
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then one request exists and both answers lead to it
    qr = QuoteRequest.objects.get(buyer=buyer)
    locations = sorted(a.get("Location", str(a.status_code)) for a in answers)
    assert locations == [reverse("quotes:submitted", kwargs={"number": qr.number})] * 2
