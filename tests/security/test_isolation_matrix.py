"""The isolation matrix, generated from the URL resolver.

Every route (but Django's admin) is requested by anonymous, buyer A, buyer B, vendor A, vendor
B and the operator, GET and POST, pointed at the *other* party's rows. One crawl per module;
the tests below each read a different property of it."""

import pytest
from django.db import transaction

from .access_table import TABLE
from .crawl import Crawler, classify, crawl_routes, is_denial
from .world import build_world

pytestmark = pytest.mark.django_db  # so the test database is set up for the module fixture


@pytest.fixture(scope="module")
def observations(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            world = build_world()
            result = Crawler(world).run()
            transaction.set_rollback(True)
    return result


def _fmt(items, limit=60):
    items = [str(i) for i in items]
    more = f"\n... and {len(items) - limit} more" if len(items) > limit else ""
    return "\n".join(items[:limit]) + more


def test_every_route_is_classified():
    # a new URL nobody has classified fails here (add it to tests/security/access_table.py)
    unclassified = classify(crawl_routes())
    assert unclassified == [], "unclassified routes:\n" + "\n".join(unclassified)


def test_table_has_no_stale_entries():
    keys = {r.key for r in crawl_routes()} | {str(r.name) for r in crawl_routes()}
    assert sorted(set(TABLE) - keys) == []


def test_zero_cross_party_successes(observations):
    # a refused request is a 4xx or a redirect and writes no business row
    breaches = [
        o
        for o in observations
        if o.kind == "cross" and o.expected == "deny" and (not is_denial(o.status, o.location) or o.writes)
    ]
    assert breaches == [], "cross-party successes:\n" + _fmt(f"{o} writes={o.writes}" for o in breaches)


def test_list_pages_never_show_the_other_partys_rows(observations):
    leaks = [o for o in observations if o.kind == "cross" and o.leaked]
    assert leaks == [], "pages showing the other party's rows:\n" + _fmt(
        f"{o} shows {o.leaked}" for o in leaks
    )


def test_owners_and_operators_can_open_their_rows(observations):
    # proves the matrix points at real rows: otherwise every refusal would be a 404 for nothing
    broken = [
        o
        for o in observations
        if (o.kind == "own" or (o.kind == "operator" and o.access != "public"))
        and o.expected == "allow"
        and (o.status in (403, 404) or "login" in o.location)
    ]
    checked = [o for o in observations if o.kind in ("own", "operator") and o.expected == "allow"]
    assert len(checked) > 50
    assert broken == [], "owner/operator could not open its own rows:\n" + _fmt(broken)


def test_no_request_of_the_matrix_is_a_server_error(observations):
    errors = [o for o in observations if o.status >= 500]
    assert errors == [], "server errors:\n" + _fmt(errors)


def test_every_response_carries_the_security_headers(observations):
    missing = []
    for o in observations:
        h = o.headers
        problems = []
        csp = {
            d.strip().split(" ", 1)[0]: d.strip()
            for d in h["Content-Security-Policy"].split(";")
            if d.strip()
        }
        # the site's policy, or the stricter one file downloads get ("default-src 'none'; sandbox")
        if csp.get("default-src") not in (
            "default-src 'self'",
            "default-src 'none'",
        ) or "'unsafe-inline'" in csp.get("script-src", ""):
            problems.append("CSP")
        if h["X-Content-Type-Options"] != "nosniff":
            problems.append("nosniff")
        if h["Referrer-Policy"] != "same-origin":
            problems.append("Referrer-Policy")
        if h["X-Frame-Options"] != "DENY" and csp.get("frame-ancestors") != "frame-ancestors 'none'":
            problems.append("frame protection")
        if problems:
            missing.append(f"{o}: {problems}")
    assert missing == [], _fmt(missing)


def test_no_page_has_inline_scripts_or_event_handler_attributes(observations):
    found = sorted({f"{o.url} [{o.route}] as {o.role}: {o.inline[:3]}" for o in observations if o.inline})
    assert found == [], "inline scripts (CSP blocks them):\n" + _fmt(found)


def test_no_get_changes_data(observations):
    writes = sorted(
        {
            f"{o.role} GET {o.url} [{o.route}] writes {o.writes}"
            for o in observations
            if o.method == "GET" and o.writes
        }
    )
    assert writes == [], "GET requests that wrote rows:\n" + _fmt(writes)
