"""Hooks into the order life: an award's order gets its contract draft once it no longer waits
for the unit's approval — after the transaction that placed it (its ``OrderOrigin`` row) or
granted the approval (待审批 → next status) commits. A failure here is logged; the beat sweep
(``services.contracts_sweep``) creates what a hook missed."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed

from shop.payments.models import OrderOrigin

log = logging.getLogger(__name__)


class _Ensure:
    def __init__(self, order_id: int):
        self.order_id = order_id

    def __call__(self):
        from .services import contract_ensure

        try:
            contract_ensure(order_id=self.order_id)
        except Exception:
            log.exception("contract draft for order %s failed; the sweep will retry", self.order_id)


@receiver(post_save, sender=OrderOrigin, dispatch_uid="contracts.origin_saved")
def origin_saved(sender, instance, created, **kwargs):
    if created:
        transaction.on_commit(_Ensure(instance.order_id))


@receiver(order_status_changed, dispatch_uid="contracts.order_status_changed")
def order_status_moved(sender, order, old_status, new_status, **kwargs):
    from .services import ORDER_AWAITING_APPROVAL, ORDER_CANCELLED

    if old_status == ORDER_AWAITING_APPROVAL and new_status != ORDER_CANCELLED:
        transaction.on_commit(_Ensure(order.pk))
