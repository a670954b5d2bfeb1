"""Rate limits on quote, OEM and vendor-application submissions (shop/core/ratelimit.py)."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import NoReverseMatch, get_resolver, reverse

from shop.core import ratelimit
from tests.factories.accounts import UserFactory

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
def test_submissions_over_the_limit_get_the_chinese_429_page(name):
    # given a limit of 2 per hour on this submission URL and a signed-in user
    user, other = UserFactory(), UserFactory()
    try:
        url = reverse(name, kwargs=SUBMISSIONS[name] or None)
    except NoReverseMatch:
        pytest.fail(f"{name} does not exist")
    with override_settings(RATE_LIMITS={name: "2/h"}):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        # when the user posts three times (valid or not, each attempt counts)
        statuses = [client.post(url, {}).status_code for _ in range(3)]
        # then the first two reach the view and the third is refused
        assert 429 not in statuses[:2]
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
        Client(REMOTE_ADDR="10.0.0.1").post(url, {})
        assert Client(REMOTE_ADDR="10.0.0.1").post(url, {}).status_code == 429
        assert Client(REMOTE_ADDR="10.0.0.2").post(url, {}).status_code != 429


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
