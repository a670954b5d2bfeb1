"""Upper bounds of OEM numbers (shop.core.limits) in the form, the API, the service and the
database, and a feasibility review that is safe for any stored figure."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from shop.oem import services
from shop.oem.forms import OemOrderForm, OfferForm
from shop.oem.models import OemOrder, OemStatus
from tests.factories.oem import (
    logo_upload,
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    organisation,
    reviewed_oem_order,
    submit_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


@pytest.fixture
def world():
    return oem_world(buyer_username="bounds-buyer")


def test_order_form_refuses_quantity_999999999999_in_chinese(world):
    # given the buyer's OEM form with an absurd quantity
    data = {"quantity": "999999999999", "brand_name": "星城智联", **organisation()}
    form = OemOrderForm(data=data, product=world["product"])
    # then the quantity is refused with the bound in the message
    assert not form.is_valid()
    assert form.errors["quantity"] == ["数量不能超过 1000000。"]


def test_api_refuses_quantity_999999999999_and_saves_nothing(world):
    client = APIClient()
    client.force_authenticate(world["buyer"])
    payload = {
        "product": world["product"].pk,
        "quantity": "999999999999",
        "brand_name": "星城智联",
        "logo": logo_upload(),
        "customisations": json.dumps([]),
        "target_date": "2099-01-01",
        "delivery_contact": "王老师",
        "delivery_phone": "13900139000",
        "delivery_address": "湘潭市岳塘区 8 号",
        **organisation(),
    }
    response = client.post("/api/oem-orders/", payload, format="multipart")
    assert response.status_code == 400
    assert response.json()["fields"]["quantity"] == ["数量不能超过 1000000。"]
    assert OemOrder.objects.count() == 0


def test_service_refuses_quantity_above_the_bound_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        submit_oem_order(buyer=world["buyer"], product=world["product"], quantity=1_000_001)
    assert exc.value.message_dict["quantity"] == ["数量不能超过 1000000。"]
    assert OemOrder.objects.count() == 0


def test_the_review_is_safe_for_any_stored_figure(world):
    # given an order whose product carries an absurd base lead time (2,000,000,000 days)
    order = submit_oem_order(buyer=world["buyer"], product=world["product"], quantity=1_000_000)
    type(world["product"]).objects.filter(pk=world["product"].pk).update(lead_time_days=2_000_000_000)
    # when the worker reviews it, then no OverflowError: the estimate is capped at 3650 days
    services.oem_order_review(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.estimated_lead_days) == (OemStatus.REVIEWING, 3650)
    # and the estimate itself never leaves the bound, whatever it is given
    assert (
        services.estimate_lead_days(quantity=10**15, base_lead_days=10**12, moq=1, sample_required=True)
        == 3650
    )
    assert services.estimate_lead_days(quantity=250, base_lead_days=15, moq=100, sample_required=True) == 30


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_price", "100000000.00", "单价不能超过 99999999.99 元。"),
        ("tooling_fee", "10000000000.00", "金额不能超过 9999999999.99 元。"),
        ("deposit", "10000000000.00", "金额不能超过 9999999999.99 元。"),
        ("lead_days", "731", "交期须在 1 至 730 天之间。"),
    ],
)
def test_offer_form_and_api_refuse_figures_above_the_bounds(world, field, value, message):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    data = {"unit_price": "900.00", "tooling_fee": "0", "deposit": "1000.00", "lead_days": "30", field: value}
    # the dashboard form
    form = OfferForm(data=data, order=order)
    assert not form.is_valid()
    assert form.errors[field] == [message]
    # the API
    client = APIClient()
    client.force_authenticate(world["vendor"])
    response = client.post(f"/api/oem-orders/{order.pk}/offer/", data, format="json")
    assert response.status_code == 400
    assert response.json()["fields"][field] == [message]
    order.refresh_from_db()
    assert (order.status, order.unit_price, order.offer_revision) == (OemStatus.REVIEWING, None, 0)


def test_offer_service_refuses_a_total_no_order_can_hold(world):
    # given 1,000,000 units at ¥99,999.99: ¥99,999,990,000 > ¥9,999,999,999.99
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"], quantity=1_000_000)
    with pytest.raises(ValidationError) as exc:
        services.oem_order_make_offer(
            order=order,
            actor=world["vendor"],
            unit_price=Decimal("99999.99"),
            tooling_fee=Decimal("0"),
            deposit=Decimal("1000.00"),
            lead_days=30,
        )
    assert exc.value.message_dict["unit_price"] == [
        "订单总额不能超过 9999999999.99 元，请分批下单或联系平台。"
    ]


def test_the_database_refuses_oem_figures_beyond_the_bounds(world):
    order = reviewed_oem_order(buyer=world["buyer"], product=world["product"])
    rows = OemOrder.objects.filter(pk=order.pk)
    for values in (
        {"quantity": 1_000_001},
        {"unit_price": Decimal("100000000.00")},
        {"tooling_fee": Decimal("-1.00")},
        {"deposit": Decimal("0.00")},
        {"offer_lead_days": 731},
        {"estimated_lead_days": 3651},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(**values)
