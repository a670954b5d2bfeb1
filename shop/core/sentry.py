"""Optional error reporting to Sentry: called from the settings only when ``SENTRY_DSN`` is set
(nothing is initialised otherwise), in the web and the worker processes alike.

No personal data is sent (``send_default_pii=False``: no user, cookies or client address).
The Redis integration is off: its breadcrumbs and spans name each key, and the cache's keys
include session keys (``…sessions.cached_db<session key>``), which would let anyone reading
the reports take over a session. Each event is tagged with the request id of shop.core.requestid, so a report leads to the
log lines of the same request or task."""

from __future__ import annotations


def _tag_request_id(event: dict, hint: dict) -> dict:
    from .requestid import current

    request_id = current()
    if request_id:
        tags = event.get("tags")
        if isinstance(tags, dict):
            tags["request_id"] = request_id
        else:
            event["tags"] = {**dict(tags or []), "request_id": request_id}
    return event


def sentry_init(
    *, dsn: str, environment: str = "", release: str = "", traces_sample_rate: float = 0.0
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        disabled_integrations=[RedisIntegration()],
        send_default_pii=False,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )
