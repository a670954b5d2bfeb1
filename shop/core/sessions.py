"""Django's cached-database sessions, whose cache read may come in a round trip with other keys.

A signed-in buyer's GET reads the session and then, with the user id it names, the user's row
and the page (``shop.core.usercache``): two round trips to the cache. This store lets the first
read be done by someone else: ``preload(data)`` hands it the value read from ``cache_key``
(None: not in the cache), and ``load`` uses that once instead of reading the cache again.
Everything else is ``django.contrib.sessions.backends.cached_db``: the data is still this
request's fresh read of the session's own key, and a value missing from the cache is looked up
in the database as before.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

_NOTHING = object()


class SessionStore(cached_db.SessionStore):
    _preloaded = _NOTHING
    loaded = False

    def preload(self, data) -> None:
        """``data``: what this request read from ``cache_key`` (None when it was not there)."""
        if not self.loaded:
            self._preloaded = data

    def load(self):
        self.loaded = True
        data, self._preloaded = self._preloaded, _NOTHING
        if data is not _NOTHING and data is not None:
            return data
        return super().load()
