"""The isolation matrix, generated from the URL resolver.

Every route (but Django's admin) is requested by anonymous, buyer A, buyer B, vendor A, vendor
B and the operator, GET and POST, pointed at the *other* party's rows. One crawl per module;
the tests below each read a different property of it."""

import sys
import types

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

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


def _urlconf_with_a_new_feature():
    """The project's URLs plus what a later feature might add: a namespace nobody listed, and
    a route without a name."""
    from shop import urls as project

    def view(request):
        return HttpResponse("")

    feature = types.ModuleType("tests.security._new_feature_urls")
    feature.app_name = "rebates"
    feature.urlpatterns = [path("", view, name="index"), path("<int:pk>/", view)]
    module = types.ModuleType("tests.security._urlconf_with_feature")
    module.urlpatterns = [path("rebates/", include(feature)), *project.urlpatterns]
    sys.modules[module.__name__] = module
    return module.__name__


def test_routes_of_a_namespace_nobody_listed_must_be_classified_too():
    # given the project's URLs plus a new namespace and an unnamed route nobody has classified
    urlconf = _urlconf_with_a_new_feature()
    # when the classification runs over the resolver
    with override_settings(ROOT_URLCONF=urlconf):
        unclassified = set(classify(crawl_routes()))
    # then the two new routes are reported (admin stays exempt)
    assert sorted(unclassified - set(classify(crawl_routes()))) == ["rebates/<int:pk>/", "rebates:index"]


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
    by_route: dict[str, list] = {}
    for o in breaches:
        by_route.setdefault(f"{o.route} ({o.label})" if o.label else o.route, []).append(
            f"{o} writes={o.writes}"
        )
    assert breaches == [], "cross-party successes, by route:\n" + "\n".join(
        f"{route}: {len(items)}x, e.g. {items[0]}" for route, items in sorted(by_route.items())
    )


def test_no_answer_shows_a_role_what_it_must_not_see(observations):
    # pages, JSON, redirects and the flash messages they queue (refusals and errors that echo
    # an id or a title included), for refused and allowed requests alike
    leaks = [o for o in observations if o.leaked]
    by_route: dict[str, set] = {}
    for o in leaks:
        by_route.setdefault(f"{o.route} ({o.label})" if o.label else o.route, set()).add(
            f"{o.role} {o.method} {o.url} -> {o.status} shows {o.leaked}"
        )
    assert leaks == [], "answers showing another party's rows, by route:\n" + "\n".join(
        f"{route}: {len(seen)}x, e.g. {sorted(seen)[0]}" for route, seen in sorted(by_route.items())
    )


def test_no_get_ends_a_session(observations):
    # a link or an <img src> to a logout URL must not sign anyone out: logout is a POST
    ended = sorted(
        {f"{o.role} GET {o.url} [{o.route}]" for o in observations if o.method == "GET" and o.session_ended}
    )
    assert ended == [], "GET requests that signed the user out:\n" + _fmt(ended)


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
