"""Storefront caching: one catalogue version, shared whole pages with personal regions, and
shared fragments.

Design
- Everything the storefront caches is keyed by the **catalogue version**, an integer in the
  ``default`` cache. Any write to a product, stock record (price, stock), category, image,
  attribute value, product class or partner bumps it (``receivers.py``), right away and again
  after the transaction commits, so no page rendered from old data survives the commit.
  Bulk writes that bypass signals (``bulk_create``, ``QuerySet.update``) must call
  ``catalogue_changed()`` themselves.
- **Whole pages, one shared copy**: a storefront page is rendered once per catalogue version
  as an anonymous visitor sees it, with the **personal regions** of the header (account
  links, basket and 询价单 counts, the other apps' nav links, messages) left as markers, and
  with a placeholder instead of any CSRF token. A visitor carrying no cookie except the CSRF
  and language cookies gets the copy with the anonymous regions (stored alongside); a
  logged-in buyer or a visitor with a session gets it with their own regions rendered from
  small templates and their cached counts (``personal.py``) — no catalogue query, no
  template of the page. Every response gets its own CSRF token. Staff (who may see hidden
  products) and a buyer still carrying an anonymous basket cookie (Oscar merges it when the
  page loads the basket) get the page rendered in full. A render that added a message or
  wrote to the session is served but not stored.
- **Copies in the web process** (``LocalPages``): the entries a process served last, used
  under the same rule as the Redis entry (its catalogue version current, its expiry not
  passed), so a request reads only the version from Redis, not the page.
- **Fragments** (category navigation, product listings, the product body): shared, non-personal
  HTML reused across pages and by full renders. Nothing user-specific (basket, messages,
  CSRF, account links, forms) goes into a fragment.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from shop.core.cache import set_bounded
from shop.core.csrf import get_token

VERSION_KEY = "sf:catalogue-version"
CSRF_PLACEHOLDER = "__xh_csrf_token__"
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_INPUT_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def page_seconds() -> int:
    """How long pages and fragments are kept: never past the next start or end of a supplier's
    suspension (暂停交易), so its products leave and come back on time without a job. Within
    ``one_version_per_request`` the moments of those changes are read once per request."""
    from shop.credit.cache import capped_seconds, stored_changes

    state = _request_state.get()
    changes = None
    if state is not None:
        if state.changes is None:
            state.changes = stored_changes()
        changes = state.changes
    return capped_seconds(getattr(settings, "STOREFRONT_CACHE_SECONDS", 600), changes=changes)


# --- the catalogue version -----------------------------------------------------------------


class _RequestState:
    """What one page request (``one_version_per_request``) reads from the cache once, and the
    fragments it rendered, written together when it is done instead of one round trip each."""

    __slots__ = ("version", "changes", "fragments")

    def __init__(self):
        self.version: int | None = None
        self.changes: tuple[float, ...] | None = None  # shop.credit.cache.stored_changes()
        self.fragments: dict[str, object] = {}  # made in this request, not yet written

    def take_fragments(self) -> dict[str, object]:
        fragments, self.fragments = self.fragments, {}
        return fragments


_request_state: ContextVar[_RequestState | None] = ContextVar("xh_storefront_request", default=None)


def begin_request():
    """Start a page request's state (see ``one_version_per_request``); returns what
    ``end_request`` takes, or None when one is already open (nested: the outer one's)."""
    if _request_state.get() is not None:
        return None
    return _request_state.set(_RequestState())


def end_request(token) -> None:
    """Write the fragments the request made (one round trip) and close its state."""
    if token is None:
        return
    state = _request_state.get()
    try:
        fragments = state.take_fragments()
        if fragments:
            cache.set_many(fragments, page_seconds())
    finally:
        _request_state.reset(token)


@contextmanager
def one_version_per_request():
    """Read the catalogue version (and the suspensions' moments) once for the whole page
    instead of once per fragment, and write the fragments it rendered in one round trip at
    the end (or with the page, ``_store_page``). Nested, it is the outer one's."""
    token = begin_request()
    try:
        yield
    finally:
        end_request(token)


def catalogue_version() -> int:
    state = _request_state.get()
    if state is None:
        return _read_version()
    if state.version is None:
        state.version = _read_version()
    return state.version


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
    return cached_object(name, parts, render)


_MISSING = object()


def cached_object(name: str, parts: tuple, load: Callable[[], object]):
    """A shared value (a fragment's HTML, a picklable object, None included) made at most
    once per catalogue version. Inside a page request (``one_version_per_request``) a new one
    is written with the others when the page is done, one round trip for all of them."""
    key = fragment_key(name, *parts)
    state = _request_state.get()
    if state is not None and key in state.fragments:
        return state.fragments[key]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = load()
        if state is None:
            cache.set(key, value, page_seconds())
        else:
            state.fragments[key] = value
    return value


# --- whole pages: one shared copy, personal regions filled per request --------------------

SHELL_ATTR = "_xh_render_shared"
EARLY_MISS_ATTR = "_xh_early_miss"  # the page key the early middleware found no entry for
_REGION_RE = re.compile(rb"<!--xh:personal:([a-z_]+)-->")


def region_marker(name: str) -> str:
    return f"<!--xh:personal:{name}-->"


def _harmless_cookies() -> set[str]:
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def request_is_cacheable(request: HttpRequest) -> bool:
    """A GET/HEAD from a visitor with no session, basket or messages cookie."""
    if request.method not in ("GET", "HEAD"):
        return False
    return set(request.COOKIES) <= _harmless_cookies()


def _visitor_kind(request: HttpRequest) -> str | None:
    """ "anonymous" (cookieless: the whole page from the cache), "personal" (the shared page
    with this visitor's regions), or None (rendered in full: staff, who may see what buyers
    cannot, and a buyer still carrying an anonymous basket cookie, whose baskets Oscar merges
    when the full page loads the basket)."""
    if request.method not in ("GET", "HEAD"):
        return None
    if request_is_cacheable(request):
        return "anonymous"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.is_staff or request.COOKIES.get(settings.OSCAR_BASKET_COOKIE_OPEN):
            return None
    return "personal"


# The query parameters storefront pages read; a URL with any other (tracking tags, cache
# busters) is rendered from the shared fragments but not stored, so made-up URLs cannot fill
# the cache with copies of the same page.
PAGE_PARAMETERS = frozenset({"q", "page", "sort", "brand", "seller", "price", "spec"})
_FILTER_PARAMETERS = ("brand", "seller", "price", "spec")  # shop.storefront.facets


def _storable(request: HttpRequest) -> bool:
    return set(request.GET) <= PAGE_PARAMETERS


def _store_page(entries: dict, request: HttpRequest) -> None:
    """Store a page's entries, each with the time it expires (``expires``: the copies,
    ``LocalPages``, never outlive it). Search pages are as many as the words anyone types, so
    they go into a bounded group (the newest ``STOREFRONT_SEARCH_CACHE_PAGES`` pages):
    distinct searches can never fill the cache."""
    seconds = page_seconds()
    expires = time.time() + seconds
    for entry in entries.values():
        entry["expires"] = expires
    if "q" in request.GET:
        limit = len(entries) * settings.STOREFRONT_SEARCH_CACHE_PAGES
        set_bounded(entries, seconds, group="search-pages", limit=limit)
    elif any(key in request.GET for key in _FILTER_PARAMETERS):
        # filtered category pages: canonical URLs only (the view redirects the rest), but any
        # value may be typed, so they are bounded like searches
        limit = len(entries) * settings.STOREFRONT_SEARCH_CACHE_PAGES
        set_bounded(entries, seconds, group="filter-pages", limit=limit)
    else:
        state = _request_state.get()
        fragments = state.take_fragments() if state is not None else {}
        cache.set_many({**fragments, **entries}, seconds)  # one round trip for the page and its fragments
    for key, entry in entries.items():
        local_pages.put(key, entry)


class LocalPages:
    """This process's copies of the stored pages it served last (``STOREFRONT_LOCAL_PAGES``,
    least recently used out first), so that a page is not fetched from Redis on every request.

    A copy is the same entry as the one in Redis, with its catalogue version and the time the
    Redis entry expires (``expires``), and it is used under the same rule: only while its
    version is the current one — read from Redis on every request, in the round trip that
    would have fetched the page — and never after the Redis entry's expiry. So a catalogue
    change or a suspension's start or end reaches a copy exactly when it reaches Redis."""

    def __init__(self, size: int):
        self.size = size
        self.pages: OrderedDict[str, dict] = OrderedDict()
        self.lock = threading.Lock()

    def has(self, key: str) -> bool:
        return key in self.pages

    def get(self, key: str, version: int | None) -> dict | None:
        with self.lock:
            entry = self.pages.get(key)
            if (
                entry is None
                or version is None
                or entry["version"] != version
                or entry["expires"] <= time.time()
            ):
                return None
            self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.pages[key] = entry
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


local_pages = LocalPages(getattr(settings, "STOREFRONT_LOCAL_PAGES", 200))


PAGE_SCHEMA = 2  # bump when a stored page entry changes shape


def _page_key(request: HttpRequest, language: str | None = None) -> str:
    """The page's key without the catalogue version: each entry carries the version it was
    rendered under and counts only while that version is current (``read_page``), so the
    version and the page come in one round trip. An entry stored late by a render that began
    before a catalogue change is simply a miss. ``language``: the active one if not given."""
    language = language or translation.get_language()
    known = getattr(request, "_xh_page_key", None)  # (language, key): asked twice per buyer page
    if known is not None and known[0] == language:
        return known[1]
    # the path as Django decoded it and the raw query string: ``get_full_path()`` would quote
    # the path again (a category's Chinese path took 20 µs of a 240 µs page)
    query = request.META.get("QUERY_STRING", "")
    full_path = f"{request.path}?{query}" if query else request.path
    digest = hashlib.md5(full_path.encode(), usedforsecurity=False).hexdigest()
    key = f"sf:page:{PAGE_SCHEMA}:{language}:{digest}"
    request._xh_page_key = (language, key)
    return key


def _fetched_key(key: str | None) -> list[str]:
    """The page's key if it is to be read from Redis: not when this process holds a copy,
    which only the catalogue version (read anyway) decides on (``LocalPages``)."""
    return [] if key is None or local_pages.has(key) else [key]


def read_page(key: str | None, extra_keys=(), request: HttpRequest | None = None) -> tuple[dict | None, dict]:
    """The entry stored under ``key`` if it was rendered under the current catalogue version
    (read in the same ``get_many``, and kept as the request's version; or this process's copy
    of it), and the values of ``extra_keys`` fetched with it — or read with the signed-in
    user's row earlier in this request (``prefetch_keys``), which saves the round trip."""
    from shop.core.usercache import prefetched

    page = _fetched_key(key)
    keys = [*page, *extra_keys, VERSION_KEY]
    found = prefetched(request, keys) if request is not None else None
    if found is None:
        found = cache.get_many(keys)
    version = found.pop(VERSION_KEY, None)
    if version is not None:
        version = int(version)
        state = _request_state.get()
        if state is not None:  # the request's version: the one read first
            version = state.version = version if state.version is None else state.version
    if key is None:
        return None, found
    from_redis = bool(page)
    if page:
        entry = found.pop(key, None)
    else:  # this process's copy, or else (its version is gone) the entry in Redis
        entry = local_pages.get(key, version)
        if entry is None and version is not None:
            entry, from_redis = cache.get(key), True
    if entry is None or version is None or entry.get("version") != version:
        return None, found
    if from_redis:
        local_pages.put(key, entry)
    return entry, found


def prefetch_keys(request: HttpRequest, user_id) -> list[str]:
    """What a storefront GET of a signed-in buyer reads (``read_page``): the shared page, the
    catalogue version and the buyer's header, fetched with the user's row in one round trip
    (``shop.core.usercache.prefetch_with_user``)."""
    from .middleware import leads_to_storefront_page
    from .personal import user_keys

    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    if not leads_to_storefront_page(urlconf, request.path_info):
        return []
    page = _fetched_key(f"{_page_key(request)}:shell") if _storable(request) else []
    return [*page, *user_keys(user_id), VERSION_KEY]


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


def fill_regions(body: bytes, visitor, charset: str = "utf-8") -> bytes:
    """The shared page (encoded) with the visitor's own regions in place of the markers."""
    from .personal import render_region

    return _REGION_RE.sub(lambda m: render_region(m.group(1).decode(), visitor).encode(charset), body)


def _rendered(response):
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def _render_shared(view_func, request, *args, **kwargs):
    """Render the page as every visitor shares it: for an anonymous visitor, personal regions
    left as markers. Returns the response and the cache entry, or no entry when the page is
    not shareable (not a plain HTML 200, or rendering wrote a message or to the session).
    Two entries: the shell (markers) and the copy for cookieless visitors (regions filled),
    stored apart so that each visitor fetches only the one it needs. The HTML is stored
    encoded (``body``, UTF-8), as it is sent: serving it encodes nothing."""
    from django.contrib.auth.models import AnonymousUser

    from .personal import Visitor

    user = request.user
    request.user = AnonymousUser()
    setattr(request, SHELL_ATTR, True)
    try:
        response = _rendered(view_func(request, *args, **kwargs))
    finally:
        request.user = user
        delattr(request, SHELL_ATTR)
    shared_state_written = _personal_state_written(request)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or shared_state_written
        or not response.get("Content-Type", "").startswith("text/html")
    ):
        return response, None
    shell = _strip_tokens(response.content.decode(response.charset), request)
    content_type = response["Content-Type"]
    version = catalogue_version()  # the request's: the one its fragments were read under
    entries = {
        "shell": {"body": (body := shell.encode()), "content_type": content_type, "version": version},
        "anonymous": {
            "body": fill_regions(body, Visitor()),
            "content_type": content_type,
            "version": version,
        },
    }
    return response, entries


