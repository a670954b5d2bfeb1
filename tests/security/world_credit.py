"""Credit rows of each side: a suspension of the side's vendor that starts in a year (so that
nothing of the base world leaves the storefront) with a reason only operators may read."""

from datetime import timedelta

from django.utils import timezone

from shop.credit.services import credit_suspend

from .world import Secret, marker


def build(world) -> None:
    start = timezone.localdate() + timedelta(days=400)
    for s in ("a", "b"):
        side = world.side(s)
        reason = marker(s, "credit-reason")
        side.extra["credit_suspension"] = credit_suspend(
            partner_id=side.partner.pk,
            actor=world.operator,
            reason=reason,
            first_day=start,
            last_day=start + timedelta(days=9),
        )
        world.extra_secrets.append(Secret(reason, frozenset()))
