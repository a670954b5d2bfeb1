"""The quote API: catalogue listing, create and submit, status and vendor quotes, accept;
token and session authentication; other buyers' requests are 404; bad input is 400 in Chinese."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.quotes.models import QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.quotes import make_vendor, process, request_data, stocked_product

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _payload(product, quantity=2, **overrides) -> dict:
    data = request_data(**overrides)
    data["needed_by"] = data["needed_by"].isoformat()
    data.pop("budget")
    data["lines"] = [{"product": product.pk, "quantity": quantity, "remark": "含安装"}]
    return data


def test_catalogue_lists_quotable_products_with_lowest_price_and_vendors():
    (a, _), (b, _) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")], title="会议平板")
    stocked_product(vendors=[(a, "1.00")], is_public=False)
    response = APIClient().get(reverse("api:product-list"))
    assert response.status_code == 200
    assert [(p["id"], p["title"], p["price"], p["vendors"]) for p in response.json()["results"]] == [
        (product.pk, "会议平板", "11500.00", ["乙", "甲"])
    ]


def test_a_buyer_creates_a_request_reads_it_and_accepts_a_quote_with_a_token():
    a, _ = make_vendor("甲")
    product = stocked_product(vendors=[(a, "100.00")])
    client = _token_client(UserFactory())
    # create and submit
    created = client.post(reverse("api:quote-request-list"), _payload(product), format="json")
    assert created.status_code == 201
    number = created.json()["number"]
    assert (created.json()["status"], created.json()["lines"][0]["quantity"]) == ("submitted", 2)
    # the worker processes it; the buyer reads the vendor quote
    process(QuoteRequest.objects.get(number=number))
    detail = client.get(reverse("api:quote-request-detail", kwargs={"number": number})).json()
    assert detail["status"] == "quoted"
    [vq] = detail["vendor_quotes"]
    assert (vq["vendor"], vq["status"], vq["total_incl_tax"], vq["lines"][0]["unit_price_excl_tax"]) == (
        "甲",
        "indicative",
        "200.00",
        "88.50",
    )
    # accept it
    accepted = client.post(
        reverse("api:quote-request-accept", kwargs={"number": number}),
        {"vendor_quote": vq["id"], "revision": vq["revision"]},
        format="json",
    )
    assert accepted.status_code == 200
    qr = QuoteRequest.objects.get(number=number)
    assert accepted.json() == {
        "number": number,
        "status": "ordered",
        "order_number": qr.order.number,
        "approval_number": None,
    }


@pytest.mark.parametrize(
    ("overrides", "quantity", "field", "message"),
    [
        (
            {"org_uscc": "91430100MA4L12345B"},
            1,
            "org_uscc",
            "统一社会信用代码校验位不正确，请核对后重新输入。",
        ),
        ({"needed_by": timezone.localdate() - timedelta(days=1)}, 1, "needed_by", "需求日期必须晚于今天。"),
        ({}, 0, "lines", "数量必须在 1 到 100000 之间。"),
        ({}, 1000000, "lines", "数量必须在 1 到 100000 之间。"),
    ],
)
def test_bad_input_is_400_in_chinese_and_saves_nothing(overrides, quantity, field, message):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    client = _token_client(UserFactory())
    response = client.post(
        reverse("api:quote-request-list"), _payload(product, quantity, **overrides), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in str(response.json()["fields"][field])
    assert QuoteRequest.objects.count() == 0


def test_unknown_products_and_too_few_inquiry_vendors_are_400():
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    client = _token_client(UserFactory())
    unknown = _payload(product)
    unknown["lines"][0]["product"] = 999999
    response = client.post(reverse("api:quote-request-list"), unknown, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"code": "invalid", "detail": "商品不存在：999999。", "fields": {"lines": ["商品不存在：999999。"]}},
    )
    response = client.post(
        reverse("api:quote-request-list"), _payload(product, procurement_method="inquiry"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("询价采购需要至少三家供应商参与报价")
    assert QuoteRequest.objects.count() == 0


def test_direct_is_not_a_request_it_is_a_basket_order():
    # given a valid request body that asks for 直购
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    client = _token_client(UserFactory())
    # when it is posted as a quote request
    response = client.post(
        reverse("api:quote-request-list"), _payload(product, procurement_method="direct"), format="json"
    )
    # then it is refused with the way to buy directly, and no request exists
    message = "直购按标价直接下单，不向供应商询价：请在询价单页选择“直购”，商品转入采购车后结算。"
    assert (response.status_code, response.json()) == (
        400,
        {"code": "invalid", "detail": message, "fields": {"procurement_method": [message]}},
    )
    assert QuoteRequest.objects.count() == 0


def test_another_buyers_request_is_404_and_anonymous_is_refused():
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    owner = _token_client(UserFactory())
    number = owner.post(reverse("api:quote-request-list"), _payload(product), format="json").json()["number"]
    qr = process(QuoteRequest.objects.get(number=number))
    other = _token_client(UserFactory())
    assert other.get(reverse("api:quote-request-detail", kwargs={"number": number})).status_code == 404
    assert other.get(reverse("api:quote-request-list")).json()["results"] == []
    response = other.post(
        reverse("api:quote-request-accept", kwargs={"number": number}),
        {"vendor_quote": qr.vendor_quotes.get().pk},
        format="json",
    )
    assert response.status_code == 404
    assert APIClient().get(reverse("api:quote-request-list")).status_code == 403
    qr.refresh_from_db()
    assert qr.status == "quoted"


def test_session_authentication_works_too(client):
    buyer = UserFactory()
    client.force_login(buyer)
    assert client.get(reverse("api:quote-request-list")).status_code == 200


def test_the_openapi_schema_documents_the_quote_endpoints():
    schema = APIClient().get(reverse("api:schema"), {"format": "json"}).json()
    assert {
        "/api/products/",
        "/api/quote-requests/",
        "/api/quote-requests/{number}/",
        "/api/quote-requests/{number}/accept/",
    } <= set(schema["paths"])