_PIECE_RE = re.compile(_REGION_RE.pattern + b"|" + re.escape(_CSRF_PLACEHOLDER_BYTES))


def _pieces(entry: dict) -> tuple:
    """The entry's body cut at its personal regions and CSRF placeholders: literal bytes at
    the even places, between them a region's name or None (a CSRF token). Cut once per copy
    (kept on this process's copy of the entry, ``LocalPages``), so serving a stored page
    scans none of its ~35 kB: looking for the markers cost about 25 µs a request."""
    pieces = entry.get("_pieces")
    if pieces is None:
        body, cut, position = entry["body"], [], 0
        for match in _PIECE_RE.finditer(body):
            name = match.group(1)
            cut += [body[position : match.start()], name.decode() if name else None]
            position = match.end()
        cut.append(body[position:])
        entry["_pieces"] = pieces = tuple(cut)
    return pieces


def _page_body(request: HttpRequest, entry: dict, visitor) -> bytes:
    """A stored entry's HTML for this request: the visitor's regions (``visitor`` None: the
    markers stay, the cookieless copy has its regions filled already) and the request's CSRF
    token in place of the placeholders."""
    pieces = _pieces(entry)
    if len(pieces) == 1:
        return pieces[0]
    from .personal import render_region

    out, token = list(pieces), None
    for index in range(1, len(out), 2):
        name = out[index]
        if name is None:  # one token for the page's forms and the regions' (``Visitor.csrf_token``)
            token = token or (visitor.csrf_token if visitor is not None else get_token(request)).encode()
            out[index] = token
        elif visitor is None:
            out[index] = region_marker(name).encode()
        else:
            out[index] = render_region(name, visitor).encode()
    return b"".join(out)


