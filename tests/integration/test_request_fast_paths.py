"""The cheaper paths every request takes (real Redis and database): the signed-in user of a GET
from the cache (shop/core/usercache.py), the CSP header built once (shop/core/csp.py), the
language without URL-prefix work (shop/core/language.py), and no page-cache lookup for paths
that are no storefront page (shop/storefront/middleware.py). Each still does exactly what the
slow path did."""

import re
import secrets
from urllib.parse import unquote

import pytest
from csp.constants import HEADER, NONCE, SELF
from csp.decorators import csp_update
from csp.utils import build_policy
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

from shop.core import usercache
from shop.core.csp import CSPMiddleware
from shop.storefront.middleware import leads_to_storefront_page
from tests.factories.accounts import UserFactory
from tests.factories.catalogue import ProductFactory

pytestmark = pytest.mark.django_db

SIGNED_IN = 'id="logout_link"'
SIGNED_OUT = 'id="login_link"'


def user_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "auth_user"' in q["sql"]]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_with_session(client, method="get"):
    """A request carrying ``client``'s session, as SessionMiddleware would give it."""
    from importlib import import_module

    from django.conf import settings

    request = getattr(RequestFactory(), method)("/")
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return request


# --- the signed-in user of a GET from the cache -------------------------------------------------


def test_a_get_reads_the_signed_in_user_from_the_cache_and_a_post_from_the_database():
    user = UserFactory()
    client = signed_in(user)
    usercache.get_user(request_with_session(client))  # the first GET stores the row

    with CaptureQueriesContext(connection) as ctx:
        got = usercache.get_user(request_with_session(client))
    assert got.pk == user.pk and got.email == user.email
    assert user_queries(ctx) == []
    # the password hash was never stored: reading it loads it from the database
    with CaptureQueriesContext(connection) as ctx:
        assert got.password == user.password
    assert len(user_queries(ctx)) == 1

    with CaptureQueriesContext(connection) as ctx:
        got = usercache.get_user(request_with_session(client, "post"))
    assert got.pk == user.pk
    assert len(user_queries(ctx)) == 1


def test_any_save_of_the_user_makes_the_next_get_read_the_database():
    user = UserFactory(first_name="旧名")
    client = signed_in(user)
    usercache.get_user(request_with_session(client))

    user.first_name = "新名"
    user.save()
    with CaptureQueriesContext(connection) as ctx:
        got = usercache.get_user(request_with_session(client))
    assert got.first_name == "新名"
    assert len(user_queries(ctx)) == 1


def test_a_changed_password_ends_the_other_sessions_on_their_next_page():
    user = UserFactory()
    client = signed_in(user)
    assert SIGNED_IN in client.get("/").content.decode()

    user.set_password("a-new-password-9")
    user.save()

    response = client.get("/")
    assert response.status_code == 200
    assert SIGNED_OUT in response.content.decode() and SIGNED_IN not in response.content.decode()
    assert isinstance(usercache.get_user(request_with_session(client)), AnonymousUser)


def test_a_deactivated_user_is_signed_out_on_the_next_page():
    user = UserFactory()
    client = signed_in(user)
    assert SIGNED_IN in client.get("/").content.decode()

    user.is_active = False
    user.save()

    html = client.get("/").content.decode()
    assert SIGNED_OUT in html and SIGNED_IN not in html


def test_a_row_read_before_a_change_never_counts_after_it():
    """A request that loaded the row, then a save by another request, then the first request
    storing its (old) row: the row was stored under the old generation, so it is not used."""
    user = UserFactory(first_name="旧名")
    client = signed_in(user)
    backend_path = request_with_session(client).session["_auth_user_backend"]
    from django.contrib.auth import load_backend

    backend = load_backend(backend_path)
    stale_generation = usercache.cache.get(usercache.gen_key(user.pk))
    usercache.user_changed(user.pk)  # the other request's save
    names = [f.attname for f in user._meta.concrete_fields if f.attname != "password"]
    usercache.cache.set(
        usercache.row_key(user.pk),
        (
            stale_generation,
            backend_path,
            "default",
            names,
            [getattr(user, n) for n in names],
            user.get_session_auth_hash(),
            [],
        ),
    )
    type(user).objects.filter(pk=user.pk).update(first_name="新名")

    got = usercache.backend_user(backend, backend_path, user.pk)
    assert got.first_name == "新名"


