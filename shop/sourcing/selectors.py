"""Reads of sourcing events. The seal lives here: before a 询价 is opened, no function returns
another party's price — the buyer and operators get the number of responses only, a supplier
its own response. After opening, the buyer and operators see the evaluated responses; a
supplier sees its own and the published result (winner and amount), never the others' prices."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids

from .models import ES, Bid, Mode, SourcingEvent, SupplierResponse

Partner = get_model("partner", "Partner")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


def category_family(category) -> tuple[set[int], set[int]]:
    """(the category and its ancestors, the category and its descendants) as id sets."""
    up = {c.pk for c in category.get_ancestors_and_self()}
    down = {c.pk for c in category.get_descendants_and_self()}
    return up, down


def qualified_partner_ids(*, category) -> list[int]:
    """Suppliers qualified for a category: vendors whose 入驻 was approved for the category (or
    a parent of it), or who list public products in it (or below it)."""
    from shop.vendors.models import ApplicationStatus, VendorApplication

    up, down = category_family(category)
    approved = VendorApplication.objects.filter(status=ApplicationStatus.APPROVED, partner__isnull=False)
    by_application = set(approved.filter(categories__in=up).values_list("partner_id", flat=True))
    approved_partners = set(approved.values_list("partner_id", flat=True))
    listing = set(
        StockRecord.objects.filter(
            Q(product__categories__in=down) | Q(product__parent__categories__in=down),
            partner_id__in=approved_partners,
        ).values_list("partner_id", flat=True)
    )
    return sorted(by_application | listing)


def qualified_partners(*, category) -> QuerySet:
    return Partner.objects.filter(pk__in=qualified_partner_ids(category=category)).order_by("name", "pk")


def partner_may_take_part(*, event: SourcingEvent, partner_id: int) -> bool:
    if event.invitation == "invited":
        return event.invites.filter(partner_id=partner_id).exists()
    return partner_id in qualified_partner_ids(category=event.category)


def events_for_buyer(*, user) -> QuerySet:
    from shop.buyers.access import scope

    s = scope(user, "purchases.view")
    if s.unit_id is None:
        return SourcingEvent.objects.none()
    return SourcingEvent.objects.filter(s.q(unit_field="unit", user_field="buyer")).select_related("unit")


def events_for_vendor(*, user) -> QuerySet:
    """Events a vendor user's partners are invited to or qualified for (open events)."""
    ids = user_partner_ids(user)
    if is_operator(user):
        return SourcingEvent.objects.all()
    if not ids:
        return SourcingEvent.objects.none()
    open_ids = [
        e.pk
        for e in SourcingEvent.objects.filter(invitation="open").select_related("category")
        if set(qualified_partner_ids(category=e.category)) & set(ids)
    ]
    return SourcingEvent.objects.filter(Q(invites__partner_id__in=ids) | Q(pk__in=open_ids)).distinct()


def response_count(*, event: SourcingEvent) -> int:
    return event.responses.count()


def response_counts(*, events) -> dict[int, int]:
    """Responses (询价) or bidders (竞价) per event: numbers only, never prices."""
    from django.db.models import Count

    ids = [e.pk for e in events]
    counts = dict(
        SupplierResponse.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("pk"))
        .values_list("event_id", "n")
    )
    bidders = dict(
        Bid.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("partner_id", distinct=True))
        .values_list("event_id", "n")
    )
    return {e.pk: (counts.get(e.pk, 0) if e.mode == Mode.INQUIRY else bidders.get(e.pk, 0)) for e in events}


def answered_event_ids(*, events, partner_ids) -> set[int]:
    ids = [e.pk for e in events]
    partner_ids = list(partner_ids)
    return set(
        SupplierResponse.objects.filter(event_id__in=ids, partner_id__in=partner_ids).values_list(
            "event_id", flat=True
        )
    ) | set(
        Bid.objects.filter(event_id__in=ids, partner_id__in=partner_ids).values_list("event_id", flat=True)
    )


