"""The API's one error contract (shop/api/exceptions.py, shop/api/schema.py): every error is
{"code", "detail", "fields"} with its status, and the OpenAPI schema documents it."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import exceptions as drf
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from shop.core import exceptions as domain
from tests.factories.accounts import UserFactory
from tests.factories.quotes import make_vendor, stocked_product
from tests.unit.test_quotes_api import _payload as quote_payload


def _raising(exc):
    class Raises(APIView):
        permission_classes = [AllowAny]

        def post(self, request):
            raise exc

    return Raises.as_view()


@pytest.mark.parametrize(
    "exc,status,body",
    [
        (
            domain.DomainError("需求日期必须晚于今天。"),
            400,
            {"code": "invalid", "detail": "需求日期必须晚于今天。", "fields": {}},
        ),
        (
            domain.Invalid("请填写拒绝原因。", fields={"note": "请填写拒绝原因。"}),
            400,
            {"code": "invalid", "detail": "请填写拒绝原因。", "fields": {"note": ["请填写拒绝原因。"]}},
        ),
        (
            domain.PermissionDenied("只有下单的采购人可以进行此操作。"),
            403,
            {"code": "forbidden", "detail": "只有下单的采购人可以进行此操作。", "fields": {}},
        ),
        (domain.NotFound("订单不存在。"), 404, {"code": "not_found", "detail": "订单不存在。", "fields": {}}),
        (
            domain.Conflict("报价已被接受。"),
            409,
            {"code": "conflict", "detail": "报价已被接受。", "fields": {}},
        ),
        (
            domain.IllegalTransition("当前状态不允许。"),
            409,
            {"code": "conflict", "detail": "当前状态不允许。", "fields": {}},
        ),
        (
            DjangoValidationError({"invoice_tax_no": "纳税人识别号格式不正确。"}),
            400,
            {
                "code": "invalid",
                "detail": "纳税人识别号格式不正确。",
                "fields": {"invoice_tax_no": ["纳税人识别号格式不正确。"]},
            },
        ),
        (
            drf.ValidationError({"quantity": ["数量必须在 1 到 100000 之间。"]}),
            400,
            {
                "code": "invalid",
                "detail": "数量必须在 1 到 100000 之间。",
                "fields": {"quantity": ["数量必须在 1 到 100000 之间。"]},
            },
        ),
        (
            drf.ValidationError("询价单是空的。"),
            400,
            {"code": "invalid", "detail": "询价单是空的。", "fields": {}},
        ),
        (drf.PermissionDenied(), 403, {"code": "forbidden", "detail": "您无权执行此操作。", "fields": {}}),
        (
            drf.Throttled(wait=30),
            429,
            {"code": "throttled", "detail": "请求过于频繁，请稍后再试。", "fields": {}},
        ),
    ],
)
def test_each_error_answers_with_its_status_and_the_one_shape(exc, status, body):
    # given an API view that raises the error, when it is called
    response = _raising(exc)(APIRequestFactory().post("/api/x/", {}, format="json"))
    # then the status and the JSON body are the contract's
    assert (response.status_code, response.data) == (status, body)


def test_a_throttled_answer_says_when_to_retry():
    response = _raising(drf.Throttled(wait=30))(APIRequestFactory().post("/api/x/", {}, format="json"))
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_real_endpoints_answer_400_404_and_anonymous_in_the_shape():
    # given a buyer with a quote request and another buyer
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    owner, other = APIClient(), APIClient()
    owner.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    other.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    number = owner.post(reverse("api:quote-request-list"), quote_payload(product), format="json").json()[
        "number"
    ]
    # when the other buyer reads it, then 404 in the shape (no existence leak)
    missing = other.get(reverse("api:quote-request-detail", kwargs={"number": number}))
    assert (missing.status_code, missing.json()) == (
        404,
        {"code": "not_found", "detail": "未找到该对象，或您无权查看。", "fields": {}},
    )
    # when a service refuses (询价采购 needs three vendors), then 400 with its Chinese message
    refused = owner.post(
        reverse("api:quote-request-list"), quote_payload(product, procurement_method="inquiry"), format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid"
    assert refused.json()["detail"].startswith("询价采购需要至少三家供应商参与报价")
    assert refused.json()["fields"] == {}
    # when anonymous, then refused in the shape
    anonymous = APIClient().get(reverse("api:quote-request-list"))
    assert (anonymous.status_code, anonymous.json()) == (
        403,
        {"code": "not_authenticated", "detail": "请先登录，或提供有效的访问令牌。", "fields": {}},
    )


@pytest.mark.django_db
def test_the_schema_has_the_error_component_and_every_operation_references_it():
    # when the OpenAPI schema is fetched
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    # then it has the Error component with the three fields
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail", "fields"]
    assert set(error["properties"]) == {"code", "detail", "fields"}
    # and every operation's 400/403/404/429 (and 409 for writes) answer with it
    ref = {"$ref": "#/components/schemas/Error"}
    operations = [(p, m, op) for p, item in schema["paths"].items() for m, op in item.items()]
    assert len(operations) > 10
    for path, method, op in operations:
        statuses = {"400", "403", "404", "429"} | (
            {"409"} if method in ("post", "put", "patch", "delete") else set()
        )
        for status in statuses:
            assert op["responses"][status]["content"]["application/json"]["schema"] == ref, (
                path,
                method,
                status,
            )
