"""Login throttling backend: django-axes, tolerant of calls without a request.

Oscar logs a new customer in right after registration with ``authenticate(username=...,
password=...)`` and no request; django-axes' standalone backend raises on such a call, which
made every registration a server error. A call without a request is not a login attempt from
the outside (nothing to throttle), so this backend steps aside and the next backend checks the
password; every call with a request is throttled exactly as axes does."""

from axes.backends import AxesStandaloneBackend


class ThrottledAuthBackend(AxesStandaloneBackend):
    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
