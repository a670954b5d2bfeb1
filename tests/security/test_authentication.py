"""Login throttling, session fixation, logout, and open redirects through login, register,
logout and the basket."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme
from oscar.test.factories import create_product

from tests.factories.accounts import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"
EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
    " //evil.example/",
    "/%2F%2Fevil.example/",
]


def oscar_login(client, email, password, **extra):
    data = {"login-username": email, "login-password": password, "login_submit": "1", **extra}
    return client.post("/accounts/login/", data)


def dashboard_login(client, email, password):
    return client.post("/dashboard/login/", {"username": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_safe(location: str):
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    assert not urlsplit(location).netloc or urlsplit(location).netloc == "testserver", location


# --- login throttling (django-axes) ---------------------------------------------------------------


@pytest.mark.parametrize("login", [oscar_login, dashboard_login], ids=["storefront", "dashboard"])
def test_login_is_locked_after_the_failure_limit_even_with_the_right_password(login):
    # given an account and AXES_FAILURE_LIMIT wrong passwords in a row
    user = OperatorFactory(email="locked@example.com")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, user.email, "wrong-password")
        assert not signed_in(client)
    # when the right password is tried next
    response = login(client, user.email, PASSWORD)
    # then the login is refused with the Chinese 429 page
    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()
    assert not signed_in(client)


def test_one_failure_below_the_limit_still_lets_the_user_in():
    user = UserFactory(email="almost@example.com")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        oscar_login(client, user.email, "wrong-password")
    response = oscar_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


# --- sessions -------------------------------------------------------------------------------------


def test_login_gives_a_new_session_key_and_kills_the_anonymous_one():
    # given an anonymous visitor with a session
    user = UserFactory(email="fixation@example.com")
    client = Client()
    session = client.session
    session["probe"] = "anonymous"
    session.save()
    before = client.cookies["sessionid"].value
    # when the visitor logs in
    response = oscar_login(client, user.email, PASSWORD)
    # then the session key changed and the old one is gone
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert SessionStore().exists(before) is False
    assert signed_in(client)


def test_the_old_session_cookie_is_dead_after_logout():
    # given a signed-in buyer
    user = UserFactory(email="logout@example.com")
    client = Client()
    oscar_login(client, user.email, PASSWORD)
    old = client.cookies["sessionid"].value
    assert Client(HTTP_COOKIE=f"sessionid={old}").get("/accounts/profile/").status_code == 200
    # when the buyer logs out
    client.post("/accounts/logout/")
    # then a replay of the old cookie is anonymous again
    replay = Client()
    replay.cookies["sessionid"] = old
    response = replay.get("/accounts/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert SessionStore().exists(old) is False


def test_a_get_of_logout_changes_nothing_and_asks_for_confirmation():
    # given a signed-in buyer
    user = UserFactory(email="logout-get@example.com")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    key = client.session.session_key
    # when anything GETs the logout URL (a link, an <img src>, a prefetch)
    response = client.get("/accounts/logout/")
    # then the buyer is still signed in with the same session, and sees a POST form to confirm
    assert response.status_code == 200
    assert signed_in(client)
    assert client.session.session_key == key
    html = response.content.decode()
    assert "确定要退出吗？" in html
    assert 'method="post" action="/accounts/logout/"' in html


def test_logout_without_a_csrf_token_is_refused():
    user = UserFactory(email="logout-csrf@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert signed_in(client)


def _header_logout_token(html: str) -> str:
    form = re.search(
        r'<form class="xh-logout-form" method="post" action="/accounts/logout/">(.*?)</form>', html
    )
    assert form, "the header has no logout form"
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)


def test_the_header_logout_form_posts_with_the_requests_own_token_every_time():
    # given a buyer who signs in, out and in again (the header region is cached per user)
    user = UserFactory(email="logout-header@example.com")
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        # when the 退出 form of the home page's header is submitted
        home = client.get("/")
        token = _header_logout_token(home.content.decode())
        assert "__xh_csrf_token__" not in home.content.decode()
        response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
        # then the buyer is signed out (the token is the current one, not a cached one)
        assert response.status_code == 302
        assert not signed_in(client)


def test_session_and_csrf_cookies_are_httponly_and_samesite():
    user = UserFactory(email="cookies@example.com")
    client = Client()
    login_page = client.get("/accounts/login/")
    csrf = login_page.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = oscar_login(client, user.email, PASSWORD)
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


# --- open redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(target):
    user = UserFactory(email="redirect@example.com")
    client = Client()
    response = client.post(
        f"/accounts/login/?next={target}",
        {
            "login-username": user.email,
            "login-password": PASSWORD,
            "login_submit": "1",
            "login-redirect_url": target,
        },
    )
    assert response.status_code == 302
    assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_dashboard_login_never_redirects_off_site(target):
    user = OperatorFactory(email="dash-redirect@example.com", is_superuser=True)
    response = Client().post(
        f"/dashboard/login/?next={target}", {"username": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_register_never_redirects_off_site(target):
    client = Client()
    response = client.post(
        f"/accounts/register/?next={target}",
        {
            "email": "new-buyer@example.com",
            "password1": "A-long-pass-9876",
            "password2": "A-long-pass-9876",
            "redirect_url": target,
            "registration-email": "new-buyer@example.com",
            "registration-password1": "A-long-pass-9876",
            "registration-password2": "A-long-pass-9876",
            "registration-redirect_url": target,
            "registration_submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_logout_never_redirects_off_site(target):
    user = UserFactory(email="logout-redirect@example.com")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(f"/accounts/logout/?next={target}&redirect_url={target}")
    assert response.status_code == 302
    assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_basket_never_redirects_off_site(target):
    product = create_product(title="显示屏", price=100, num_in_stock=10)
    client = Client()
    response = client.post(
        f"/basket/add/{product.pk}/", {"quantity": "1", "next": target}, HTTP_REFERER=target.strip()
    )
    assert response.status_code == 302
    assert_safe(response["Location"])
    response = client.post("/basket/", {"next": target, "form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"})
    if response.status_code == 302:
        assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_never_redirects_off_site(target):
    response = Client().post(
        "/i18n/setlang/", {"language": "en", "next": target}, HTTP_REFERER=target.strip()
    )
    assert response.status_code == 302
    assert_safe(response["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_adding_to_the_quote_list_never_redirects_off_site(target):
    from tests.factories.quotes import make_vendor, stocked_product

    partner, _ = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    client = Client()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/quotes/list/add/",
        {"product": product.pk, "quantity": "1", "next": target},
        HTTP_REFERER=target.strip(),
    )
    assert response.status_code == 302
    assert_safe(response["Location"])
