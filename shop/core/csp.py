"""django-csp's middleware with the policy built once instead of twice per response.

``csp.middleware.CSPMiddleware`` builds the ``Content-Security-Policy`` header (and the
report-only one) from ``settings.CONTENT_SECURITY_POLICY`` on every response, though for a
response with no nonce and no per-view policy (``@csp_update``, ``@csp_replace``,
``@csp_override``) the result is always the same string. ``CSPMiddleware`` here keeps those
two strings (built again after a settings change, as in tests) and builds the header as
django-csp does whenever the request or response has anything of its own. Which responses get
the header (exempt views, excluded prefixes, a header the view set itself, the debug pages) is
django-csp's rule, unchanged (django-csp 4.0, ``CSPMiddleware.process_response``)."""

from __future__ import annotations

import http.client as http_client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

_built: dict[bool, str] = {}  # report_only -> the policy of the settings alone


def _forget(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _built.clear()


setting_changed.connect(_forget, dispatch_uid="xh-csp-built-policy")

_EXEMPT_DEBUG_CODES = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)


_OWN_POLICY_ATTRS = {
    False: ("_csp_config", "_csp_update", "_csp_replace"),
    True: ("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro"),
}


class CSPMiddleware(BaseCSPMiddleware):
    def policy(self, request, response, report_only: bool) -> str:
        if getattr(request, "_csp_nonce", None) is None and all(
            getattr(response, attr, None) is None for attr in _OWN_POLICY_ATTRS[report_only]
        ):
            policy = _built.get(report_only)
            if policy is None:
                policy = _built[report_only] = build_policy(report_only=report_only)
            return policy
        parts = self.get_policy_parts(request=request, response=response, report_only=report_only)
        return build_policy(
            config=parts.config,
            update=parts.update,
            replace=parts.replace,
            nonce=parts.nonce,
            report_only=report_only,
        )

    def process_response(self, request, response):
        if response.status_code in _EXEMPT_DEBUG_CODES and settings.DEBUG:
            return response
        for report_only, header, setting, exempt_attr in (
            (False, HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            csp = self.policy(request, response, report_only)
            if not csp:
                continue
            is_not_exempt = getattr(response, exempt_attr, False) is False
            no_header = header not in response
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            is_not_excluded = not request.path_info.startswith(tuple(prefixes))
            if no_header and is_not_exempt and is_not_excluded:
                response[header] = csp
        # As django-csp: once the header is written, a nonce asked for later is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
