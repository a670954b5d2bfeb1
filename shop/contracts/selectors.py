"""Reads of contracts: which orders need one, whether it is signed, who sees which."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from shop.buyers.access import scope
from shop.core.access import is_operator, user_partner_ids

from .models import Contract, ContractStatus

# Awards: an awarded 询价/竞价, an accepted quote, an accepted OEM offer. A direct order (直购)
# is an award only for a government unit; companies' plain basket orders need no contract.
AWARD_SOURCES = frozenset({"sourcing", "quote", "oem"})


def _origin(order):
    try:
        return order.origin
    except ObjectDoesNotExist:
        return None


def order_sellers(order) -> list[int]:
    """The partner ids of the order's lines."""
    return sorted({pid for pid in order.lines.values_list("partner_id", flat=True) if pid})


def order_needs_contract(order) -> bool:
    """Whether ``order`` comes from an award and so needs a signed contract before delivery.
    An order sold by several vendors at once (a mixed basket) has no single counterparty and
    gets no contract here."""
    origin = _origin(order)
    if origin is None:
        return False
    if origin.source in AWARD_SOURCES:
        pass
    elif origin.source == "direct":
        from shop.buyers.services import GOVERNMENT_TYPES

        unit = origin.unit
        if unit is None or unit.org_type not in GOVERNMENT_TYPES:
            return False
    else:
        return False
    return len(order_sellers(order)) == 1


def contract_is_signed(order) -> bool:
    """Whether ``order`` has a contract both parties confirmed (已签订)."""
    return Contract.objects.filter(order_id=order.pk, status=ContractStatus.SIGNED).exists()


def contract_of_order(order) -> Contract | None:
    return Contract.objects.filter(order_id=order.pk).first()


def contracts_for_buyer(*, user) -> QuerySet:
    """The contracts a buyer may see: the unit's (members whose roles see orders), or, for a
    buyer without a unit, their own."""
    s = scope(user, "orders.view")
    return Contract.objects.filter(s.q(unit_field="unit", user_field="buyer"))


def contracts_for_vendor(*, user) -> QuerySet:
    """Operators see every contract; a vendor user those of its partner(s)."""
    if is_operator(user):
        return Contract.objects.all()
    return Contract.objects.filter(partner_id__in=user_partner_ids(user))
