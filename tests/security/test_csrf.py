"""CSRF: every state-changing URL refuses a POST without a token; only the signed Stripe
webhook is exempt (it proves itself with its signature instead)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from .crawl import _WRITE, HARMLESS_TABLES, crawl_routes, rule_for
from .urlmap import view_class
from .world import build_world

pytestmark = pytest.mark.django_db

# URL name -> why it may skip the CSRF check. Nothing else may.
CSRF_EXEMPT = {"payments:stripe-webhook": "Stripe signs each event; the view verifies the signature"}


def _is_exempt(callback) -> bool:
    if getattr(callback, "csrf_exempt", False):
        cls = view_class(callback)
        # DRF marks its views exempt and enforces CSRF itself for session-authenticated users
        from rest_framework.views import APIView

        return not (cls is not None and issubclass(cls, APIView))
    return False


def test_only_the_stripe_webhook_is_csrf_exempt():
    exempt = sorted({str(r.name) for r in crawl_routes() if _is_exempt(r.callback)})
    assert exempt == sorted(CSRF_EXEMPT)


@pytest.mark.parametrize("role", ["anonymous", "buyer_a", "operator"])
def test_every_post_without_a_token_is_refused_before_the_view_runs(role):
    # given the world and a client that enforces CSRF like a browser would
    world = build_world()
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    user = world.user(role)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    accepted = []
    for route in crawl_routes():
        rule = rule_for(route)
        if rule is None or str(route.name) in CSRF_EXEMPT:
            continue
        try:
            url = reverse(route.name, kwargs=rule.args(world, "a") if rule.args else None)
        except NoReverseMatch:
            continue
        # when it POSTs without a CSRF token
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"quantity": "1", "action": "accept"})
        writes = {
            m.group(1)
            for q in queries.captured_queries
            if (m := _WRITE.match(q["sql"])) and not HARMLESS_TABLES.match(m.group(1))
        }
        body = response.content.decode("utf-8", "replace")
        refused = response.status_code in (401, 403, 405) and (
            "CSRF" in body or response.status_code == 405 or route.namespace == "api"
        )
        # then the request is refused (403 CSRF, or 405 for a read-only URL) and writes nothing;
        # DRF answers 403 "CSRF Failed" to session users and 401/403 to anonymous ones
        if not refused or writes:
            accepted.append(f"{url} [{route.key}] -> {response.status_code} writes={sorted(writes)}")
    assert accepted == [], "POSTs without a CSRF token that were not refused:\n" + "\n".join(accepted)


def test_the_stripe_webhook_refuses_an_unsigned_event():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("payments:stripe-webhook"),
        data=b'{"id": "evt_forged", "type": "payment_intent.succeeded"}',
        content_type="application/json",
    )
    assert response.status_code == 400