def test_the_cache_holds_no_password_hash_and_a_cached_user_saves_only_what_it_loaded():
    # given a buyer whose row a GET stored in the cache
    user = UserFactory(first_name="旧名")
    client = signed_in(user)
    usercache.get_user(request_with_session(client))
    stored = usercache.cache.get(usercache.row_key(user.pk))
    # then the stored row has no password field and no value equal to the hash
    assert "password" not in stored[3]
    assert user.password not in [str(v) for v in stored[4]]
    # when the next GET's user is changed and saved
    got = usercache.get_user(request_with_session(client))
    got.first_name = "新名"
    got.save()
    # then the password is what it was: the buyer still signs in with it
    user.refresh_from_db()
    assert user.first_name == "新名"
    assert user.check_password("pass-12345")


def test_a_new_secret_key_never_reads_rows_stored_under_the_old_one(settings):
    user = UserFactory()
    old_key = usercache.row_key(user.pk)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert usercache.row_key(user.pk) != old_key


def test_two_buyers_each_see_their_own_account_on_the_same_page():
    first, second = UserFactory(first_name="甲"), UserFactory(first_name="乙")
    a, b = signed_in(first), signed_in(second)
    for _ in range(2):
        assert usercache.get_user(request_with_session(a)).pk == first.pk
        assert usercache.get_user(request_with_session(b)).pk == second.pk


def test_a_warm_buyer_page_costs_no_query():
    ProductFactory(title="智慧灯杆")
    client = signed_in(UserFactory())
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response["X-Storefront-Cache"] == "hit"
    assert ctx.captured_queries == []


def test_a_buyers_page_version_and_header_are_read_with_the_user_in_one_round_trip():
    from shop.storefront.cache import VERSION_KEY, _page_key, local_pages
    from shop.storefront.personal import user_keys

    ProductFactory(title="智慧灯杆")
    user = UserFactory()
    client = signed_in(user)
    client.get("/")  # stores the shared page and the buyer's header
    local_pages.clear()  # given a web process that holds no copy of the page

    request = request_with_session(client)
    assert usercache.get_user(request).pk == user.pk
    page_key = f"{_page_key(request)}:shell"
    got = usercache.prefetched(request, [page_key, *user_keys(user.pk), VERSION_KEY])
    assert got[page_key]["body"].count(b"<!--xh:personal:") >= 1  # the shell, regions as markers
    assert got[page_key]["version"] == got[VERSION_KEY]
    assert got[user_keys(user.pk)[2]][0][1] == got[user_keys(user.pk)[1]]  # the header, current


def test_a_process_holding_the_page_reads_only_the_version_and_header_with_the_user():
    from shop.storefront.cache import VERSION_KEY, _page_key, local_pages
    from shop.storefront.personal import user_keys

    ProductFactory(title="智慧灯杆")
    user = UserFactory()
    client = signed_in(user)
    client.get("/")  # stores the page: in Redis and as this process's copy

    request = request_with_session(client)
    usercache.get_user(request)
    page_key = f"{_page_key(request)}:shell"
    assert local_pages.has(page_key)
    assert usercache.prefetched(request, [page_key]) is None  # the page was not fetched
    got = usercache.prefetched(request, [*user_keys(user.pk), VERSION_KEY])
    assert set(got) == {*user_keys(user.pk), VERSION_KEY}


def test_nothing_is_read_ahead_for_a_page_that_is_no_storefront_page():
    client = signed_in(UserFactory())
    request = request_with_session(client)
    request.path_info = request.path = reverse("customer:summary")
    usercache.get_user(request)
    assert usercache.prefetched(request, []) is None


