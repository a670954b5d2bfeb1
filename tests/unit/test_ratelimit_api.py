"""Rate limits cover the API too: quote requests and OEM orders created through /api/ count like
the HTML forms do (shop/core/ratelimit.py, settings.RATE_LIMITS)."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.oem.models import OemOrder
from shop.quotes.models import QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.oem import oem_private_root, oem_world  # noqa: F401  (fixture)
from tests.factories.quotes import make_vendor, stocked_product
from tests.unit.test_oem_api import create_payload as oem_payload
from tests.unit.test_quotes_api import _payload as quote_payload

pytestmark = pytest.mark.django_db


def _signed_in(user) -> APIClient:
    # a session, as the browser's API calls have: the middleware keys the limit on the user
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_api_submissions_share_the_html_forms_limits():
    limits = django_settings.RATE_LIMITS
    assert reverse("api:quote-request-list") == "/api/quote-requests/"
    assert reverse("api:oem-order-list") == "/api/oem-orders/"
    assert limits["api:quote-request-list"] == limits["quotes:submit"]
    assert limits["api:oem-order-list"] == limits["oem:create"]


def test_a_quote_request_over_the_api_limit_is_refused_and_saves_nothing(settings):
    # given a limit of one quote request per hour and a signed-in buyer
    settings.RATE_LIMITS = {"api:quote-request-list": "1/h"}
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    client = _signed_in(UserFactory())
    url = reverse("api:quote-request-list")
    # when the buyer submits twice
    first = client.post(url, quote_payload(product), format="json")
    second = client.post(url, quote_payload(product), format="json")
    # then the first is created, the second gets the Chinese 429 page and creates no row
    assert first.status_code == 201
    assert second.status_code == 429
    assert "请求过于频繁" in second.content.decode()
    assert int(second["Retry-After"]) > 0
    assert QuoteRequest.objects.count() == 1
    # and reading the list is not limited
    assert client.get(url).status_code == 200


@pytest.mark.usefixtures("oem_private_root")
def test_an_oem_order_over_the_api_limit_is_refused_and_saves_nothing(settings):
    settings.RATE_LIMITS = {"api:oem-order-list": "1/h"}
    world = oem_world(buyer_username="api-limited")
    client = _signed_in(world["buyer"])
    url = reverse("api:oem-order-list")
    first = client.post(url, oem_payload(world["product"]), format="multipart")
    second = client.post(url, oem_payload(world["product"]), format="multipart")
    assert first.status_code == 201, first.content[:300]
    assert second.status_code == 429
    assert OemOrder.objects.count() == 1
    # another buyer is not held back by the first one's limit
    other = _signed_in(UserFactory(username="api-other"))
    assert other.post(url, oem_payload(world["product"]), format="multipart").status_code == 201


def test_token_clients_are_limited_per_client_address(settings):
    # a token is read by DRF after the middleware has run: the limit falls back to the address
    settings.RATE_LIMITS = {"api:quote-request-list": "2/h"}
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    token = Token.objects.create(user=UserFactory()).key
    client = APIClient(REMOTE_ADDR="198.51.100.23")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = reverse("api:quote-request-list")
    # invalid requests (400) cost nothing; two created ones use the limit up
    statuses = [client.post(url, {}, format="json").status_code for _ in range(3)]
    statuses += [client.post(url, quote_payload(product), format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 400, 201, 201, 429]
    assert QuoteRequest.objects.count() == 2
    # the refusal is the API's JSON error
    refused = client.post(url, quote_payload(product), format="json")
    assert refused.json() == {"code": "throttled", "detail": "请求过于频繁，请稍后再试。", "fields": {}}
    # another address (not the same proxy bucket) is not held back
    other = APIClient(REMOTE_ADDR="198.51.100.24")
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert other.post(url, quote_payload(product), format="json").status_code == 201
