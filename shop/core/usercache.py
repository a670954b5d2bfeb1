"""The signed-in user of a GET or HEAD, read from the cache instead of the database.

Every request of a signed-in visitor loads their user row (the session names the user and the
backend; Django's ``AuthenticationMiddleware`` asks that backend). ``AuthenticationMiddleware``
here does exactly what Django's does — the same session, backend, ``is_active`` and session
hash checks, the same flush of a session whose hash no longer matches — except where the row
comes from on GET and HEAD requests, which change nothing: the ``default`` cache, one round
trip, instead of a query.

The cached row is valid for one **generation** of its user: every save or delete of the user
(a password change, deactivation, new e-mail, also the ``last_login`` of a login) gives the
user a new generation, right away and again after the transaction commits, and a row counts
only when it was stored under the generation that is current. So the request after a change
sees the new row (a changed password ends the other sessions on their next page, as before),
and a request that read the row before a commit can never store it past that commit.
``USER_CACHE_SECONDS`` (600) bounds how long a change made around the ORM (raw SQL,
``QuerySet.update`` on users, which the code never does) could go unseen.

The password hash never goes to the cache: the row is stored without it, together with the
session hashes Django derives from it (the HMAC the session itself already holds, for the
current secret key and its fallbacks), and a cached user has its password deferred — code that
reads ``user.password`` loads it from the database, and a save writes only the loaded fields.
The key names the secret key's fingerprint, so a new secret key never meets rows hashed with
the old one.

POST, PUT, PATCH and DELETE always read the row from the database: whatever they decide or
save is decided on the current row. If the cache is unreachable the row comes from the
database.

Other apps may ask for more keys in the same round trip (``prefetch_with_user``): the
storefront fetches the page, the catalogue version and the user's header with the row, so a
warm buyer page costs two cache reads (the session, then this one), and one once this process
has seen the session: the session's own entry is then read in the same round trip, with the
row of the user it named last time (``_read_with_session``). The values are kept on the
request for that request only (``prefetched``).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from functools import lru_cache

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

SCHEMA = 2  # bump when the stored row changes shape
SECRET_FIELDS = ("password",)  # never stored in the cache
SAFE_METHODS = ("GET", "HEAD")


def _seconds() -> int:
    return getattr(settings, "USER_CACHE_SECONDS", 600)


def gen_key(user_id) -> str:
    return f"auth:user-gen:{user_id}"


@lru_cache(maxsize=4)
def _secret_tag(secret: str) -> str:
    return hashlib.sha256(b"xh-usercache:" + secret.encode()).hexdigest()[:12]


def row_key(user_id) -> str:
    return f"auth:user:{SCHEMA}:{_secret_tag(settings.SECRET_KEY)}:{user_id}"


def _with_session_hashes(user, session_hash: str, fallbacks: list[str]):
    """``user`` answering Django's session checks from the stored hashes (its password is
    deferred, so computing them would read the database)."""
    user.get_session_auth_hash = lambda: session_hash
    user.get_session_auth_fallback_hash = lambda: iter(fallbacks)
    return user


def _new_generation() -> str:
    return f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"


def _renew(user_id) -> None:
    cache.set(gen_key(user_id), _new_generation(), _seconds() * 2)


def user_changed(user_id) -> None:
    """The user row of ``user_id`` changed: cached copies stop counting, now and after commit."""
    if user_id is None:
        return
    _renew(user_id)
    transaction.on_commit(lambda: _renew(user_id))


def _user_saved_or_deleted(sender, instance, **kwargs) -> None:
    user_changed(instance.pk)


def connect_receivers() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    User = get_user_model()
    post_save.connect(_user_saved_or_deleted, sender=User, dispatch_uid="xh-usercache-save")
    post_delete.connect(_user_saved_or_deleted, sender=User, dispatch_uid="xh-usercache-delete")


def _can_authenticate(backend, user) -> bool:
    check = getattr(backend, "user_can_authenticate", None)
    return check(user) if check is not None else True


_prefetchers: list = []
_PREFETCHED = "_xh_prefetched"


def prefetch_with_user(keys_for) -> None:
    """Register ``keys_for(request, user_id) -> list[str]``: cache keys read together with the
    row of a GET's signed-in user (the session's user id, before the session is verified:
    consumers must key what they use by the verified user)."""
    if keys_for not in _prefetchers:
        _prefetchers.append(keys_for)


def prefetched(request, keys) -> dict | None:
    """The values of ``keys`` read with the user's row in this request (missing keys absent
    from the result), or None when any of them was not read then."""
    fetched = getattr(request, _PREFETCHED, None)
    if fetched is None or not fetched[0].issuperset(keys):
        return None
    return {key: fetched[1][key] for key in keys if key in fetched[1]}


def _read_user(request, user_id, also=()) -> dict:
    """One round trip: the generation and row of ``user_id``, the keys other apps asked for
    (kept on the request, ``prefetched``) and ``also``."""
    gkey, rkey = gen_key(user_id), row_key(user_id)
    extra = [key for keys_for in _prefetchers for key in keys_for(request, user_id)] if request else []
    found = cache.get_many([*also, gkey, rkey, *extra])  # the cache wrapper turns a Redis error into a miss
    if extra:
        setattr(request, _PREFETCHED, (frozenset(extra), {k: found[k] for k in extra if k in found}))
    return found


def backend_user(backend, backend_path: str, user_id, request=None, found: dict | None = None):
    """``backend.get_user(user_id)``, answered from the cache while the row's generation is
    current (the backend's ``user_can_authenticate`` is checked on the cached row too).
    ``found``: what ``_read_user`` read for this user earlier in the request."""
    from django.contrib.auth import get_user_model

    gkey, rkey = gen_key(user_id), row_key(user_id)
    if found is None:
        found = _read_user(request, user_id)
    generation, stored = found.get(gkey), found.get(rkey)
    if (
        generation is not None
        and stored is not None
        and stored[0] == generation
        and stored[1] == backend_path
    ):
        db, names, values, session_hash, fallbacks = stored[2:7]
        user = _with_session_hashes(get_user_model().from_db(db, names, values), session_hash, fallbacks)
        return user if _can_authenticate(backend, user) else None
    if generation is None:
        generation = _new_generation()
        if not cache.add(gkey, generation, _seconds() * 2):
            generation = cache.get(gkey, generation)
    user = backend.get_user(user_id)
    if user is not None and type(user) is get_user_model():
        names = [f.attname for f in user._meta.concrete_fields if f.attname not in SECRET_FIELDS]
        values = [getattr(user, name) for name in names]
        hashes = (user.get_session_auth_hash(), list(user.get_session_auth_fallback_hash()))
        cache.set(rkey, (generation, backend_path, user._state.db, names, values, *hashes), _seconds())
    return user


def get_user(request):
    """``django.contrib.auth.get_user`` with the row of a GET/HEAD from ``backend_user``."""
    if request.method not in SAFE_METHODS:
        return auth.get_user(request)
    from django.contrib.auth.models import AnonymousUser

    user = None
    session_key, read_ahead = _read_with_session(request)
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        user_id = None
    else:
        if session_key is not None:
            _session_users.remember(session_key, user_id)
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            found = read_ahead[1] if read_ahead is not None and read_ahead[0] == user_id else None
            user = backend_user(backend, backend_path, user_id, request, found)
            # Verify the session (as django.contrib.auth.get_user does)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    if read_ahead is not None and read_ahead[0] != user_id and hasattr(request, _PREFETCHED):
        delattr(request, _PREFETCHED)  # read for the user the session named before: not this one
    return user or AnonymousUser()


class _SessionUsers:
    """Which user each recently seen session named, in this process: a guess of whose row to
    read together with the session (a bounded map; forgotten whole when full)."""

    def __init__(self, size: int = 20_000):
        self.size, self.users = size, {}

    def remember(self, session_key: str, user_id) -> None:
        if self.users.get(session_key) != user_id:
            if len(self.users) >= self.size:
                self.users.clear()
            self.users[session_key] = user_id

    def guess(self, session_key: str):
        return self.users.get(session_key)


_session_users = _SessionUsers()


def _read_with_session(request) -> tuple[str | None, tuple | None]:
    """For a session seen before in this process: its cache entry, read in one round trip with
    the row (and read-ahead keys) of the user it named then. The session store is handed what
    was read (``shop.core.sessions``), so the session is still this request's fresh read, and
    the row counts only if the session still names that user. Returns the session key and
    (the guessed user id, what was read), or None when nothing was read ahead."""
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    if session_key is None or not hasattr(session, "preload") or session.loaded:
        return session_key, None
    user_id = _session_users.guess(session_key)
    if user_id is None:
        return session_key, None
    found = _read_user(request, user_id, also=[session.cache_key])
    session.preload(found.pop(session.cache_key, None))
    return session_key, (user_id, found)


def _lazy_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    # once loaded, ``request.user`` is the user itself: every later read of an attribute through
    # the lazy proxy cost a failed lookup and a proxy call (28–39 µs of a stored buyer page)
    request.user = request._cached_user
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the signed-in user of a GET/HEAD read through ``backend_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _lazy_user(request))
