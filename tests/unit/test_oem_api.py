"""OEM JSON API: create (multipart with logo), read, act; scoping; errors; OpenAPI schema."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shop.oem.models import OemOrder, OemStatus
from tests.factories.accounts import UserFactory
from tests.factories.oem import (
    SVG_SCRIPT,
    logo_upload,
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
    organisation,
    reviewed_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


@pytest.fixture
def world():
    return oem_world(buyer_username="api-buyer")


def api(user=None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def create_payload(product, **overrides) -> dict:
    data = {
        "product": product.pk,
        "quantity": 150,
        "brand_name": "星城智联",
        "logo": logo_upload(),
        "customisations": json.dumps([{"code": "packaging", "detail": "白色彩盒，印品牌 Logo"}]),
        "sample_required": "true",
        "target_date": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "delivery_contact": "王老师",
        "delivery_phone": "13900139000",
        "delivery_address": "湘潭市岳塘区 8 号",
        **organisation(),
    }
    data.update(overrides)
    return data


def test_buyer_creates_an_order_with_multipart_and_reads_it_back(world):
    client = api(world["buyer"])
    response = client.post("/api/oem-orders/", create_payload(world["product"]), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    order = OemOrder.objects.get()
    assert (body["number"], body["status"], body["status_label"]) == (order.number, "submitted", "已提交")
    assert body["customisations"] == [{"code": "packaging", "detail": "白色彩盒，印品牌 Logo"}]
    assert [e["kind"] for e in body["events"]] == ["submitted"]
    assert client.get(f"/api/oem-orders/{order.pk}/").json()["quantity"] == 150
    assert client.get("/api/oem-orders/").json()["count"] == 1


@pytest.mark.parametrize(
    "overrides,errors",
    [
        ({"quantity": 10}, {"quantity": ["OEM 定制最小起订量为 100 台，当前数量 10 不足。"]}),
        (
            {"logo": logo_upload(SVG_SCRIPT, "logo.svg")},
            {"logo": ["SVG 中含有脚本或外部内容（script），已拒绝。"]},
        ),
        (
            {"customisations": json.dumps([{"code": "domain", "detail": "x"}])},
            {"customisations": ["该产品不提供定制项“独立域名”。"]},
        ),
        ({"target_date": "2020-01-01"}, {"target_date": ["期望交货日期必须晚于今天。"]}),
    ],
)
def test_bad_input_is_a_400_with_chinese_errors_and_saves_nothing(world, overrides, errors):
    response = api(world["buyer"]).post(
        "/api/oem-orders/", create_payload(world["product"], **overrides), format="multipart"
    )
    detail = next(iter(errors.values()))[0]
    assert (response.status_code, response.json()) == (
        400,
        {"code": "invalid", "detail": detail, "fields": errors},
    )
    assert OemOrder.objects.count() == 0


def test_another_buyers_order_is_404_for_read_and_act(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    intruder = api(UserFactory(username="intruder"))
    assert intruder.get(f"/api/oem-orders/{order.pk}/").status_code == 404
    assert intruder.post(f"/api/oem-orders/{order.pk}/cancel/").status_code == 404
    assert intruder.get(f"/api/oem-orders/{order.pk}/logo/").status_code == 404
    assert intruder.get("/api/oem-orders/").json()["count"] == 0
    assert OemOrder.objects.get(pk=order.pk).status == OemStatus.REVIEWING


def test_anonymous_gets_401_or_403(world):
    assert api().get("/api/oem-orders/").status_code in (401, 403)


def test_vendor_offers_and_buyer_accepts_through_the_api(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    offered = api(world["vendor"]).post(
        f"/api/oem-orders/{order.pk}/offer/",
        {"unit_price": "880.00", "tooling_fee": "2000.00", "deposit": "30000.00", "lead_days": 25},
        format="json",
    )
    assert offered.status_code == 200
    assert offered.json()["offer"]["total"] == "90000.00"
    revision = offered.json()["offer"]["revision"]
    accepted = api(world["buyer"]).post(
        f"/api/oem-orders/{order.pk}/accept-offer/", {"offer_revision": revision}, format="json"
    )
    body = accepted.json()
    assert (accepted.status_code, body["status"]) == (200, "confirmed")
    assert body["order_number"].startswith("DD")
    assert [(s["label"], s["amount"]) for s in body["payment_stages"]] == [
        ("定金", "30000.00"),
        ("尾款", "60000.00"),
    ]


def test_illegal_and_forbidden_actions_answer_with_chinese_detail(world):
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    buyer, vendor = api(world["buyer"]), api(world["vendor"])
    illegal = buyer.post(f"/api/oem-orders/{order.pk}/approve-sample/")
    assert (illegal.status_code, illegal.json()) == (
        409,
        {"code": "conflict", "detail": "当前状态为“已报价”，不能变更为“样品已确认”。", "fields": {}},
    )
    forbidden = vendor.post(f"/api/oem-orders/{order.pk}/accept-offer/")
    assert (forbidden.status_code, forbidden.json()) == (
        403,
        {"code": "forbidden", "detail": "只有下单的采购人可以进行此操作。", "fields": {}},
    )
    no_reason = vendor.post(f"/api/oem-orders/{order.pk}/transition/", {"to": "rejected"}, format="json")
    assert (no_reason.status_code, no_reason.json()) == (
        400,
        {"code": "invalid", "detail": "请填写拒绝原因。", "fields": {}},
    )
    assert OemOrder.objects.get(pk=order.pk).status == OemStatus.OFFERED


def test_oem_endpoints_are_in_the_openapi_schema():
    response = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/oem-orders/",
        "/api/oem-orders/{id}/",
        "/api/oem-orders/{id}/accept-offer/",
        "/api/oem-orders/{id}/approve-sample/",
        "/api/oem-orders/{id}/reject-sample/",
        "/api/oem-orders/{id}/cancel/",
        "/api/oem-orders/{id}/offer/",
        "/api/oem-orders/{id}/transition/",
    ]:
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/oem-orders/"]["post"]["requestBody"]["content"]