def test_a_signed_in_post_with_a_bad_csrf_token_is_still_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get("/")
    response = client.post(reverse("customer:logout"), {"csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert SIGNED_IN in client.get("/").content.decode()  # still signed in


# --- the CSP header, built once ----------------------------------------------------------------


PLAIN = "/health/live"  # a page of no storefront, no template


def test_every_response_gets_the_policy_of_the_settings(client):
    expected = build_policy()
    for _ in range(2):
        response = client.get(PLAIN)
        assert response[HEADER] == expected
    assert "default-src 'self'" in expected and "frame-ancestors 'none'" in expected


def test_a_view_with_its_own_policy_gets_its_own_header():
    @csp_update({"img-src": "https://img.example.com"})
    def with_own_policy(request):
        return HttpResponse("own")

    def plain(request):
        return HttpResponse("plain")

    request = RequestFactory().get("/own/")
    own = CSPMiddleware(with_own_policy)(request)
    assert "https://img.example.com" in own[HEADER]
    assert own[HEADER] != build_policy()
    assert CSPMiddleware(plain)(RequestFactory().get("/plain/"))[HEADER] == build_policy()


def test_a_request_with_a_nonce_gets_the_policy_built_with_it(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}

    def uses_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    middleware = CSPMiddleware(uses_nonce)
    request = RequestFactory().get("/")
    middleware.process_request(request)
    response = middleware.process_response(request, uses_nonce(request))
    nonce = response.content.decode()
    assert response[HEADER] == build_policy(nonce=nonce)
    assert f"'nonce-{nonce}'" in response[HEADER]
    plain = RequestFactory().get("/")
    middleware.process_request(plain)
    without = middleware.process_response(plain, HttpResponse("x"))[HEADER]
    assert without == build_policy() and "nonce" not in without
    assert sorted(without.split("; ")) == ["default-src 'self'", "script-src 'self'"]


def test_a_changed_policy_setting_takes_effect(client, settings):
    client.get(PLAIN)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get(PLAIN)[HEADER] == "default-src 'none'"


def test_storefront_pages_and_the_stored_copies_carry_the_csp_header(client):
    ProductFactory(title="智慧灯杆")
    first, second = client.get("/"), client.get("/")
    assert second["X-Storefront-Cache"] == "hit"
    assert first[HEADER] == second[HEADER] == build_policy()


# --- the language -------------------------------------------------------------------------------


def test_the_language_comes_from_the_cookie_or_accept_language_and_is_announced(client):
    chinese = client.get(PLAIN)
    assert chinese["Content-Language"] == "zh-hans"
    assert "Accept-Language" in chinese["Vary"]
    english = client.get(PLAIN, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    client.cookies["django_language"] = "en"
    assert client.get(PLAIN)["Content-Language"] == "en"


# --- the early page middleware looks only where a page can be stored ----------------------------


def test_only_storefront_pages_are_looked_up_in_the_page_cache(settings):
    product = ProductFactory(title="智慧灯杆")
    urlconf = settings.ROOT_URLCONF
    for url in ("/", reverse("catalogue:index"), product.get_absolute_url(), reverse("search:search")):
        assert leads_to_storefront_page(urlconf, unquote(url)), url  # path_info is decoded
    for url in (reverse("customer:login"), reverse("basket:summary"), "/health/live", "/no-such-page/"):
        assert not leads_to_storefront_page(urlconf, url), url


def test_a_stored_page_answered_early_still_carries_the_security_headers(client):
    ProductFactory(title="智慧灯杆")
    client.get("/")
    response = client.get("/")
    assert response["X-Storefront-Cache"] == "hit"
    assert response[HEADER] == build_policy()
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(response.content))  # not sent chunked


# --- messages and the basket strategy: built only when used ----------------------------------------
# (a message added by a POST and shown once on the next page: test_storefront_personal.py)


def test_a_request_that_uses_no_message_stores_none_and_sets_no_cookie(client):
    response = client.get(PLAIN)
    assert "messages" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")  # neither the session nor the user was read


def test_the_strategy_reads_the_user_only_when_asked_and_gets_the_signed_in_one():
    from shop.apps.partner.strategy import Selector

    user = UserFactory()
    request = request_with_session(signed_in(user))
    request.user = SimpleLazyObject(lambda: usercache.get_user(request))
    strategy = Selector().strategy(request=request)
    assert request.user._wrapped is empty  # not loaded by making the strategy
    assert strategy.user.pk == user.pk
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert Selector().strategy(request=anonymous).user is None


def test_a_loaded_user_stands_as_request_user_itself_and_the_visitor_is_kept():
    from shop.storefront.personal import visitor_for

    # given a signed-in buyer's GET through our authentication middleware
    user = UserFactory()
    request = request_with_session(signed_in(user))
    usercache.AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)
    lazy = request.user
    assert isinstance(lazy, SimpleLazyObject) and lazy._wrapped is empty
    # when the page's personal regions ask for their visitor (which reads the user)
    visitor = visitor_for(request)
    # then request.user is the user itself, the lazy object answers as before, and the same
    # visitor is found again for the rest of the request
    assert type(request.user) is type(user) and request.user.pk == user.pk
    assert lazy.pk == user.pk and lazy._wrapped is request.user
    assert visitor.user is request.user and visitor_for(request) is visitor
    # and a user read first elsewhere is the same one
    other = request_with_session(signed_in(UserFactory()))
    usercache.AuthenticationMiddleware(lambda r: HttpResponse()).process_request(other)
    assert other.user.is_authenticated
    assert not isinstance(other.user, SimpleLazyObject)
    assert visitor_for(other).user is other.user


# --- one round trip for a warm buyer page: the session read with the user's row ---------------


def test_a_warm_buyer_page_costs_no_cache_round_trip(cache_commands, near_copy):
    # given a buyer whose session this process has seen, and the page stored
    ProductFactory(title="智慧灯杆")
    client = signed_in(UserFactory(first_name="甲"))
    client.get("/")
    client.get("/")
    client.get("/")  # (after the writes of the first pages, read up to Redis's reports once)
    cache_commands.clear()
    # when the buyer opens the page again
    response = client.get("/")
    # then the session, the user's row, the header and the catalogue version came from this
    # process's near copy of the cache: no command went to Redis
    assert response["X-Storefront-Cache"] == "hit"
    assert SIGNED_IN in response.content.decode()
    assert cache_commands == []
    assert near_copy.held() >= 4


def test_without_the_near_copy_a_warm_buyer_page_costs_one_cache_round_trip(cache_commands, monkeypatch):
    from django.core.cache import cache

    # given the near copy off (CACHE_NEAR=false), a buyer and the page stored
    monkeypatch.setattr(cache.client, "_near_wanted", False)
    monkeypatch.setattr(cache.client, "_near", None)
    ProductFactory(title="智慧灯杆")
    client = signed_in(UserFactory(first_name="甲"))
    client.get("/")
    client.get("/")
    cache_commands.clear()
    # when the buyer opens the page again
    response = client.get("/")
    # then one MGET read the session, the user's row, the header and the catalogue version
    assert response["X-Storefront-Cache"] == "hit"
    assert SIGNED_IN in response.content.decode()
    assert cache_commands == ["MGET"]


def test_a_session_seen_before_that_now_names_another_user_gives_that_user():
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    first, second = UserFactory(first_name="甲"), UserFactory(first_name="乙")
    client = signed_in(first)
    assert usercache.get_user(request_with_session(client)).pk == first.pk  # remembered: first
    # given the same session now naming the second user
    request = request_with_session(client)
    request.session[SESSION_KEY] = str(second.pk)
    request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    request.session[HASH_SESSION_KEY] = second.get_session_auth_hash()
    request.session.save()
    # when the next request reads its user
    request = request_with_session(client)
    user = usercache.get_user(request)
    # then it is the second user, and nothing read for the first is left on the request
    assert user.pk == second.pk
    assert usercache.prefetched(request, [usercache.row_key(first.pk)]) is None


def test_a_signed_out_session_seen_before_is_anonymous():
    client = signed_in(UserFactory())
    stale = request_with_session(client)
    assert usercache.get_user(request_with_session(client)).is_authenticated
    client.logout()  # deletes the session from the cache and the database
    # when a request still carries the old session key
    request = RequestFactory().get("/")
    from importlib import import_module

    from django.conf import settings

    request.session = import_module(settings.SESSION_ENGINE).SessionStore(stale.session.session_key)
    # then it is anonymous
    assert usercache.get_user(request).is_authenticated is False


def test_the_session_store_uses_a_preloaded_read_once():
    from shop.core.sessions import SessionStore

    client = signed_in(UserFactory())
    key = client.cookies["sessionid"].value
    store = SessionStore(key)
    store.preload({"given": "值"})
    assert store["given"] == "值"  # the preloaded data, not a read
    assert store.loaded
    fresh = SessionStore(key)
    fresh.preload(None)  # not in the cache: the store reads as Django's does
    assert "_auth_user_id" in fresh.load()


# --- CSRF tokens drawn in one read ------------------------------------------------------------


def test_csrf_characters_map_bytes_below_248_and_drop_the_rest(monkeypatch):
    from django.middleware.csrf import CSRF_ALLOWED_CHARS

    from shop.core import csrf

    monkeypatch.setattr(
        csrf.os, "urandom", lambda n: bytes(range(256))[:n] if n <= 256 else bytes(range(256))
    )
    assert csrf.random_chars(62) == CSRF_ALLOWED_CHARS
    draws = iter([bytes([247, 248, 255, 0]), bytes([61, 62] + [1] * 10)])
    monkeypatch.setattr(csrf.os, "urandom", lambda n: next(draws))
    assert csrf.random_chars(4) == CSRF_ALLOWED_CHARS[247 % 62] + "a" + CSRF_ALLOWED_CHARS[61] + "a"


def test_a_csrf_token_made_here_passes_djangos_check_and_a_wrong_one_does_not():
    from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token

    from shop.core import csrf

    get = RequestFactory().get("/")
    token = csrf.get_token(get)
    secret = get.META["CSRF_COOKIE"]
    assert get.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(token) == 64 and _unmask_cipher_token(token) == secret
    again = csrf.get_token(get)
    assert again != token and _unmask_cipher_token(again) == secret  # the same secret, a new mask

    def view(request):
        return HttpResponse("ok")

    def post(token_sent):
        request = RequestFactory().post("/", {"csrfmiddlewaretoken": token_sent})
        request.COOKIES["csrftoken"] = secret
        middleware = CsrfViewMiddleware(view)
        middleware.process_request(request)
        return middleware.process_view(request, view, (), {})

    assert post(token) is None  # accepted
    assert post(token[:32] + token[32:][::-1]).status_code == 403


def test_a_csrf_mask_here_is_the_one_django_makes_from_the_same_pad(monkeypatch):
    from django.middleware import csrf as django_csrf

    from shop.core import csrf

    # given the same secrets and pads for both (every character at both ends of the alphabet)
    chars = django_csrf.CSRF_ALLOWED_CHARS
    secrets = [chars[:32], chars[30:62], chars[::-1][:32], "z" * 32, "0" * 32]
    for secret in secrets:
        for pad in secrets:
            monkeypatch.setattr(csrf, "random_chars", lambda n, pad=pad: pad)
            monkeypatch.setattr(django_csrf, "_get_new_csrf_string", lambda pad=pad: pad)
            # when each masks the secret / then the tokens are equal
            assert csrf.mask(secret) == django_csrf._mask_cipher_secret(secret), (secret, pad)


def _set_cookie_lines(ours: bool, secret: str, frozen: float, monkeypatch) -> list[str]:
    """The Set-Cookie lines of a GET whose view made a CSRF token for ``secret`` at ``frozen``,
    through Django's CSRF middleware alone or with ours below it (as in ``MIDDLEWARE``)."""
    import django.http.response
    from django.middleware.csrf import CsrfViewMiddleware

    from shop.core.csrf import CsrfCookieMiddleware

    monkeypatch.setattr(django.http.response.time, "time", lambda: frozen)

    def view(request):
        request.META.update(CSRF_COOKIE=secret, CSRF_COOKIE_NEEDS_UPDATE=True)  # as get_token does
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    response = CsrfViewMiddleware(CsrfCookieMiddleware(view) if ours else view)(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is False
    assert response["Vary"] == "Cookie"
    return [morsel.OutputString() for morsel in response.cookies.values()]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_HTTPONLY": True, "CSRF_COOKIE_DOMAIN": "xianghui.example"},
        {"CSRF_COOKIE_AGE": None, "CSRF_COOKIE_SAMESITE": "Strict", "CSRF_COOKIE_NAME": "xh_csrf"},
    ],
)
def test_the_csrf_cookie_is_the_one_djangos_middleware_writes(settings, monkeypatch, overrides):
    # given cookie settings, a secret and a moment (twice in one second, then the next second)
    for name, value in overrides.items():
        setattr(settings, name, value)
    for secret, frozen in [
        ("a" * 32, 1_800_000_000.2),
        ("Z9" * 16, 1_800_000_000.9),
        ("b" * 32, 1_800_000_001.0),
    ]:
        # when the cookie is written with ours below Django's, and by Django's alone
        ours = _set_cookie_lines(True, secret, frozen, monkeypatch)
        django_s = _set_cookie_lines(False, secret, frozen, monkeypatch)
        # then the lines are the same
        assert ours == django_s, (ours, django_s)
    assert ours[0].startswith(f"{settings.CSRF_COOKIE_NAME}={'b' * 32}; ")
    assert ("Max-Age" in ours[0]) is (settings.CSRF_COOKIE_AGE is not None)


