"""Rate limits on quote, OEM and vendor-application submissions (shop/core/ratelimit.py)."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import NoReverseMatch, get_resolver, reverse

from shop.core import ratelimit
from shop.quotes.models import QuoteRequest
from tests.factories.accounts import UserFactory
from tests.factories.quotes import form_data, make_vendor, stocked_product

pytestmark = pytest.mark.django_db

SUBMISSIONS = {
    "quotes:submit": {},
    "oem:create": {"product_pk": 1},
    "vendors:apply": {},
}


def test_every_submission_url_is_rate_limited_and_every_limit_names_a_real_url():
    names = set(get_resolver().reverse_dict.keys()) | {
        f"{ns}:{n}"
        for ns, (_, r) in get_resolver().namespace_dict.items()
        for n in r.reverse_dict
        if isinstance(n, str)
    }
    assert set(SUBMISSIONS) <= set(settings.RATE_LIMITS)
    for name in settings.RATE_LIMITS:
        assert name in names, f"RATE_LIMITS names {name!r}, which is no URL"
        ratelimit.parse_rate(settings.RATE_LIMITS[name])


@pytest.mark.parametrize(
    "value,count,seconds", [("20/h", 20, 3600), ("5/m", 5, 60), ("3/10m", 3, 600), ("100/d", 100, 86400)]
)
def test_parse_rate(value, count, seconds):
    assert ratelimit.parse_rate(value) == ratelimit.Rate(count, seconds)


@pytest.mark.parametrize("value", ["20", "x/h", "0/h", "5/w", ""])
def test_parse_rate_rejects_nonsense(value):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(value)


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_failed_submissions_are_free_and_successful_ones_reach_the_chinese_429_page(name):
    # given a limit of 2 per hour on this submission URL and a signed-in user
    user, other = UserFactory(), UserFactory()
    try:
        url = reverse(name, kwargs=SUBMISSIONS[name] or None)
    except NoReverseMatch:
        pytest.fail(f"{name} does not exist")
    with override_settings(RATE_LIMITS={name: "2/h"}):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if name == "quotes:submit":  # the form, not the empty list's redirect
            vendor, _ = make_vendor("甲")
            product = stocked_product(vendors=[(vendor, "100.00")])
            client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
        # when the user posts three invalid forms, then none is refused (failures cost nothing)
        statuses = [client.post(url, {}).status_code for _ in range(3)]
        assert 429 not in statuses
        assert not {201, 302, 303} & set(statuses)
        # when two submissions of this user have succeeded in this window
        for _ in range(2):
            ratelimit.hit(key=f"{name}:u{user.pk}", rate=ratelimit.parse_rate("2/h"))
        # then the next attempt is refused with the Chinese page
        third = client.post(url, {})
        assert third.status_code == 429
        assert "请求过于频繁" in third.content.decode()
        assert int(third["Retry-After"]) > 0
        # and viewing the form is not limited, nor is another user
        assert client.get(url).status_code != 429
        other_client = Client()
        other_client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
        assert other_client.post(url, {}).status_code != 429


def test_anonymous_submissions_are_limited_per_client_address():
    with override_settings(RATE_LIMITS={"vendors:apply": "1/h"}):
        url = reverse("vendors:apply")
        ratelimit.hit(key="vendors:apply:ip10.0.0.1", rate=ratelimit.Rate(1, 3600))
        assert Client(REMOTE_ADDR="10.0.0.1").post(url, {}).status_code == 429
        assert Client(REMOTE_ADDR="10.0.0.2").post(url, {}).status_code != 429


def _request(remote, xff=None):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().post("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    "proxies,remote,xff,client",
    [
        # no trusted proxy (the default): REMOTE_ADDR, whatever the header says
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # behind a trusted proxy: the right-most untrusted hop
        (["10.0.0.0/8"], "10.0.0.5", "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8", "192.0.2.7/32"], "10.0.0.5", "6.6.6.6, 198.51.100.1, 192.0.2.7", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.5", " 2001:db8::1 ", "2001:db8::1"),
        # a request that did not come through the trusted proxy: its header is ignored
        (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # a trusted proxy without the header, only trusted hops, or garbage: the nearest known
        (["10.0.0.0/8"], "10.0.0.5", None, "10.0.0.5"),
        (["10.0.0.0/8"], "10.0.0.5", "10.1.1.1", "10.1.1.1"),
        (["10.0.0.0/8"], "10.0.0.5", "evil, 10.1.1.1", "10.1.1.1"),
    ],
)
def test_the_client_address_skips_only_trusted_proxies(proxies, remote, xff, client):
    with override_settings(TRUSTED_PROXIES=proxies):
        assert ratelimit.client_address(_request(remote, xff)) == client


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket():
    # given the site behind a proxy at 10.0.0.5 and a limit of 1 successful application per hour
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"], RATE_LIMITS={"vendors:apply": "1/h"}):
        url = reverse("vendors:apply")
        ratelimit.hit(key="vendors:apply:ip198.51.100.1", rate=ratelimit.Rate(1, 3600))
        # when the client that used its place and another client post through the proxy
        used = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1").post(url, {})
        fresh = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.2").post(url, {})
        # then only the first is refused (not the whole site sharing the proxy's address)
        assert used.status_code == 429
        assert fresh.status_code == 200


def test_a_quote_form_with_errors_keeps_the_input_and_does_not_count():
    # given a buyer with a product on the quote list and a limit of 1 submission per hour
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    client = Client()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    with override_settings(RATE_LIMITS={"quotes:submit": "1/h"}):
        client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
        # when the first attempt has a wrong credit code
        invalid = client.post(
            reverse("quotes:submit"), form_data(org_uscc="91430100MA4L12345B", org_name="岳麓区某局")
        )
        # then the form comes back with the input, and the attempt cost nothing
        assert invalid.status_code == 200
        assert 'value="岳麓区某局"' in invalid.content.decode()
        valid = client.post(reverse("quotes:submit"), form_data())
        assert valid.status_code == 302
        assert QuoteRequest.objects.count() == 1
        # and the successful one counts: the next is refused
        client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
        assert client.post(reverse("quotes:submit"), form_data()).status_code == 429
        assert QuoteRequest.objects.count() == 1


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "unix:///nonexistent/redis.sock",
        }
    }
)
def test_a_dead_cache_lets_submissions_through_instead_of_failing():
    # Redis down must not stop buyers from submitting: the database records every submission
    allowed, retry_after = ratelimit.hit(key="quotes:submit:u1", rate=ratelimit.Rate(1, 3600))
    assert (allowed, retry_after) == (True, 0)
