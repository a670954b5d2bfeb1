"""Django's ``LocaleMiddleware`` without the URL-prefix work our URLs do not need.

Our URL configuration has no ``i18n_patterns`` (the language comes from the ``django_language``
cookie or ``Accept-Language``), so the language prefix of a path never decides anything:
``LocaleMiddleware`` here skips looking for one and otherwise does what Django 5.2's does —
picks and activates the language, sets ``request.LANGUAGE_CODE``, adds ``Vary:
Accept-Language`` and ``Content-Language``. A URL configuration with ``i18n_patterns`` gets
Django's own code."""

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _prefixes_used(request) -> bool:
    return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]


def _language(request) -> str:
    """``translation.get_language_from_request(request, check_path=False)``; with neither the
    language cookie nor ``Accept-Language`` that is the supported variant of LANGUAGE_CODE."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language_from_request(request, check_path=False)
    try:
        return translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        if _prefixes_used(request):
            return super().process_request(request)
        translation.activate(_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if _prefixes_used(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
