"""Reads of 人才开发外包: the levels of the XH-DEV product, which vendors may propose, who sees
which request (the buyer's unit by role, vendors that list the levels, operators) and CVs."""

from django.db.models import Q, QuerySet
from oscar.core.loading import get_model

from shop.buyers.access import scope
from shop.core.access import is_operator, user_partner_ids

from .models import OutsourcingRequest, Profile, Proposal

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

OUTSOURCING_CLASS = "developer-outsourcing"  # catalog_fixtures/00_product_classes.yaml


def is_outsourcing_product(product) -> bool:
    if product is None:
        return False
    base = product.parent if getattr(product, "parent_id", None) else product
    return bool(base.product_class_id) and getattr(base.product_class, "slug", "") == OUTSOURCING_CLASS


def levels(*, product) -> list:
    """The levels (variants) of the outsourcing product in catalogue order, each with
    ``level_name`` (its 开发师级别 attribute, else its title) and ``floor`` (the lowest listed
    price: the level's 起价 per person and month)."""
    base = product.parent if product.parent_id else product
    children = list(base.children.filter(is_public=True).order_by("pk")) if base.is_parent else [base]
    for child in children:
        child.level_name = level_name(child)
        prices = [sr.price for sr in child.stockrecords.all() if sr.price is not None]
        child.floor = min(prices) if prices else None
    return children


def level_name(product) -> str:
    try:
        value = product.attr.developer_level
    except AttributeError:
        value = None
    return str(value or product.get_title())[:40]


def is_engagement_order(order) -> bool:
    """Whether ``order`` is an outsourcing engagement's (accepted month by month, not through
    the one-off delivery and 履约验收)."""
    return OutsourcingRequest.objects.filter(order_id=order.pk).exists()


def vendor_stockrecord(*, partner_id: int, level) -> "StockRecord | None":
    """The vendor's own listing of a level (its price is its 起价 for the level)."""
    return StockRecord.objects.filter(product=level, partner_id=partner_id, price__isnull=False).first()


def vendor_partner_ids_for(request: OutsourcingRequest) -> set[int]:
    """Vendors that list every level the request asks for (they may propose)."""
    level_ids = [line.level_id for line in request.lines.all()]
    sets = [
        set(
            StockRecord.objects.filter(product_id=lid, price__isnull=False).values_list(
                "partner_id", flat=True
            )
        )
        for lid in level_ids
    ]
    return set.intersection(*sets) if sets else set()


def requests_for_buyer(*, user, action: str = "purchases.view") -> QuerySet:
    return OutsourcingRequest.objects.filter(scope(user, action).q(unit_field="unit", user_field="buyer"))


def requests_for_vendor(*, user) -> QuerySet:
    """Operators: every request. A vendor: open requests for levels it lists, and any request it
    proposed to."""
    if is_operator(user):
        return OutsourcingRequest.objects.all()
    ids = user_partner_ids(user)
    if not ids:
        return OutsourcingRequest.objects.none()
    listed = StockRecord.objects.filter(partner_id__in=ids, price__isnull=False).values_list(
        "product_id", flat=True
    )
    open_for_me = Q(status="open") & Q(lines__level_id__in=listed)
    mine = Q(proposals__partner_id__in=ids)
    return OutsourcingRequest.objects.filter(open_for_me | mine).distinct()


def vendor_proposal(*, request: OutsourcingRequest, user) -> Proposal | None:
    ids = user_partner_ids(user)
    return request.proposals.filter(partner_id__in=ids).first() if ids else None


def profile_for(*, user, pk: int) -> Profile | None:
    """A CV's profile when ``user`` may download it: the buyer's unit (members who see
    purchases; a buyer without a unit, their own requests), the proposing vendor, operators."""
    profile = Profile.objects.select_related("proposal", "proposal__request").filter(pk=pk).first()
    if profile is None:
        return None
    if is_operator(user):
        return profile
    if profile.proposal.partner_id in user_partner_ids(user):
        return profile
    request = profile.proposal.request
    s = scope(user, "purchases.view")
    if s.owns(unit_id=request.unit_id, user_id=request.buyer_id):
        return profile
    return None
