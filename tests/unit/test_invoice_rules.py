"""The invoice rules (shop.core.validators.validate_invoice_wish): one rule for every form and
serializer that takes invoice wishes; the 纳税人识别号 is exactly 15, 17, 18 or 20 characters as
its message says."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from shop.core.exceptions import DomainError
from shop.core.validators import validate_invoice_wish, validate_tax_number
from shop.payments.forms import InvoiceRequestForm
from shop.payments.models import InvoiceRequest
from shop.payments.services import invoice_request_update
from shop.quotes.models import QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.payments import placed_order
from tests.factories.quotes import make_vendor, stocked_product
from tests.unit.test_quotes_api import _payload as quote_payload

USCC = "91430100MA4L01111G"
MESSAGE = "纳税人识别号格式不正确（15、17、18 或 20 位数字/大写字母）。"


@pytest.mark.parametrize("length", [15, 17, 20])
def test_tax_numbers_of_the_lengths_the_message_names_are_accepted(length):
    # given a number of 15, 17 or 20 digits/capital letters, when validated, then no error
    validate_tax_number("4301" + "A" * (length - 4))


def test_an_18_character_tax_number_is_accepted_when_it_is_a_valid_uscc():
    validate_tax_number(USCC.lower())


@pytest.mark.parametrize("length", [14, 16, 19, 21])
def test_tax_numbers_of_other_lengths_are_refused_with_the_message(length):
    # given a number one off the allowed lengths
    with pytest.raises(ValidationError) as caught:
        # when validated
        validate_tax_number("4301" + "1" * (length - 4))
    # then the message names exactly the lengths the check accepts
    assert caught.value.messages == [MESSAGE]


def test_an_18_character_tax_number_with_a_wrong_check_character_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_tax_number(USCC[:17] + "1")
    assert caught.value.messages == ["统一社会信用代码校验位不正确，请核对后重新输入。"]


def test_the_invoice_wish_fills_the_title_and_requires_the_special_invoice_fields():
    # given a 专票 wish without a title and without bank details
    values = {"org_name": "长沙市某局", "invoice_type": "special", "invoice_tax_no": " 430100aaaaaaaaaaa "}
    # when validated
    with pytest.raises(ValidationError) as caught:
        validate_invoice_wish(values)
    # then the title is the organisation and each missing 专票 field has its message
    assert values["invoice_title"] == "长沙市某局"
    assert caught.value.message_dict == {
        "invoice_address": ["开具增值税专用发票需填写注册地址。"],
        "invoice_phone": ["开具增值税专用发票需填写注册电话。"],
        "invoice_bank": ["开具增值税专用发票需填写开户银行。"],
        "invoice_account": ["开具增值税专用发票需填写银行账号。"],
    }


@pytest.mark.parametrize(
    "tax_no,ok", [("4301" + "1" * 12, False), ("4301" + "1" * 13, True), ("4301" + "1" * 15, False)]
)
def test_the_order_invoice_request_form_uses_the_same_tax_number_rule(tax_no, ok):
    # given the invoice request of an order's payment page with a 16-, 17- or 19-character number
    form = InvoiceRequestForm(
        data={"invoice_type": "normal", "invoice_title": "长沙市某局", "invoice_tax_no": tax_no}
    )
    # when validated, then 17 passes and 16 / 19 get the one message
    assert form.is_valid() is ok
    assert form.errors == ({} if ok else {"invoice_tax_no": [MESSAGE]})


def test_the_order_invoice_request_needs_a_title_and_a_tax_number():
    form = InvoiceRequestForm(data={"invoice_type": "normal", "invoice_title": " ", "invoice_tax_no": ""})
    assert form.errors == {
        "invoice_title": ["请填写发票抬头（单位全称）。"],
        "invoice_tax_no": ["请填写纳税人识别号（统一社会信用代码）。"],
    }


@pytest.mark.django_db
def test_the_quote_api_refuses_a_19_character_tax_number_and_saves_nothing():
    # given a buyer posting a quote request with a 19-character tax number
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    client = APIClient()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    payload = quote_payload(product, invoice_type="normal", invoice_tax_no="4301" + "1" * 15)
    # when it is submitted
    response = client.post(reverse("api:quote-request-list"), payload, format="json")
    # then it is refused on that field and no request is created
    assert response.status_code == 400
    assert response.json()["fields"]["invoice_tax_no"] == [MESSAGE]
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_invoice_request_service_refuses_a_bad_tax_number_and_changes_nothing():
    # given an order with a valid invoice request
    buyer = UserFactory()
    order = placed_order(buyer=buyer)
    before = list(InvoiceRequest.objects.filter(order=order).values_list("invoice_tax_no", flat=True))
    # when the buyer's update carries a 16-character tax number (the form bypassed: API, shell)
    with pytest.raises(DomainError) as caught:
        invoice_request_update(
            order=order,
            user=buyer,
            data={
                "invoice_type": "normal",
                "invoice_title": "长沙市某局",
                "invoice_tax_no": "4301" + "1" * 12,
            },
        )
    # then it is refused with the field's message and the stored request is unchanged
    assert (caught.value.message, caught.value.fields) == (MESSAGE, {"invoice_tax_no": [MESSAGE]})
    assert list(InvoiceRequest.objects.filter(order=order).values_list("invoice_tax_no", flat=True)) == before
