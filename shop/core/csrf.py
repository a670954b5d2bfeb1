"""``django.middleware.csrf.get_token`` with the random characters drawn in one call.

Every stored storefront page gets its own CSRF token when it is served, and a visitor who has
no CSRF cookie yet (every first visit) also gets a new secret: 64 random characters per page.
Django draws them one ``secrets.choice`` at a time (64 calls); here they come from one
``os.urandom`` read, each byte below 248 (4 × 62) taken modulo 62, so every character of
``CSRF_ALLOWED_CHARS`` is equally likely, as with Django's. The rest is Django's: the same
``request.META`` keys (the CSRF middleware sets the cookie from them), the same secret and
mask format, so Django's middleware checks these tokens exactly as its own.
"""

from __future__ import annotations

import operator
import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

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
