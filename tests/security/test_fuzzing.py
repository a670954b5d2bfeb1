"""Property-based fuzzing of the quote, OEM and vendor-application forms (hypothesis) and of the
REST API from its own OpenAPI schema (schemathesis, in-process WSGI): never a 500, invalid
input creates no row, valid input exactly one. Example counts are small to keep it fast."""

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.oem.models import OemOrder
from shop.quotes.models import QuoteRequest
from shop.vendors.models import VendorApplication
from tests.factories.accounts import UserFactory
from tests.factories.oem import make_oem_product, png_bytes
from tests.factories.quotes import form_data, make_vendor, stocked_product
from tests.factories.vendors import PDF_BYTES, application_data

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
JUNK = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "9" * 40,
            "1e309",
            "NaN",
            "2026-02-30",
            "１２３",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "a\x00b",
            "\u202e",
            "长" * 500,
        ]
    ),
)


def fuzzed(valid: dict, skip=()) -> st.SearchStrategy:
    """Mostly-valid form data: each field is its valid value or junk."""
    return st.fixed_dictionaries(
        {k: (st.just(v) if k in skip else st.one_of(st.just(v), st.just(v), JUNK)) for k, v in valid.items()}
    )


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def no_rate_limits():
    with override_settings(RATE_LIMITS={}):
        yield


def assert_outcome(response, before: int, after: int, success_prefix: str, outcomes: list):
    assert response.status_code < 500, response.content[:2000]
    succeeded = response.status_code == 302 and response["Location"].startswith(success_prefix)
    assert after - before == (1 if succeeded else 0), (response.status_code, response.get("Location"))
    outcomes.append(succeeded)


def assert_both_kinds(outcomes: list):
    """The examples hit both sides: some valid (one row each), some invalid (none)."""
    assert True in outcomes and False in outcomes, outcomes


def test_quote_request_form(no_rate_limits):
    partner, _ = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    client = signed_in(UserFactory())
    valid = {k: str(v) for k, v in form_data().items()}

    @FUZZ
    @given(data=fuzzed(valid))
    def run(data):
        client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
        before = QuoteRequest.objects.count()
        response = client.post(reverse("quotes:submit"), data)
        assert_outcome(response, before, QuoteRequest.objects.count(), "/quotes/", outcomes)

    outcomes = []
    run()
    assert_both_kinds(outcomes)


def test_oem_order_form(no_rate_limits):
    partner, _ = make_vendor("乙")
    product = make_oem_product(partner=partner, moq=100)
    client = signed_in(UserFactory())
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories.oem import organisation

    valid = {
        "quantity": "100",
        "brand_name": "星城智联",
        "cust_boot_screen": "on",
        "cust_boot_screen_detail": "开机画面",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }

    @FUZZ
    @given(data=fuzzed(valid))
    def run(data):
        before = OemOrder.objects.count()
        logo = SimpleUploadedFile("logo.png", png_bytes())
        response = client.post(
            reverse("oem:create", kwargs={"product_pk": product.pk}), {**data, "logo": logo}
        )
        assert_outcome(response, before, OemOrder.objects.count(), "/oem/", outcomes)

    outcomes = []
    run()
    assert_both_kinds(outcomes)


def test_vendor_application_form(no_rate_limits):
    @FUZZ
    @given(data=st.data())
    def run(data):
        valid = {k: (v if isinstance(v, list) else str(v)) for k, v in application_data().items()}
        values = data.draw(fuzzed(valid, skip=("categories",)))
        before = VendorApplication.objects.count()
        licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES)
        response = Client(raise_request_exception=False).post(
            reverse("vendors:apply"), {**values, "licence": licence}
        )
        assert_outcome(response, before, VendorApplication.objects.count(), "/vendors/", outcomes)

    outcomes = []
    run()
    assert_both_kinds(outcomes)


# --- the REST API, from its own schema ---------------------------------------------------------


@pytest.fixture
def api_schema(db):
    """The schema read from the running app. Like Django's test client, requests must not
    close the test's database connection (it holds the test transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    from shop.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(db, no_rate_limits):
    from rest_framework.authtoken.models import Token

    partner, vendor = make_vendor("丙")
    stocked_product(vendors=[(partner, "100.00")])
    make_oem_product(partner=partner, moq=10)
    buyer = UserFactory()
    return {"Authorization": f"Token {Token.objects.create(user=buyer).key}"}


COUNTED = (QuoteRequest, OemOrder)
API = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def test_api_never_fails_and_rejected_requests_write_nothing(api_schema, api_world):
    # given every operation of /api/schema/, with a signed-in buyer's token
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    seen = []
    for operation in operations:

        @API
        @given(case=operation.as_strategy())
        def run(case):
            before = {m: m.objects.count() for m in COUNTED}
            response = case.call(headers=api_world)
            after = {m: m.objects.count() for m in COUNTED}
            created = sum(after[m] - before[m] for m in COUNTED)
            # then no request is a server error
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:1000])
            # and a refused or read-only request writes nothing, a 201 exactly one row
            if response.status_code >= 400 or case.method.upper() in ("GET", "HEAD", "OPTIONS"):
                assert created == 0, (case.method, case.formatted_path, response.status_code)
            elif response.status_code == 201:
                assert created == 1, (case.method, case.formatted_path)
            seen.append((case.method.upper(), response.status_code))

        run()
    assert {m for m, _ in seen} >= {"GET", "POST"}