def test_djangos_csrf_middleware_stays_and_ours_sits_right_below_it(settings):
    at = settings.MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")
    assert settings.MIDDLEWARE[at + 1] == "shop.core.csrf.CsrfCookieMiddleware"


def test_a_csrf_cookie_changed_after_it_was_made_is_written_as_changed():
    from shop.core.csrf import csrf_cookie

    # given two cookies made in the same second
    cookie, other = csrf_cookie("c" * 32, now=1_800_000_000), csrf_cookie("d" * 32, now=1_800_000_000)
    assert "Max-Age=31449600" in cookie.OutputString()
    # when one is made to expire now (as ``delete_cookie`` would)
    cookie["max-age"] = 0
    # then it is written with its new attribute, and the other is not touched
    assert "Max-Age=0" in cookie.OutputString() and cookie.OutputString().startswith("csrftoken=" + "c" * 32)
    assert "Max-Age=31449600" in other.OutputString()


def test_a_stored_product_page_sends_a_csrf_cookie_that_a_post_then_passes_with():
    # given a product page answered from the store to a visitor without cookies
    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    Client().get(url)
    client = Client(enforce_csrf_checks=True)
    response = client.get(url)
    assert response["X-Storefront-Cache"] == "hit"
    # when it reads the cookie line and the form's token as a browser would
    line = response.cookies["csrftoken"].OutputString()
    secret = re.match(r"csrftoken=(\w{32}); expires=[^;]+ GMT; Max-Age=31449600; Path=/; SameSite=Lax$", line)
    assert secret, line
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w{64})"', response.content.decode()).group(1)
    # then a POST with that cookie and token passes the CSRF check, and one without is refused
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = secret.group(1)
    answer = browser.post(
        reverse("basket:add", kwargs={"pk": product.pk}), {"csrfmiddlewaretoken": token, "quantity": 1}
    )
    assert answer.status_code != 403
    refused = Client(enforce_csrf_checks=True).post(
        reverse("basket:add", kwargs={"pk": product.pk}), {"csrfmiddlewaretoken": token, "quantity": 1}
    )
    assert refused.status_code == 403