def own_response(*, event: SourcingEvent, partner_ids) -> SupplierResponse | None:
    return event.responses.filter(partner_id__in=list(partner_ids)).prefetch_related("lines").first()


@dataclass(frozen=True)
class VendorStanding:
    """What a vendor may see of its own part in an event: its response (询价) or its best bid
    and rank (竞价), and whether it is the proposed or awarded supplier. Never anyone else's."""

    own: SupplierResponse | None
    best_bid: Bid | None
    rank: int | None
    is_winner: bool


def vendor_standing(*, event: SourcingEvent, partner_ids) -> VendorStanding:
    """The one reading of a vendor's standing, for its dashboard page, bid polling and the API
    (the vendor's first partner, as everywhere in the vendor's pages)."""
    ids = list(partner_ids)
    partner_id = ids[0] if ids else None
    own = own_response(event=event, partner_ids=ids) if event.mode == Mode.INQUIRY else None
    best = None
    if event.mode == Mode.AUCTION and partner_id:
        best = event.bids.filter(partner_id=partner_id).order_by("amount", "pk").first()
    return VendorStanding(
        own=own,
        best_bid=best,
        rank=bid_rank(event=event, partner_id=partner_id) if partner_id else None,
        is_winner=bool(partner_id and event.winner_id == partner_id),
    )


def evaluated_responses(*, event: SourcingEvent, user) -> list[SupplierResponse]:
    """Every response with prices — only once opened, only for the unit's members and operators."""
    if event.sealed:
        return []
    from shop.buyers.access import scope

    allowed = is_operator(user) or scope(user, "purchases.view").owns(
        unit_id=event.unit_id, user_id=event.buyer_id
    )
    if not allowed:
        return []
    return list(
        event.responses.select_related("partner")
        .prefetch_related("lines")
        .order_by("rank", "submitted_at", "pk")
    )


def best_bids(*, event: SourcingEvent) -> list[Bid]:
    """Each bidder's lowest bid (ties: the earlier), best first."""
    best: dict[int, Bid] = {}
    for bid in event.bids.order_by("amount", "created_at", "pk"):
        best.setdefault(bid.partner_id, bid)
    return sorted(best.values(), key=lambda b: (b.amount, b.created_at, b.pk))


def bid_rank(*, event: SourcingEvent, partner_id: int) -> int | None:
    """A bidder's own rank (1 = lowest); never another bidder's price or name."""
    for i, bid in enumerate(best_bids(event=event), start=1):
        if bid.partner_id == partner_id:
            return i
    return None


def direct_limit_problem(*, unit, total) -> str | None:
    """A government unit (党政机关, 事业单位) buys above ``SOURCING_DIRECT_LIMIT`` (tax included)
    only by 网上询价 or 反向竞价 — not from the basket, not by a negotiable quote. The Chinese
    reason, or None (companies, and purchases within the limit, keep their flows)."""
    from django.conf import settings

    from shop.buyers.services import GOVERNMENT_TYPES
    from shop.core.money import rmb

    if unit is None or unit.org_type not in GOVERNMENT_TYPES:
        return None
    limit = settings.SOURCING_DIRECT_LIMIT
    if total <= limit:
        return None
    return (
        f"本单位为政府采购单位，单次直购或协商报价不得超过 {rmb(limit)}；本次金额 {rmb(total)}，"
        "请通过“询价竞价”发起网上询价或反向竞价。"
    )


def due_to_close(*, now) -> QuerySet:
    return SourcingEvent.objects.filter(status=ES.OPEN, deadline__lte=now).order_by("deadline", "pk")


__all__ = [
    "Mode",
    "category_family",
    "qualified_partner_ids",
    "qualified_partners",
    "partner_may_take_part",
    "events_for_buyer",
    "events_for_vendor",
    "response_count",
    "response_counts",
    "answered_event_ids",
    "own_response",
    "VendorStanding",
    "vendor_standing",
    "evaluated_responses",
    "best_bids",
    "bid_rank",
    "due_to_close",
    "direct_limit_problem",
]
