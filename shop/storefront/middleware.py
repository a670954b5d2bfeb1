"""A stored storefront page for a cookieless visitor, served before the rest of the stack.

The page cache (``cache.py``) keeps one copy of each storefront page as a visitor without a
session sees it. Such a visitor has no session, user, basket or messages to load, so once the
copy exists it is answered here, above the session, locale, CSRF, authentication, messages,
basket and flat-page middleware, doing what those would have done to this response: the
language the locale middleware would pick (the key and Content-Language), Content-Length (as
the common middleware sets it: not chunked), a fresh CSRF token
in the page with the CSRF cookie (the CSRF middleware's own request and response steps),
``X-Frame-Options`` and ``Vary``. A miss goes down the whole stack under the catalogue version
read here (the view does not look for the entry again); any other visitor or request goes down
the whole stack as before; so does everything when ``STOREFRONT_EARLY_PAGES`` is off. Only paths
that lead to a storefront page (a view under ``anonymous_page_cache``; the answer is kept per
path) look in the cache at all: any other request costs no cache round trip here."""

from functools import lru_cache

from django.conf import settings
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, get_resolver
from django.utils import translation
from django.utils.cache import patch_vary_headers

from shop.core.csrf import set_csrf_cookie

from . import cache as page_cache


@lru_cache(maxsize=4096)
def leads_to_storefront_page(urlconf: str, path: str) -> bool:
    """Whether ``path`` resolves to a view that serves stored pages (``anonymous_page_cache``)."""
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", None)
    return page_cache.is_page_view(view.dispatch if view is not None else match.func)


def early_candidate(request) -> bool:
    """Early pages are on (``STOREFRONT_EARLY_PAGES``) and the request is a GET or HEAD of a
    path that leads to a storefront page."""
    return (
        getattr(settings, "STOREFRONT_EARLY_PAGES", True)
        and request.method in ("GET", "HEAD")
        and leads_to_storefront_page(
            getattr(request, "urlconf", None) or settings.ROOT_URLCONF, request.path_info
        )
    )


class EarlyAnonymousPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        if early_candidate(request) and page_cache.request_is_cacheable(request):
            # the version read here is the request's: on a miss the view renders under it and
            # does not look for the entry again (EARLY_MISS_ATTR)
            token = page_cache.begin_request()
            try:
                response = self._stored(request)
                return response if response is not None else self.get_response(request)
            finally:
                page_cache.end_request(token)
        return self.get_response(request)

    def _stored(self, request):
        if not page_cache._storable(request):
            return None
        language = translation.get_language_from_request(request)
        key = f"{page_cache._page_key(request, language)}:anonymous"
        try:
            entry, _ = page_cache.read_page(key)
        except Exception:  # the cache is down: the stack renders the page as usual
            return None
        if entry is None:
            setattr(request, page_cache.EARLY_MISS_ATTR, key)
            return None
        self.csrf.process_request(request)
        response = page_cache._page_response(request, entry, None, "hit")
        response["Content-Length"] = str(len(response.content))  # as CommonMiddleware's would
        response.setdefault("Content-Language", language)
        response.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
        set_csrf_cookie(request, response)
        return self.csrf.process_response(request, response)


class EarlyPersonalPageMiddleware:
    """A stored storefront page for a signed-in buyer, served below the session, locale,
    common, CSRF, authentication, rate-limit, error and messages middleware (all of which
    work on it as on any response) and above the rest: the one-time submission check (POSTs
    only), ``X-Frame-Options`` (set here as that middleware would), Oscar's basket middleware
    (such a page shows the buyer's cached counts and never loads the basket: a buyer still
    carrying a basket cookie is not served here), the flat-page fallback (404s only), axes
    (login attempts only), the URL match and the view. What is served is exactly what the
    view's ``anonymous_page_cache`` would serve on a hit (``cache.stored_personal_page``):
    only URLs stored after a 200 under the current catalogue version, so redirects and errors
    still come from the view. Anything else, a miss or a cache failure goes down the stack."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.xframe = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        if early_candidate(request):
            try:
                response = page_cache.stored_personal_page(request)
            except Exception:  # the cache is down: the stack renders the page as usual
                response = None
            if response is not None:
                return self.xframe.process_response(request, response)
        return self.get_response(request)