# --- this process's copies of stored pages ----------------------------------------------------


def test_a_catalogue_change_reaches_a_page_copy_at_once(client):
    from shop.storefront.cache import local_pages

    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    assert client.get(url)["X-Storefront-Cache"] == "miss"
    assert client.get(url)["X-Storefront-Cache"] == "hit"
    assert any(key.endswith(":anonymous") for key in local_pages.pages)
    # when the product changes
    product.title = "智慧灯杆二代"
    product.save()
    # then the next page is rendered anew from the database
    response = client.get(url)
    assert response["X-Storefront-Cache"] == "miss"
    assert "智慧灯杆二代" in response.content.decode()


def test_a_page_copy_counts_only_under_its_version_and_before_its_expiry(monkeypatch):
    from shop.storefront.cache import LocalPages

    pages = LocalPages(size=2)
    now = 1_000_000.0
    monkeypatch.setattr("shop.storefront.cache.time.time", lambda: now)
    pages.put("a", {"version": 7, "expires": now + 60, "body": b"A"})
    assert pages.get("a", 7)["body"] == b"A"
    assert pages.get("a", 8) is None  # another catalogue version
    assert pages.get("a", None) is None  # the version could not be read
    now += 60
    assert pages.get("a", 7) is None  # the Redis entry has expired by now


