"""Reads of 规划融资 applications: who sees which (the buyer's unit by role, the vendor of the
package, operators), the package's range, the current LPR."""

from decimal import Decimal

from django.db.models import QuerySet

from shop.buyers.access import scope
from shop.core.access import is_operator, user_partner_ids

from .models import FinancingApplication, LprQuote

FINANCING_CLASS = "financing-service"  # catalog_fixtures/00_product_classes.yaml
FREELANCE_CLASS = "settlement-service"
# 规划融资服务包 (catalog_fixtures/12_planning_finance.yaml): 1000 万-10 亿, 时长一年起; used when a
# product does not carry the attributes
DEFAULT_MIN_YUAN = Decimal("10000000")
DEFAULT_MAX_YUAN = Decimal("1000000000")
DEFAULT_MIN_TERM_YEARS = 1


def _class_slug(product) -> str:
    base = product.parent if getattr(product, "parent_id", None) else product
    product_class = base.product_class if base is not None else None
    return getattr(product_class, "slug", "") or ""


def is_financing_product(product) -> bool:
    return product is not None and _class_slug(product) == FINANCING_CLASS


def is_freelance_product(product) -> bool:
    return product is not None and _class_slug(product) == FREELANCE_CLASS


def _attr(product, code):
    try:
        return getattr(product.attr, code)
    except AttributeError:
        return None


def amount_range(*, product) -> tuple[Decimal, Decimal]:
    """(lowest, highest) amount in yuan one may apply for, from the package's attributes."""
    low = _attr(product, "financing_min_yuan") if product is not None else None
    high = _attr(product, "financing_max_yuan") if product is not None else None
    low = Decimal(str(low)) if low not in (None, "") else DEFAULT_MIN_YUAN
    high = Decimal(str(high)) if high not in (None, "") else DEFAULT_MAX_YUAN
    return low, high


def min_term_months(*, product) -> int:
    years = _attr(product, "min_term_years") if product is not None else None
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = DEFAULT_MIN_TERM_YEARS
    return max(years, 1) * 12


def package_partner(*, product):
    """The vendor offering the package: the partner of its first stock record (None: none)."""
    record = product.stockrecords.select_related("partner").order_by("pk").first()
    return record.partner if record is not None else None


def applications_for_buyer(*, user, action: str = "purchases.view") -> QuerySet:
    """The applications of the user's unit (members whose role may see purchases) or, without
    a unit, the user's own."""
    return FinancingApplication.objects.filter(
        scope(user, action).q(unit_field="unit", user_field="applicant")
    )


def applications_for_handler(*, user) -> QuerySet:
    """Every application for an operator; a vendor's applications to its own packages."""
    if is_operator(user):
        return FinancingApplication.objects.all()
    ids = user_partner_ids(user)
    if not ids:
        return FinancingApplication.objects.none()
    return FinancingApplication.objects.filter(partner_id__in=ids)


def current_lpr() -> LprQuote | None:
    return LprQuote.objects.order_by("-published_on", "-pk").first()
