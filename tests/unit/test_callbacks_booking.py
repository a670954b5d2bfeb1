"""The 预约咨询 page: a signed-in visitor books from a service page; a visitor who is not signed
in is sent to sign in first; a bad number is shown in Chinese and stores nothing; bookings are
rate-limited like the other submissions."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.callbacks.models import CallbackRequest
from tests.factories.accounts import PartnerFactory, UserFactory
from tests.factories.services import package

pytestmark = pytest.mark.django_db

BOOKING = {"name": "李女士", "phone": "0731-88881234", "window": "anytime"}


def _signed_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def test_a_booking_from_a_service_page_names_the_service():
    product = package(
        "developer-outsourcing", title="人才开发外包服务包", partner=PartnerFactory(name="开发机构")
    )
    client = _signed_in()
    url = f"{reverse('callbacks:book')}?product={product.pk}"
    assert "人才开发外包服务包" in client.get(url).content.decode()
    response = client.post(url, BOOKING)
    callback = CallbackRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("callbacks:list")
    assert (callback.topic, callback.phone, callback.product_id) == (
        "人才开发外包服务包",
        "0731-88881234",
        product.pk,
    )
    listing = client.get(reverse("callbacks:list")).content.decode()
    assert "0731-****1234" in listing and "88881234" not in listing


def test_a_visitor_who_is_not_signed_in_signs_in_first():
    response = Client().post(reverse("callbacks:book"), BOOKING)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert CallbackRequest.objects.count() == 0


def test_a_bad_number_is_refused_in_chinese_and_nothing_is_stored():
    response = _signed_in().post(reverse("callbacks:book"), {**BOOKING, "phone": "8888"})
    assert response.status_code == 400
    assert (
        "请输入有效的电话号码：11 位手机号码，或带区号的固定电话（如 0731-88881234）。"
        in response.content.decode()
    )
    assert CallbackRequest.objects.count() == 0


def test_bookings_are_rate_limited(settings):
    settings.RATE_LIMITS = {"callbacks:book": "1/h"}
    client = _signed_in()
    assert client.post(reverse("callbacks:book"), BOOKING).status_code == 302
    refused = client.post(reverse("callbacks:book"), BOOKING)
    assert refused.status_code == 429
    assert CallbackRequest.objects.count() == 1
