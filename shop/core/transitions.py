"""Guarded state transitions: lock the row, check the move, save, write one audit event."""

from collections.abc import Mapping

from django.db import transaction

from .exceptions import IllegalTransition


def transition(
    *,
    obj,
    to: str,
    allowed: Mapping[str, set[str]],
    labels: Mapping[str, str],
    event_model,
    event_fk: str,
    actor=None,
    note: str = "",
    kind: str = "status",
    status_field: str = "status",
    extra_updates: Mapping | None = None,
):
    """Move ``obj`` to state ``to`` inside a transaction, under ``select_for_update``.

    Returns the locked, updated instance. Raises IllegalTransition with a Chinese message when
    the move is not allowed from the current (re-read) state."""
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, status_field)
        if to not in allowed.get(current, set()):
            raise IllegalTransition(
                f"当前状态为“{labels.get(current, current)}”，不能变更为“{labels.get(to, to)}”。"
            )
        setattr(locked, status_field, to)
        fields = [status_field]
        for key, value in (extra_updates or {}).items():
            setattr(locked, key, value)
            fields.append(key)
        if hasattr(locked, "updated_at"):
            fields.append("updated_at")
        locked.save(update_fields=fields)
        event_model.objects.create(
            **{event_fk: locked},
            actor=actor if getattr(actor, "pk", None) else None,
            from_status=current,
            to_status=to,
            kind=kind,
            note=note,
        )
    obj.refresh_from_db()
    return locked
