"""Reads of the buyers app: a user's unit membership and what a unit's pages show."""

from django.utils import timezone

from .models import UnitEvent, UnitInvitation, UnitMember


def membership_for_user(*, user) -> UnitMember | None:
    """The user's active membership (with its unit), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return UnitMember.objects.select_related("unit").filter(user_id=user.pk, is_active=True).first()


def unit_members(*, unit) -> list[UnitMember]:
    return list(UnitMember.objects.filter(unit=unit).select_related("user").order_by("-is_active", "pk"))


def unit_member(*, unit, member_id) -> UnitMember | None:
    """A member of ``unit`` by id (None for another unit's member: no existence leak)."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    return UnitMember.objects.select_related("user").filter(unit=unit, pk=member_id).first()


def unit_pending_invitations(*, unit) -> list[UnitInvitation]:
    return list(
        UnitInvitation.objects.filter(unit=unit, accepted_at=None, expires_at__gt=timezone.now()).order_by(
            "-created_at", "-pk"
        )
    )


def unit_active_member_count(*, unit) -> int:
    return UnitMember.objects.filter(unit=unit, is_active=True).count()


def unit_recent_events(*, unit, limit: int = 10) -> list[UnitEvent]:
    return list(
        UnitEvent.objects.filter(unit=unit).select_related("actor").order_by("-created_at", "-pk")[:limit]
    )
