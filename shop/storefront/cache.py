"""Storefront caching: one catalogue version, anonymous full pages and shared fragments.

Design
- Everything the storefront caches is keyed by the **catalogue version**, an integer in the
  ``default`` cache. Any write to a product, stock record (price, stock), category, image,
  attribute value, product class or partner bumps it (``receivers.py``), right away and again
  after the transaction commits, so no page rendered from old data survives the commit.
  Bulk writes that bypass signals (``bulk_create``, ``QuerySet.update``) must call
  ``catalogue_changed()`` themselves.
- **Anonymous full pages**: a GET from a visitor carrying no cookie except the CSRF and
  language cookies (so: no session, no basket, no messages) is served from the cache. The
  stored HTML holds a placeholder instead of any CSRF token; every hit gets a fresh token of
  its own (and the CSRF cookie), so no visitor ever sees another's token or messages.
- **Fragments** (category navigation, product listings, the product body): shared, non-personal
  HTML reused by logged-in pages too. Nothing user-specific (basket, messages, CSRF, account
  links, forms) goes into a fragment.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import patch_vary_headers

VERSION_KEY = "sf:catalogue-version"
CSRF_PLACEHOLDER = "__xh_csrf_token__"
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_INPUT_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def page_seconds() -> int:
    return getattr(settings, "STOREFRONT_CACHE_SECONDS", 600)


# --- the catalogue version -----------------------------------------------------------------


_request = Local()  # per request (thread or task): the version, read once


@contextmanager
def one_version_per_request():
    """Read the catalogue version once for the whole page instead of once per fragment."""
    _request.active, _request.version = True, None
    try:
        yield
    finally:
        _request.active, _request.version = False, None


def catalogue_version() -> int:
    if not getattr(_request, "active", False):
        return _read_version()
    if _request.version is None:
        _request.version = _read_version()
    return _request.version


def _read_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, never from 1: a cleared or evicted key must not come back
        # with a number that old pages were stored under.
        version = time.time_ns() // 1000
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key is gone: any new value invalidates everything
        catalogue_version()


def catalogue_changed() -> None:
    """Invalidate every cached storefront page and fragment.

    Bumps now (so reads later in the same transaction see fresh pages) and again after commit
    (so a page rendered by another request from pre-commit data is never served after it)."""
    _bump()
    transaction.on_commit(_bump)


# --- fragments -------------------------------------------------------------------------------


def fragment_key(name: str, *parts) -> str:
    raw = "|".join(str(p) for p in parts)
    digest = hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()
    return f"sf:frag:{catalogue_version()}:{translation.get_language()}:{name}:{digest}"


def cached_fragment(name: str, parts: tuple, render: Callable[[], str]) -> str:
    """The HTML of a shared fragment, rendered at most once per catalogue version."""
    key = fragment_key(name, *parts)
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, page_seconds())
    return html


# --- anonymous full pages -------------------------------------------------------------------


def _harmless_cookies() -> set[str]:
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def request_is_cacheable(request: HttpRequest) -> bool:
    """A GET/HEAD from a visitor with no session, basket or messages cookie."""
    if request.method not in ("GET", "HEAD"):
        return False
    return set(request.COOKIES) <= _harmless_cookies()


def _page_key(request: HttpRequest) -> str:
    digest = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"sf:page:{catalogue_version()}:{translation.get_language()}:{digest}"


def _strip_tokens(html: str, request: HttpRequest) -> str:
    """Replace every CSRF token rendered for ``request`` with a placeholder."""
    html = _INPUT_RE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        from django.middleware.csrf import _unmask_cipher_token

        def swap(match: re.Match) -> str:
            token = match.group(0)
            return CSRF_PLACEHOLDER if _unmask_cipher_token(token) == secret else token

        html = _TOKEN_RE.sub(swap, html)
    return html


def _personal_state_written(request: HttpRequest) -> bool:
    """Did rendering add a message or write to the session? Then the page is not shareable."""
    storage = getattr(request, "_messages", None)
    if storage is not None and (getattr(storage, "_queued_messages", None) or storage.added_new):
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.modified)


def _from_cache(request: HttpRequest, entry: dict) -> HttpResponse:
    html = entry["html"]
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(html, content_type=entry["content_type"])
    response["X-Storefront-Cache"] = "hit"
    return response


def anonymous_page_cache(view_func):
    """Serve and store whole pages for cookieless anonymous GETs (see module docstring)."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        with one_version_per_request():
            return _serve(view_func, request, *args, **kwargs)

    return wrapped


def _rendered(response):
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def _serve(view_func, request, *args, **kwargs):
    if not request_is_cacheable(request):
        response = _rendered(view_func(request, *args, **kwargs))
        patch_vary_headers(response, ["Cookie"])
        return response
    key = _page_key(request)
    entry = cache.get(key)
    if entry is not None:
        response = _from_cache(request, entry)
    else:
        response = _rendered(view_func(request, *args, **kwargs))
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not _personal_state_written(request)
        ):
            html = _strip_tokens(response.content.decode(response.charset), request)
            cache.set(key, {"html": html, "content_type": response["Content-Type"]}, page_seconds())
            response["X-Storefront-Cache"] = "miss"
    patch_vary_headers(response, ["Cookie"])
    return response


# Storefront pages: read-only, so no transaction per request (ATOMIC_REQUESTS would open one,
# and on SQLite take the write lock), and the anonymous page cache.
STOREFRONT_PAGE = [transaction.non_atomic_requests, anonymous_page_cache]
