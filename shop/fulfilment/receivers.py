"""An OEM order's last milestone is a delivery here: when it moves to 已发货, its shop order's
lines are delivered (in the same transaction as the OEM event) and the buyer accepts them like
any other delivery; the acceptance completes the OEM order (``services._order_accept``)."""

from django.db import transaction


def on_oem_event_saved(sender, instance, created, **kwargs):
    if not created or instance.kind != "shipped":
        return
    from . import services

    with transaction.atomic():
        services.oem_shipped_deliver(oem_order=instance.order, actor=instance.actor, note=instance.note)
