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


# --- extreme numbers on every numeric field of every form and API operation ---------------------
#
# The fields are discovered, not listed: every page of the URL resolver is opened by the role
# that may use it (tests/security/formfuzz.py reads the forms off the HTML and their numeric
# fields off the form instances), and every operation of the OpenAPI schema is read for its
# numeric parameters and body properties. Each submission is rolled back; the tasks it enqueued
# run in-process (Celery eager) before the rollback.


def _form_fill(world) -> dict:
    """Valid values for required fields the pages leave empty, so that the one extreme number
    is the only thing wrong with a submission (otherwise it would never reach the service)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories.oem import organisation
    from tests.factories.quotes import form_data as quote_form_data

    oem = {
        "quantity": "100",
        "brand_name": "星城智联",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }
    return {
        "oem:create": oem,
        "quotes:submit": {k: str(v) for k, v in quote_form_data().items()},
        "__files__": {"logo": (png_bytes(), "logo.png"), "licence": (PDF_BYTES, "营业执照.pdf")},
    }


def _api_fill(world) -> tuple[dict, dict]:
    """Valid bodies of the API's create operations (by method and route name) and the files of
    the multipart ones, so each extreme number is the only thing wrong with a request."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories.oem import organisation
    from tests.factories.quotes import request_data

    quote = {k: v for k, v in request_data().items() if v is not None}
    quote["needed_by"] = quote["needed_by"].isoformat()
    quote["lines"] = [{"product": world.a.product.pk, "quantity": 2, "remark": ""}]
    oem = {
        "product": world.a.oem_product.pk,
        "quantity": world.a.oem_product.oem_min_quantity,
        "brand_name": "星城智联",
        "sample_required": "false",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "13800138000",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }
    fill = {("POST", "api:quote-request-list"): quote, ("POST", "api:oem-order-list"): oem}
    files = {("POST", "api:oem-order-list"): {"logo": (png_bytes(), "logo.png")}}
    return fill, files


@pytest.fixture(scope="module")
def form_fuzz(django_db_setup, django_db_blocker):
    """One world, every form of every page and every operation of the API probed (rolled back)."""
    from types import SimpleNamespace

    from django.db import transaction

    from .formfuzz import ApiFuzzer, FormFuzzer
    from .world import build_world

    with django_db_blocker.unblock(), override_settings(RATE_LIMITS={}):
        with transaction.atomic():
            world = build_world()
            forms = FormFuzzer(world, fill=_form_fill(world))
            forms.run()
            api = ApiFuzzer(world, *_api_fill(world))
            api.run()
            transaction.set_rollback(True)
    return SimpleNamespace(
        probes=forms.probes + api.probes,
        baselines={**forms.baselines, **api.baselines},
        fields_seen=forms.fields_seen,
        api_fields_seen=api.fields_seen,
        api_operations=api.operations,
        timing={"forms": forms.timing, "api": api.timing},
    )


def _listing(items, limit=60):
    items = [str(i) for i in items]
    more = f"\n... and {len(items) - limit} more" if len(items) > limit else ""
    return "\n".join(items[:limit]) + more


def test_the_fuzzer_finds_the_numeric_fields_of_the_forms(form_fuzz):
    # given every page of the resolver opened by its user
    # then the numeric fields found include those of the buyers' and vendors' main forms
    seen = {field for _route, field in form_fuzz.fields_seen}
    routes = {route for route, _field in form_fuzz.fields_seen}
    assert {"quantity", "lead_days", "lead_time_days"} <= seen, sorted(form_fuzz.fields_seen)
    assert {
        "oem:create(product_pk)",
        "dashboard:quotes-answer(pk,vq)",
        "dashboard:oem-detail(number)",
    } <= routes
    assert len(form_fuzz.fields_seen) >= 20
    print("fuzz requests and seconds:", form_fuzz.timing)  # shown with -rP / on failure


def test_filled_forms_are_accepted_unchanged(form_fuzz):
    # given the forms with valid values filled in, posted without an extreme number
    # then they are accepted (a row is written): the probes below reach the service
    for key in ("oem:create(product_pk)", "quotes:submit"):
        baselines = [p for k, p in form_fuzz.baselines.items() if k.startswith(key + " ")]
        assert baselines, key
        assert all(p.status == 302 and p.writes for p in baselines), _listing(baselines)


def test_the_fuzzer_finds_the_numeric_inputs_of_the_api(form_fuzz):
    # given every operation of /api/schema/ with its numeric parameters and body properties
    seen = {f"{op} {field}" for op, field in form_fuzz.api_fields_seen}
    # then the creates' quantities and the ids in paths are among them
    assert "POST /api/oem-orders/ ('quantity',)" in seen, sorted(seen)
    assert "POST /api/quote-requests/ ('lines', 0, 'quantity')" in seen, sorted(seen)
    assert len(form_fuzz.api_operations) >= 10


def test_filled_api_bodies_are_accepted_unchanged(form_fuzz):
    for key in ("POST /api/oem-orders/", "POST /api/quote-requests/"):
        baseline = form_fuzz.baselines[key]
        assert (baseline.status, bool(baseline.writes)) == (201, True), str(baseline)


def test_no_extreme_number_in_a_form_is_a_server_error(form_fuzz):
    errors = [p for p in form_fuzz.probes if p.status >= 500]
    assert errors == [], "server errors:\n" + _listing(errors)


def test_no_invalid_number_in_a_form_writes_a_row(form_fuzz):
    from .formfuzz import INVALID

    written = [p for p in form_fuzz.probes if p.value in INVALID and p.writes]
    assert written == [], "invalid numbers that changed data:\n" + _listing(written)


def test_no_task_fails_after_a_form_submission(form_fuzz):
    # what a form accepted must not make its task fail afterwards (the worker would retry and
    # give up on it)
    failed = [p for p in form_fuzz.probes if p.failed_tasks or p.error]
    assert failed == [], "tasks failing after a submission:\n" + _listing(failed)
