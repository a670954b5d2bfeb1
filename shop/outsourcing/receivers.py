"""An engagement follows its order: cancelled before any month was accepted (the unit's
approval refused or withdrew it), the engagement is withdrawn in the same transaction."""

from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed

ORDER_CANCELLED = "已取消"


@receiver(order_status_changed, dispatch_uid="outsourcing.order_status_changed")
def order_status_moved(sender, order, old_status, new_status, **kwargs):
    if new_status == ORDER_CANCELLED:
        from .services import order_cancelled

        order_cancelled(order_id=order.pk)
