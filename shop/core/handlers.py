"""The WSGI handler of the web servers: Django's, with each path's URL match kept per process.

Django resolves every request's path against the URL patterns anew; a storefront page sits
behind Oscar's nested includes, about twenty pattern tests deep. A path resolves the same way
for as long as the patterns and the language stay the same, so the match is kept per resolver
(a new one after ``clear_url_caches``), language and path, for the last ``URL_MATCHES_KEPT``
paths. Each request gets its own copy of the match (its own ``args`` and ``kwargs``). A path
that matches nothing is not kept: it raises ``Resolver404`` every time, as before.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.handlers.wsgi import WSGIHandler
from django.urls import ResolverMatch, get_resolver, set_urlconf
from django.utils import translation

URL_MATCHES_KEPT = 4096


@lru_cache(maxsize=URL_MATCHES_KEPT)
def _match(resolver, language: str | None, path: str) -> ResolverMatch:
    return resolver.resolve(path)


def resolve(resolver, path: str) -> ResolverMatch:
    """``resolver.resolve(path)``, the match kept (a copy returned)."""
    kept = _match(resolver, translation.get_language(), path)
    match = object.__new__(ResolverMatch)
    match.__dict__.update(kept.__dict__)
    match.args, match.kwargs = tuple(kept.args), dict(kept.kwargs)
    return match


class MatchKeepingWSGIHandler(WSGIHandler):
    def resolve_request(self, request):
        """Django's ``BaseHandler.resolve_request`` with the match from ``resolve``."""
        if hasattr(request, "urlconf"):
            urlconf = request.urlconf
            set_urlconf(urlconf)
            resolver = get_resolver(urlconf)
        else:
            resolver = get_resolver()
        resolver_match = resolve(resolver, request.path_info)
        request.resolver_match = resolver_match
        return resolver_match
