"""Offer versions: a buyer accepts the version of an offer it saw, never a newer one.

A vendor quote and an OEM offer carry a revision counter, incremented on each (re)offer. The
acceptance form and the API send the version the buyer looked at; the service compares it
with the locked row and refuses a stale or missing one, changing nothing."""

from django.utils.translation import gettext as _

from .exceptions import DomainError


def parse_version(value) -> int | None:
    """The version a form or API request sent, or None when it is missing or not a number."""
    if isinstance(value, bool):
        return None
    try:
        version = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return version if version >= 0 else None


def require_seen_version(*, current: int, seen) -> None:
    """Refuse an acceptance of any version but the current one (call under the row lock)."""
    seen = parse_version(seen)
    if seen is None:
        raise DomainError(_("请刷新页面，查看最新报价后再接受（缺少报价版本）。"))
    if seen != current:
        raise DomainError(_("报价已更新，请查看最新报价后再接受。"))