def test_page_copies_are_bounded_least_recently_used_out_first():
    from shop.storefront.cache import LocalPages

    pages = LocalPages(size=2)
    for key in "abc":
        pages.put(key, {"version": 1, "expires": float("inf"), "body": key.encode()})
    assert list(pages.pages) == ["b", "c"]
    pages.get("b", 1)
    pages.put("d", {"version": 1, "expires": float("inf"), "body": b"d"})
    assert list(pages.pages) == ["b", "d"]
    assert LocalPages(size=0).put("a", {}) is None and not LocalPages(size=0).pages


def test_a_page_whose_copy_is_stale_is_read_from_redis(client):
    from shop.storefront.cache import local_pages

    url = ProductFactory(title="智慧灯杆").get_absolute_url()
    client.get(url)
    (key,) = [k for k in local_pages.pages if k.endswith(":anonymous")]
    local_pages.pages[key] = {**local_pages.pages[key], "version": -1, "body": b"old"}
    # when the copy is of another version, the entry in Redis answers and becomes the copy
    response = client.get(url)
    assert response["X-Storefront-Cache"] == "hit"
    assert "智慧灯杆" in response.content.decode()
    assert local_pages.pages[key]["version"] != -1


# --- the URL match kept per path ----------------------------------------------------------------


def test_the_handler_keeps_a_paths_match_and_gives_each_request_its_own_copy():
    from django.urls import Resolver404, get_resolver

    from shop.core import handlers

    product = ProductFactory(title="智慧灯杆")
    path = unquote(product.get_absolute_url())
    handlers._match.cache_clear()
    first = handlers.resolve(get_resolver(), path)
    second = handlers.resolve(get_resolver(), path)
    assert handlers._match.cache_info().hits == 1
    assert first is not second and first.kwargs is not second.kwargs
    assert (first.func, first.kwargs, first.url_name) == (second.func, second.kwargs, second.url_name)
    assert first.kwargs == get_resolver().resolve(path).kwargs
    first.kwargs["pk"] = "changed"
    assert handlers.resolve(get_resolver(), path).kwargs["pk"] == str(product.pk)
    for _ in range(2):
        with pytest.raises(Resolver404):
            handlers.resolve(get_resolver(), "/no-such-page/")
    assert handlers._match.cache_info().currsize == 1  # a path that matches nothing is not kept


def test_the_web_servers_application_serves_pages_through_the_kept_match():
    import io
    import sys

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from shop.core.handlers import MatchKeepingWSGIHandler
    from shop.wsgi import application

    assert isinstance(application, MatchKeepingWSGIHandler)
    ProductFactory(title="智慧灯杆")
    statuses = []
    # as Django's test client does: the test's database connection stays open between requests
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    self_closing = (request_started, request_finished)
    for path in ("/", "/", "/no-such-page/"):
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
            "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "HTTP_HOST": "testserver",
        }  # fmt: skip
        try:
            body = b"".join(application(environ, lambda status, headers, exc=None: statuses.append(status)))
        finally:
            for signal in self_closing:
                signal.connect(close_old_connections)
    assert statuses == ["200 OK", "200 OK", "404 Not Found"]
    assert "页面不存在".encode() in body


# --- messages read only when there may be some --------------------------------------------------


def test_messages_that_overflow_the_cookie_into_the_session_show_on_a_stored_page_once():
    from django.contrib.messages import constants
    from django.contrib.messages.storage.fallback import FallbackStorage

    from shop.core.messages import MessageMiddleware, may_have_messages

    def with_messages(request):
        MessageMiddleware(lambda r: None).process_request(request)
        return request

    ProductFactory(title="智慧灯杆")
    client = signed_in(UserFactory())
    client.get("/")  # the page stored
    assert may_have_messages(with_messages(request_with_session(client))) is False
    # given more messages than the cookie holds: the rest go to the session
    request = request_with_session(client)
    storage, response = FallbackStorage(request), HttpResponse()
    texts = [f"第{i}条提示 {secrets.token_hex(200)}" for i in range(16)]  # not compressible
    for text in texts:
        storage.add(constants.INFO, text)
    storage.update(response)
    request.session.save()
    assert "_messages" in request.session  # some overflowed
    client.cookies["messages"] = response.cookies["messages"].value
    assert may_have_messages(with_messages(request_with_session(client))) is True
    # when the buyer opens the stored page, every message shows, once
    first = client.get("/")
    assert first["X-Storefront-Cache"] == "hit"
    assert all(text in first.content.decode() for text in texts)
    assert "第0条提示" not in client.get("/").content.decode()


