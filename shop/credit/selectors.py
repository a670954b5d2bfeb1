"""Reads of ratings and credit records.

Suspensions are checked against the clock on every read (``at``, default now): a period ends
by itself, no scheduled job lifts it. SQL filters built here (``suspended_owner_q``) compare
with the database's clock (``Now()``) so that a queryset built once (a form's or serializer's
class-level queryset) still checks at the time it is evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from oscar.core.loading import get_model

from .models import CreditEntry, CreditEvent, EntryKind, SupplierRating

Partner = get_model("partner", "Partner")


# --- suspensions ---------------------------------------------------------------------------


def _in_force_q(at) -> Q:
    return Q(kind=EntryKind.SUSPENSION, starts_at__lte=at, ends_at__gt=at) & (
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=at)
    )


def suspensions_in_force(*, at: datetime | None = None) -> QuerySet:
    """Suspensions in force at ``at`` (default: now, by the database's clock)."""
    return CreditEntry.objects.filter(_in_force_q(Now() if at is None else at))


def partner_suspended(partner_id, *, at: datetime | None = None) -> bool:
    """Whether the vendor may not trade at ``at`` (default now): a suspension (暂停交易) whose
    period contains ``at`` and that was not lifted before it."""
    if partner_id is None:
        return False
    return suspensions_in_force(at=at).filter(partner_id=partner_id).exists()


def suspended_partner_ids(*, at: datetime | None = None) -> set[int]:
    return set(suspensions_in_force(at=at).values_list("partner_id", flat=True))


def current_suspension(partner_id, *, at: datetime | None = None) -> CreditEntry | None:
    """The suspension in force at ``at`` that ends last (what the refusal names), or None."""
    if partner_id is None:
        return None
    return suspensions_in_force(at=at).filter(partner_id=partner_id).order_by("-ends_at", "-pk").first()


def _last_day(entry: CreditEntry) -> str:
    last = timezone.localtime(entry.ends_at - timezone.timedelta(microseconds=1))
    return f"{last:%Y年%m月%d日}"


def suspension_refusal(partner_id, *, doing: str, at: datetime | None = None, name: str = "") -> str | None:
    """The Chinese refusal when the vendor is suspended at ``at`` (``doing``: what is refused,
    e.g. "参与询价和竞价"), else None."""
    entry = current_suspension(partner_id, at=at)
    if entry is None:
        return None
    who = f"供应商“{name}”" if name else "该供应商"
    return f"{who}处于暂停交易期（至 {_last_day(entry)}），不能{doing}。"


def suspended_owner_q(*, at: datetime | None = None) -> Q:
    """Products (and variants of products) owned by a vendor suspended at ``at`` (default: the
    database's now when the query runs): what leaves the storefront during a suspension."""
    from shop.vendors.models import VendorProduct

    owned = VendorProduct.objects.filter(
        partner_id__in=suspensions_in_force(at=at).values("partner_id")
    ).values("product_id")
    return Q(pk__in=owned) | Q(parent_id__in=owned)


def product_partner_ids(product) -> set[int]:
    """Vendors a product is sold by: its owner (a variant: its parent's) and its stock records' sellers."""
    from shop.vendors.selectors import product_owner_partner_id

    ids = set(product.stockrecords.values_list("partner_id", flat=True))
    owner = product_owner_partner_id(product)
    if owner is not None:
        ids.add(owner)
    return ids


def product_suspension_refusal(product, *, at: datetime | None = None) -> str | None:
    """Why ``product`` cannot be ordered now (its vendor is suspended), in Chinese, or None."""
    ids = product_partner_ids(product)
    if not ids:
        return None
    entry = suspensions_in_force(at=at).filter(partner_id__in=ids).order_by("-ends_at", "-pk").first()
    if entry is None:
        return None
    return f"“{product.get_title()}”的供应商处于暂停交易期（至 {_last_day(entry)}），暂不能下单购买。"


def next_changes(*, now: datetime | None = None) -> list[float]:
    """The future moments (timestamps) at which some suspension starts or ends: the storefront's
    cached pages must not outlive them."""
    now = now or timezone.now()
    rows = CreditEntry.objects.filter(
        Q(starts_at__gt=now) | Q(ends_at__gt=now),
        kind=EntryKind.SUSPENSION,
        lifted_at__isnull=True,
    ).values_list("starts_at", "ends_at")
    return sorted({m.timestamp() for row in rows for m in row if m > now})


def credit_entries(*, partner_id: int) -> QuerySet:
    return CreditEntry.objects.filter(partner_id=partner_id).select_related("created_by", "lifted_by")


def credit_events(*, partner_id: int) -> QuerySet:
    return (
        CreditEvent.objects.filter(partner_id=partner_id)
        .select_related("actor", "entry")
        .order_by("-created_at", "-pk")
    )


# --- ratings -------------------------------------------------------------------------------


def _avg(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RatingSummary:
    count: int
    quality: Decimal | None
    delivery: Decimal | None
    service: Decimal | None

    @property
    def overall(self) -> Decimal | None:
        parts = [p for p in (self.quality, self.delivery, self.service) if p is not None]
        if not parts:
            return None
        return (sum(parts) / len(parts)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


EMPTY = RatingSummary(count=0, quality=None, delivery=None, service=None)


def rating_summaries(*, partner_ids) -> dict[int, RatingSummary]:
    """Average scores (one decimal) and the number of ratings per vendor, in one query."""
    ids = [int(p) for p in partner_ids if p is not None]
    rows = (
        SupplierRating.objects.filter(partner_id__in=ids)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("pk"), q=Avg("quality"), d=Avg("delivery"), s=Avg("service"))
    )
    found = {
        r["partner_id"]: RatingSummary(
            count=r["n"], quality=_avg(r["q"]), delivery=_avg(r["d"]), service=_avg(r["s"])
        )
        for r in rows
    }
    return {pk: found.get(pk, EMPTY) for pk in ids}


def rating_summary(*, partner_id: int) -> RatingSummary:
    return rating_summaries(partner_ids=[partner_id])[int(partner_id)]


def recent_ratings(*, partner_id: int, limit: int = 10) -> list[SupplierRating]:
    return list(SupplierRating.objects.filter(partner_id=partner_id).select_related("unit")[:limit])


def order_partners(order) -> list:
    """The suppliers of an order (its lines' partners), by name."""
    ids = set(order.lines.exclude(partner__isnull=True).values_list("partner_id", flat=True))
    return list(Partner.objects.filter(pk__in=ids).order_by("name", "pk"))


def order_is_accepted(order) -> bool:
    """履约验收 of the whole order (the fulfilment app decides)."""
    from shop.fulfilment.selectors import order_accepted

    return bool(order_accepted(order))


def ratings_of_order(order) -> dict[int, SupplierRating]:
    return {r.partner_id: r for r in SupplierRating.objects.filter(order=order)}


def orders_to_rate(*, user, limit: int = 100) -> list:
    """The accepted orders the user may rate (a unit's 管理员/经办人: the unit's), newest first,
    each annotated with its number of suppliers and of ratings given."""
    from shop.buyers.access import scope
    from shop.fulfilment.models import Fulfilment

    Order = get_model("order", "Order")
    accepted = Fulfilment.objects.filter(status=Fulfilment.Status.ACCEPTED).values("order_id")
    return list(
        Order.objects.filter(scope(user, "ratings.give").q(unit_field="origin__unit", user_field="user"))
        .filter(pk__in=accepted)
        .annotate(
            n_partners=Count("lines__partner", distinct=True),
            n_ratings=Count("supplier_ratings", distinct=True),
        )
        .order_by("-date_placed", "-pk")[:limit]
    )


# --- the public vendor page ----------------------------------------------------------------


def public_vendor(*, partner_id) -> object | None:
    """A vendor shown on its public page: one whose 入驻 was approved, or that sells visible
    products (the mall's own partner). Anything else reads like a page that does not exist."""
    from shop.storefront.selectors import visible_products
    from shop.vendors.models import ApplicationStatus, VendorApplication

    try:
        partner_id = int(partner_id)
    except (TypeError, ValueError):
        return None
    if not 0 < partner_id < 2**63:
        return None
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        return None
    approved = VendorApplication.objects.filter(partner=partner, status=ApplicationStatus.APPROVED).exists()
    if (
        approved
        or vendor_products(partner_id=partner.pk).exists()
        or visible_products().filter(stockrecords__partner=partner).exists()
    ):
        return partner
    return None


def approved_categories(*, partner_id: int) -> list:
    from shop.vendors.models import ApplicationStatus, VendorApplication

    Category = get_model("catalogue", "Category")
    ids = VendorApplication.objects.filter(partner_id=partner_id, status=ApplicationStatus.APPROVED).values(
        "categories"
    )
    return list(Category.objects.filter(pk__in=ids).order_by("path"))


def vendor_products(*, partner_id: int) -> QuerySet:
    """The vendor's published products (parents and standalones a buyer may see)."""
    from shop.storefront.selectors import browsable_products

    return (
        browsable_products()
        .filter(Q(vendor_ownership__partner_id=partner_id) | Q(stockrecords__partner_id=partner_id))
        .distinct()
        .order_by("-date_created", "-pk")
    )


def vendors_for_operators(*, query: str = "") -> QuerySet:
    """Vendors for the credit dashboard: approved vendors and partners with ratings or records."""
    from shop.vendors.models import ApplicationStatus, VendorApplication

    approved = VendorApplication.objects.filter(status=ApplicationStatus.APPROVED).values("partner_id")
    qs = Partner.objects.filter(
        Q(pk__in=approved)
        | Q(pk__in=CreditEntry.objects.values("partner_id"))
        | Q(pk__in=SupplierRating.objects.values("partner_id"))
    )
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.annotate(
        warnings=Count("credit_entries", filter=Q(credit_entries__kind=EntryKind.WARNING), distinct=True)
    ).order_by("name", "pk")
