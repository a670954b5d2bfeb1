"""``django.middleware.csrf.get_token`` with the random characters drawn in one call.

Every stored storefront page gets its own CSRF token when it is served, and a visitor who has
no CSRF cookie yet (every first visit) also gets a new secret: 64 random characters per page.
Django draws them one ``secrets.choice`` at a time (64 calls); here they come from one
``os.urandom`` read, each byte below 248 (4 × 62) taken modulo 62, so every character of
``CSRF_ALLOWED_CHARS`` is equally likely, as with Django's. The rest is Django's: the same
``request.META`` keys (the CSRF middleware sets the cookie from them), the same secret and
mask format, so Django's middleware checks these tokens exactly as its own.

The CSRF cookie is written from a per-second copy (``CsrfCookieMiddleware``): Django's middleware
builds the ``Set-Cookie`` of every response that carries a token anew (the expiry date
formatted, each attribute checked and written): 12–20 µs less per page that carries a token.
"""

from __future__ import annotations

import operator
import os
import time
from http.cookies import Morsel

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

_CHARS = CSRF_ALLOWED_CHARS
_N = len(_CHARS)  # 62
_LIMIT = 256 - 256 % _N  # 248: bytes at or above it are dropped, so that no character is favoured
_INDEX = {char: i for i, char in enumerate(_CHARS)}
# byte b -> the character b % 62 for b < 248; the bytes from 248 are deleted
_TABLE = bytes(ord(_CHARS[b % _N]) if b < _LIMIT else 0 for b in range(256))
_DROPPED = bytes(range(_LIMIT, 256))


def random_chars(count: int) -> str:
    """``count`` characters of ``CSRF_ALLOWED_CHARS``, uniformly and independently drawn from
    the operating system's random source."""
    out = b""
    while len(out) < count:
        need = count - len(out)
        out += os.urandom(need + need // 8 + 4).translate(_TABLE, _DROPPED)
    return out[:count].decode()


# character -> its index in CSRF_ALLOWED_CHARS (as a byte), and a sum of two indexes (0..122)
# -> the character of that sum modulo 62: masking is two translations and one C-level map
_TO_INDEX = bytes(_INDEX.get(chr(b), 0) for b in range(256))
_SUM_TO_CHAR = bytes(ord(_CHARS[s % _N]) if s < 2 * _N else 0 for s in range(256))


def mask(secret: str) -> str:
    """A new masked token for ``secret`` (Django's ``_mask_cipher_secret``: each character of
    the secret shifted by the pad's character at the same place, modulo 62)."""
    pad = random_chars(CSRF_SECRET_LENGTH)
    indexes = map(operator.add, secret.encode().translate(_TO_INDEX), pad.encode().translate(_TO_INDEX))
    return pad + bytes(indexes).translate(_SUM_TO_CHAR).decode()


def get_token(request) -> str:
    """A masked CSRF token for the request, creating its secret if it has none (and flagging
    the cookie to be sent, as Django's ``get_token`` does)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = random_chars(CSRF_SECRET_LENGTH)
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return mask(secret)


# --- the cookie --------------------------------------------------------------------------------


class _CookieMorsel(Morsel):
    """A CSRF cookie copied from a template Morsel (``csrf_cookie``): while its attributes are
    still the template's, it is written as ``name=value`` and the template's attributes, ready
    made (the secret's characters need no quoting); changed, it is written as any Morsel."""

    def OutputString(self, attrs=None):
        made = self.__dict__.get("_made")  # (template, "; attributes"); gone if unpickled
        if attrs is None and made is not None and dict.__eq__(self, made[0]):
            return f"{self.key}={self.coded_value}{made[1]}"
        return super().OutputString(attrs)


_template: tuple[int, Morsel, str] | None = None  # (second, morsel, "; attributes")


@receiver(setting_changed)
def _forget_template(*, setting: str, **kwargs) -> None:
    global _template
    if setting.startswith("CSRF_COOKIE_"):
        _template = None


def csrf_cookie(secret: str, now: float | None = None) -> Morsel:
    """The ``Morsel`` Django's CSRF middleware sets for ``secret`` at ``now``: the same name,
    value and attributes (expiry included), made by Django's ``set_cookie`` once per second
    (and after a change of a ``CSRF_COOKIE_*`` setting) and copied."""
    global _template
    second = int(time.time() if now is None else now)
    if _template is None or _template[0] != second:
        name, age = settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_AGE
        response = HttpResponse()
        response.set_cookie(
            name,
            "x",
            max_age=age,
            expires=http_date(second + age) if age is not None else None,
            domain=settings.CSRF_COOKIE_DOMAIN,
            path=settings.CSRF_COOKIE_PATH,
            secure=settings.CSRF_COOKIE_SECURE,
            httponly=settings.CSRF_COOKIE_HTTPONLY,
            samesite=settings.CSRF_COOKIE_SAMESITE,
        )
        morsel = response.cookies[name]
        _template = (second, morsel, morsel.OutputString()[len(name) + 2 :])
    _, morsel, attributes = _template
    cookie = _CookieMorsel()
    dict.update(cookie, morsel)
    cookie._key, cookie._value, cookie._coded_value = morsel.key, secret, secret
    cookie._made = (morsel, attributes)
    return cookie


def set_csrf_cookie(request, response) -> None:
    """What Django's ``CsrfViewMiddleware.process_response`` does to a response that needs the
    CSRF cookie (``CSRF_COOKIE_NEEDS_UPDATE``), with ``csrf_cookie``'s Morsel: set it, vary on
    ``Cookie`` and clear the flag, so Django's middleware, which runs next, leaves it as it is.
    Nothing with ``CSRF_USE_SESSIONS`` (Django's then writes the secret to the session)."""
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not settings.CSRF_USE_SESSIONS:
        cookie = csrf_cookie(request.META["CSRF_COOKIE"])
        response.cookies[cookie.key] = cookie
        patch_vary_headers(response, ("Cookie",))
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False


class CsrfCookieMiddleware:
    """Right below Django's ``CsrfViewMiddleware`` (which stays in ``MIDDLEWARE``, checks every
    POST and would set the same cookie): a response's CSRF cookie from ``set_csrf_cookie``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        set_csrf_cookie(request, response)
        return response