# --- a signed-in buyer's stored page answered above the basket middleware and the view --------


@pytest.fixture
def views_run(monkeypatch):
    """How many storefront GETs reached the page view's cache (``cache._serve``)."""
    from shop.storefront import cache as page_cache

    calls: list[str] = []
    serve = page_cache._serve

    def counting(view_func, request, *args, **kwargs):
        calls.append(request.path)
        return serve(view_func, request, *args, **kwargs)

    monkeypatch.setattr(page_cache, "_serve", counting)
    return calls


def _without_tokens(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)


def test_a_buyers_stored_page_is_answered_early_as_the_view_would_answer_it(views_run, settings):
    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    client = signed_in(UserFactory(first_name="甲"))
    # given the page stored by the buyer's first visit (through the view)
    assert client.get(url)["X-Storefront-Cache"] == "miss"
    assert views_run == [unquote(url)]
    # when the buyer opens it again, it is answered without the view
    early = client.get(url)
    assert views_run == [unquote(url)]
    assert early["X-Storefront-Cache"] == "hit"
    # then it is what the view answers with the early path off
    settings.STOREFRONT_EARLY_PAGES = False
    late = client.get(url)
    assert len(views_run) == 2
    assert _without_tokens(early.content.decode()) == _without_tokens(late.content.decode())
    for header in ("Content-Type", "X-Frame-Options", "Cache-Control", "Vary", "Content-Language"):
        assert early[header] == late[header], header
    assert early["Cache-Control"] == "private" and early["X-Frame-Options"] == "DENY"
    assert SIGNED_IN in early.content.decode() and "智慧灯杆" in early.content.decode()
    assert early.cookies["csrftoken"].value  # its forms' token comes with its cookie


def test_staff_a_basket_cookie_and_an_anonymous_session_go_through_the_view(views_run, settings):
    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    staff = signed_in(UserFactory(is_staff=True))
    with_basket_cookie = signed_in(UserFactory())
    with_basket_cookie.cookies[settings.OSCAR_BASKET_COOKIE_OPEN] = "1:x"
    anonymous_with_session = Client()
    session = anonymous_with_session.session
    session["quotes_list_count"] = 0
    session.save()
    anonymous_with_session.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    for client in (staff, with_basket_cookie, anonymous_with_session):
        client.get(url)
        views_run.clear()
        assert client.get(url).status_code == 200
        assert views_run == [unquote(url)], client


def test_a_url_with_parameters_the_storefront_does_not_read_goes_through_the_view(views_run):
    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    client = signed_in(UserFactory())
    client.get(url)
    views_run.clear()
    assert client.get(url, {"utm_source": "x"})["X-Storefront-Cache"] == "not-stored"
    assert views_run == [unquote(url)]


def test_a_message_for_the_buyer_shows_on_the_early_page_once(views_run):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    product = ProductFactory(title="智慧灯杆")
    url = product.get_absolute_url()
    client = signed_in(UserFactory())
    client.get(url)
    request, response = request_with_session(client), HttpResponse()
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "已提交询价")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    views_run.clear()
    first = client.get(url)
    assert views_run == [] and "已提交询价" in first.content.decode()
    assert "已提交询价" not in client.get(url).content.decode()
