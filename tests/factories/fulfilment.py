"""Orders ready for delivery and 履约验收, built the way the mall builds them.

w = fulfilment_world()                  # a company unit (管理员, 经办人, 审批人, 财务) and a vendor
                                        # whose company buyers pay after acceptance
order = unit_order(w, qty=5)            # a direct order of the unit, 验收后付款 (履约中)
order = paid_order(w, qty=5)            # the vendor allows 付款后发货: placed, then paid
order = unit_order(w, lines=[...])      # several lines: (title, price, qty, partner)
"""

from dataclasses import dataclass
from decimal import Decimal

from shop.buyers.models import OrgType, UnitRole
from shop.payments.models import PaymentStage
from shop.payments.orders import order_place
from shop.payments.services import stage_mark_paid
from tests.factories.accounts import make_vendor_user
from tests.factories.buyers import make_unit
from tests.factories.payments import line_spec


@dataclass
class FulfilmentWorld:
    unit: object
    admin: object
    handler: object
    approver: object
    finance: object
    vendor: object
    partner: object


def fulfilment_world(*, org_type=OrgType.PRIVATE) -> FulfilmentWorld:
    unit, members = make_unit(
        org_type=org_type,
        roles_by_name={
            "handler": [UnitRole.HANDLER.value],
            "approver": [UnitRole.APPROVER.value],
            "finance": [UnitRole.FINANCE.value],
        },
    )
    vendor, partner = make_vendor_user()
    set_prepay(partner, allowed=False)  # companies pay this vendor after 履约验收
    return FulfilmentWorld(
        unit=unit,
        admin=members["admin"].user,
        handler=members["handler"].user,
        approver=members["approver"].user,
        finance=members["finance"].user,
        vendor=vendor,
        partner=partner,
    )


def unit_order(
    w: FulfilmentWorld, *, qty=5, price="1000.00", lines=None, source="direct", unit=True, buyer=None
):
    specs = (
        [line_spec(title=t, price=p, qty=q, partner=pa) for t, p, q, pa in lines]
        if lines
        else [line_spec(title="75 寸会议一体机", price=price, qty=qty, partner=w.partner)]
    )
    return order_place(
        user=buyer or w.handler,
        lines=specs,
        source=source,
        reference="",
        unit=w.unit if unit else None,
    )


def pay_all(order) -> None:
    for stage in order.payment_stages.filter(status=PaymentStage.Status.DUE):
        stage_mark_paid(stage=stage, method="bank_transfer", reference=f"{order.number}-{stage.sequence}")
    order.refresh_from_db()


def set_prepay(partner, *, allowed: bool) -> None:
    """Whether the vendor lets companies pay before delivery (its payment setting)."""
    from shop.payments.models import SellerPaymentProfile

    SellerPaymentProfile.objects.update_or_create(partner=partner, defaults={"allows_prepay": allowed})


def allow_prepay(partner) -> None:
    set_prepay(partner, allowed=True)


def paid_order(w: FulfilmentWorld, **kwargs):
    allow_prepay(w.partner)
    order = unit_order(w, **kwargs)
    pay_all(order)
    return order


def total(order) -> Decimal:
    return order.total_incl_tax
