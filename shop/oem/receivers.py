"""Follow the Oscar order an accepted OEM order became (payments app → OEM timeline).

``order_status_changed`` is sent by ``shop.payments.services.order_status_move`` inside its
transaction, so what we write here commits (or rolls back) with the payment itself."""

from django.db import transaction

from .models import OemOrder, OemStatus

PAID_STATUSES = {"部分付款", "已付款"}
CANCELLED_STATUS = "已取消"


def on_order_status_changed(sender, order, old_status, new_status, **kwargs):
    from . import services

    oem = OemOrder.objects.filter(oscar_order_id=order.pk).first()
    if oem is None:
        return
    with transaction.atomic():
        if new_status in PAID_STATUSES:
            services.oem_order_deposit_received(order=oem)
        elif new_status == CANCELLED_STATUS and oem.status == OemStatus.CONFIRMED:
            services.oem_order_cancel_unpaid(order=oem, shop_order_number=order.number)