def _page_response(request: HttpRequest, entry: dict, visitor, state: str) -> HttpResponse:
    response = HttpResponse(_page_body(request, entry, visitor), content_type=entry["content_type"])
    response["X-Storefront-Cache"] = state
    return response


def anonymous_page_cache(view_func):
    """Serve every storefront GET from one shared copy of the page (see module docstring):
    cookieless visitors get it whole, everyone else with their own regions filled in."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        with one_version_per_request():
            return _serve(view_func, request, *args, **kwargs)

    wrapped.xh_page_cache = True  # copied onto a class view's dispatch by method_decorator
    return wrapped


def is_page_view(func) -> bool:
    """Whether ``func`` (a view, or a class view's ``dispatch``) serves pages from this cache."""
    return getattr(func, "xh_page_cache", False) is True


def _serve(view_func, request, *args, **kwargs):
    from .personal import visitor_for

    kind = _visitor_kind(request)
    if kind is None:
        response = _rendered(view_func(request, *args, **kwargs))
        patch_vary_headers(response, ["Cookie"])
        return response
    storable, base = _storable(request), _page_key(request)
    visitor = visitor_for(request) if kind == "personal" else None
    variant = "anonymous" if visitor is None else "shell"
    key = f"{base}:{variant}"
    if visitor is None and getattr(request, EARLY_MISS_ATTR, None) == key:
        # EarlyAnonymousPageMiddleware looked for this entry under this request's version
        entry, found = None, {}
    else:  # the catalogue version, the page and the header in one round trip
        entry, found = read_page(
            key if storable else None, visitor.header_keys if visitor is not None else (), request=request
        )
    if visitor is not None:
        visitor.prime(found)
    state = "hit"
    if entry is None:
        response, entries = _render_shared(view_func, request, *args, **kwargs)
        if entries is None:  # this visitor's page only: fill it in, store nothing
            if not response.streaming and _REGION_RE.search(response.content):
                response.content = fill_regions(response.content, visitor_for(request), response.charset)
            patch_vary_headers(response, ["Cookie"])
            return response
        if storable:
            _store_page({f"{base}:{name}": e for name, e in entries.items()}, request)
        entry, state = entries[variant], "miss" if storable else "not-stored"
    return _respond(request, entry, visitor, state)


def _respond(request: HttpRequest, entry: dict, visitor, state: str) -> HttpResponse:
    """A stored entry as this visitor's response (``visitor`` None: the cookieless copy)."""
    response = _page_response(request, entry, visitor, state)
    if visitor is not None:
        patch_cache_control(response, private=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def stored_personal_page(request: HttpRequest) -> HttpResponse | None:
    """A signed-in buyer's GET of a stored page, answered from the stored shell the way
    ``_serve`` answers it, or None when it is not that case (the page is rendered as usual):
    not a signed-in buyer whose header is cached (staff, a basket cookie still to merge,
    anonymous visitors), a URL with parameters the storefront does not read, or no current
    entry. The caller has checked that the path leads to a storefront page."""
    from .personal import visitor_for

    if _visitor_kind(request) != "personal" or not _storable(request) or not request.user.is_authenticated:
        return None
    visitor = visitor_for(request)  # signed in, not staff, no basket cookie: its header is cached
    with one_version_per_request():
        entry, found = read_page(f"{_page_key(request)}:shell", visitor.header_keys, request=request)
        if entry is None:
            return None
        visitor.prime(found)
        return _respond(request, entry, visitor, "hit")


# Storefront pages: read-only, so no transaction per request (ATOMIC_REQUESTS would open one,
# and on SQLite take the write lock), and the anonymous page cache.
STOREFRONT_PAGE = [transaction.non_atomic_requests, anonymous_page_cache]
