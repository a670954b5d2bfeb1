"""Vendors to rate and to suspend, built the way the mall builds them.

w = credit_world()                       # a company unit (管理员+经办人, 经办人, 审批人, 财务), an approved vendor
order = placed_order(w)                  # a direct order of the unit (paid when it pays before delivery)
accept(w, order)                         # delivered in full and accepted (履约验收)
entry = suspend(w.partner, days=30)      # 暂停交易 from today for 30 days, by an operator
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from shop.buyers.models import OrgType, UnitRole
from shop.credit import services
from shop.credit.models import CreditEntry
from shop.fulfilment.services import acceptance_accept_delivered, delivery_record
from shop.payments.models import PaymentStage
from shop.payments.orders import OrderLineSpec, order_place
from shop.payments.services import stage_mark_paid
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.catalogue import CategoryFactory
from tests.factories.vendors import make_application, make_vendor_product


@dataclass
class CreditWorld:
    unit: object
    admin: object
    handler: object
    approver: object
    finance: object
    vendor: object
    partner: object
    category: object
    product: object
    operator: object


def credit_world(*, name: str = "湘江智能设备有限公司", title: str = "智能会议平板 75 寸") -> CreditWorld:
    unit, members = make_unit(
        org_type=OrgType.PRIVATE,
        roles_by_name={
            "handler": [UnitRole.HANDLER.value],
            "approver": [UnitRole.APPROVER.value],
            "finance": [UnitRole.FINANCE.value],
        },
    )
    vendor, partner = make_vendor_user()
    partner.name = name
    partner.save()
    category = CategoryFactory(name="会议平板")
    application = make_application(user=vendor, status="approved", partner=partner)
    application.categories.add(category)
    product = make_vendor_product(partner=partner, title=title)
    product.categories.add(category)
    return CreditWorld(
        unit=unit,
        admin=members["admin"].user,
        handler=members["handler"].user,
        approver=members["approver"].user,
        finance=members["finance"].user,
        vendor=vendor,
        partner=partner,
        category=category,
        product=product,
        operator=OperatorFactory(),
    )


def placed_order(w: CreditWorld, *, qty: int = 2):
    record = w.product.stockrecords.get(partner=w.partner)
    order = order_place(
        user=w.handler,
        lines=[
            OrderLineSpec(
                product=w.product,
                stockrecord=record,
                quantity=qty,
                unit_price_incl_tax=record.price,
                tax_rate=w.product.tax_rate,
            )
        ],
        source="direct",
        reference="",
        unit=w.unit,
    )
    if getattr(order.origin, "settlement", "prepay") == "prepay":  # 付款后发货: paid before delivery
        for stage in order.payment_stages.filter(status=PaymentStage.Status.DUE):
            stage_mark_paid(stage=stage, method="bank_transfer", reference=f"{order.number}-{stage.sequence}")
    order.refresh_from_db()
    return order


def accept(w: CreditWorld, order) -> None:
    """The vendor ships every line in full, the unit's 经办人 accepts all of it (合格)."""
    for line in order.lines.all():
        delivery_record(
            order=order,
            line_id=line.pk,
            actor=w.vendor,
            kind="shipment",
            quantity=line.quantity,
            carrier="顺丰速运",
            tracking_number="SF1234567890",
        )
    acceptance_accept_delivered(order=order, actor=w.handler)


def suspend(
    partner, *, days: int = 30, start_in_days: int = 0, operator=None, reason: str = "交货严重延误"
) -> CreditEntry:
    today = timezone.localdate()
    return services.credit_suspend(
        partner_id=partner.pk,
        actor=operator or OperatorFactory(),
        reason=reason,
        first_day=today + timedelta(days=start_in_days),
        last_day=today + timedelta(days=start_in_days + days - 1),
    )


def move_period_to_the_past(entry: CreditEntry) -> None:
    """The suspension's period has run out (it ended yesterday)."""
    now = timezone.now()
    CreditEntry.objects.filter(pk=entry.pk).update(
        starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1)
    )
