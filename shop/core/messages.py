"""Django's ``MessageMiddleware`` with the message storage made when first used.

Django's builds the storage (the cookie and the session backends, the cookie signer) for every
request, and stores nothing when a request neither read nor added a message (``update``
returns at once). ``MessageMiddleware`` here gives the request the same storage lazily, so a
request that never touches messages (most API calls, health checks, stored pages served
early) does not build it; any use (``messages.add_message``, ``get_messages``, the context
processor, templates) builds it as before, and such a request is stored as before."""

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.utils.functional import SimpleLazyObject, empty

_FALLBACK = "django.contrib.messages.storage.fallback.FallbackStorage"


class MessageMiddleware(DjangoMessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never built: nothing read or added, nothing to store
        return super().process_response(request, response)


def may_have_messages(request) -> bool:
    """False when reading the request's messages would certainly find none, found without
    building the storage: it is not built yet (nothing was added in this request), and Django's
    default storage would find neither its cookie nor its session key. True otherwise (then
    read them: ``get_messages``)."""
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    if not (isinstance(storage, SimpleLazyObject) and storage._wrapped is empty):
        return True
    if settings.MESSAGE_STORAGE != _FALLBACK:
        return True
    if CookieStorage.cookie_name in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and SessionStorage.session_key in session
