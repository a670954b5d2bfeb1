"""Rate limits on submissions, by URL name, in the shared Redis cache.

``settings.RATE_LIMITS`` maps a URL name (``"quotes:submit"``) to ``"<count>/<period>"`` with
period ``s``, ``m``, ``h`` or ``d``: at most ``count`` POSTs per period, per signed-in user, or
per client address for anonymous users. One over the limit gets the Chinese ``429.html`` page
with ``Retry-After``. Only POST is counted (GETs of a form are free).

A fixed window per key: ``cache.add`` starts the window, ``cache.incr`` counts. If the cache is
unreachable (Redis down) the request is let through: a broker outage must not stop buyers from
submitting, and the database still records every submission.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("shop.ratelimit")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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


def client_ident(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return f"ip{request.META.get('REMOTE_ADDR', '')}"


def hit(*, key: str, rate: Rate) -> tuple[bool, int]:
    """Count one hit on ``key``; (allowed, seconds until the window resets)."""
    window = int(time.time() // rate.seconds)
    cache_key = f"rl:{key}:{window}"
    retry_after = rate.seconds - int(time.time() % rate.seconds)
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        count = cache.incr(cache_key)
    except Exception as exc:  # Redis down or any cache failure: fail open, log it
        logger.warning("rate limit not enforced, cache unavailable: %s", exc)
        return True, 0
    return count <= rate.count, retry_after


def too_many_requests(retry_after: int) -> HttpResponse:
    response = HttpResponse(render_to_string("429.html"), status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(max(retry_after, 1))
    return response


class RateLimitMiddleware:
    """Place after AuthenticationMiddleware (keys use ``request.user``)."""

    methods = ("POST",)

    def __init__(self, get_response):
        self.get_response = get_response
        self.rates = {name: parse_rate(value) for name, value in getattr(settings, "RATE_LIMITS", {}).items()}

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in self.methods or not self.rates:
            return None
        match = request.resolver_match
        name = match.view_name if match else None
        rate = self.rates.get(name)
        if rate is None:
            return None
        allowed, retry_after = hit(key=f"{name}:{client_ident(request)}", rate=rate)
        if allowed:
            return None
        logger.warning("rate limit %s exceeded by %s", name, client_ident(request))
        return too_many_requests(retry_after)
