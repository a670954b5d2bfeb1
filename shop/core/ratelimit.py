"""Rate limits on submissions, by URL name, in the shared Redis cache.

``settings.RATE_LIMITS`` maps a URL name (``"quotes:submit"``) to ``"<count>/<period>"`` with
period ``s``, ``m``, ``h`` or ``d``: at most ``count`` successful POSTs per period, per
signed-in user, or per client address for anonymous users. One over the limit gets the
Chinese ``429.html`` page (the API: its JSON error, ``shop.api.exceptions``) with
``Retry-After``. Only POST is counted (GETs of a form are free).

Only **successful** submissions count (201, or a redirect 302/303 that is not to the login
page): a form re-rendered with its errors (200) or any 4xx costs nothing, so a buyer who
mistypes keeps the input and the chances. The middleware reserves one place before the view
(``cache.incr``, atomic, so concurrent requests cannot overshoot) and gives it back after the
view unless the submission succeeded.

The client address (``client_address``) is ``REMOTE_ADDR`` unless that is one of
``settings.TRUSTED_PROXIES`` (CIDRs, env ``TRUSTED_PROXIES``; default none): then
``X-Forwarded-For`` is read from the right, skipping trusted hops, and the first address not
trusted is the client. A client cannot choose its bucket by sending its own header.

A fixed window per key: ``cache.add`` starts the window, ``cache.incr`` counts. If the cache is
unreachable (Redis down) the request is let through: a broker outage must not stop buyers from
submitting, and the database still records every submission.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("shop.ratelimit")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SUCCESS_STATUSES = (201, 302, 303)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(value: str) -> Rate:
    """``"20/h"`` -> Rate(20, 3600); ``"5/10m"`` -> Rate(5, 600)."""
    try:
        count, period = value.split("/")
        unit = period[-1]
        multiple = int(period[:-1] or 1)
        rate = Rate(int(count), multiple * PERIODS[unit])
    except (ValueError, KeyError, IndexError):
        raise ValueError(f"invalid rate {value!r}: use '<count>/<s|m|h|d>', e.g. '20/h'")
    if rate.count < 1:
        raise ValueError(f"invalid rate {value!r}: the count must be at least 1")
    return rate


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc


def _ip(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """Whether ``address`` is one of ``settings.TRUSTED_PROXIES`` (also read by
    shop.core.requestid, which takes ``X-Request-ID`` only from them)."""
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    ip = _ip(address)
    return ip is not None and any(ip in net for net in networks if ip.version == net.version)


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind trusted proxies the right-most
    ``X-Forwarded-For`` entry that is not itself a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks:
        return remote

    def trusted(ip) -> bool:
        return any(ip in net for net in networks if ip.version == net.version)

    nearest = _ip(remote)
    if nearest is None or not trusted(nearest):
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:  # garbage a trusted proxy passed on: the nearest known address stands
            return str(nearest)
        if not trusted(ip):
            return str(ip)
        nearest = ip
    return str(nearest)  # every hop is a trusted proxy: the farthest one is the client


def client_ident(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return f"ip{client_address(request)}"


def _window(rate: Rate) -> tuple[int, int]:
    now = time.time()
    return int(now // rate.seconds), rate.seconds - int(now % rate.seconds)


def hit(*, key: str, rate: Rate) -> tuple[bool, int]:
    """Count one hit on ``key``; (allowed, seconds until the window resets)."""
    window, retry_after = _window(rate)
    cache_key = f"rl:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        count = cache.incr(cache_key)
        if count is None:  # the cache ignored a Redis error (shop.core.cache)
            raise ConnectionError("no count from the cache")
    except Exception as exc:  # Redis down or any cache failure: fail open, log it
        logger.warning("rate limit not enforced, cache unavailable: %s", exc)
        return True, 0
    return count <= rate.count, retry_after


def reserve(*, key: str, rate: Rate) -> tuple[str | None, int]:
    """Take one place on ``key`` before a submission: (cache key to give back, or None when
    refused or the cache is down; seconds until the window resets). A refused attempt takes
    nothing."""
    window, retry_after = _window(rate)
    cache_key = f"rl:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        count = cache.incr(cache_key)
        if count is None:  # the cache ignored a Redis error (shop.core.cache)
            raise ConnectionError("no count from the cache")
        if count > rate.count:
            cache.decr(cache_key)
            return None, retry_after
    except Exception as exc:
        logger.warning("rate limit not enforced, cache unavailable: %s", exc)
        return "", 0
    return cache_key, retry_after


def release(cache_key: str) -> None:
    """Give back a place taken by ``reserve`` (the submission did not succeed)."""
    if not cache_key:
        return
    try:
        cache.decr(cache_key)
    except Exception as exc:  # expired meanwhile, or the cache is down: nothing to give back
        logger.info("rate limit place not returned: %s", exc)


def succeeded(request, response) -> bool:
    if response.status_code not in SUCCESS_STATUSES:
        return False
    location = response.get("Location", "")
    login = str(getattr(settings, "LOGIN_URL", "/accounts/login/"))
    return response.status_code == 201 or not location.split("?")[0].endswith(login)


def too_many_requests(retry_after: int, *, api: bool = False) -> HttpResponse:
    if api:
        from shop.api.exceptions import error_body

        response = JsonResponse(
            error_body(code="throttled", detail=_("请求过于频繁，请稍后再试。")),
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            render_to_string("429.html"), status=429, content_type="text/html; charset=utf-8"
        )
    response["Retry-After"] = str(max(retry_after, 1))
    return response


_RESERVED = "_xh_ratelimit_reserved"


class RateLimitMiddleware:
    """Place after AuthenticationMiddleware (keys use ``request.user``)."""

    methods = ("POST",)

    def __init__(self, get_response):
        self.get_response = get_response
        self.rates = {name: parse_rate(value) for name, value in getattr(settings, "RATE_LIMITS", {}).items()}
        _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))  # bad CIDRs fail at start

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            release(getattr(request, _RESERVED, ""))
            raise
        reserved = getattr(request, _RESERVED, "")
        if reserved and not succeeded(request, response):
            release(reserved)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in self.methods or not self.rates:
            return None
        match = request.resolver_match
        name = match.view_name if match else None
        rate = self.rates.get(name)
        if rate is None:
            return None
        ident = client_ident(request)
        reserved, retry_after = reserve(key=f"{name}:{ident}", rate=rate)
        if reserved is not None:
            setattr(request, _RESERVED, reserved)
            return None
        logger.warning("rate limit %s exceeded by %s", name, ident)
        return too_many_requests(retry_after, api=name.startswith("api:"))
