"""Reads of 规划融资 applications: who sees which (the buyer's unit by role, the vendor of the
package, operators), the package's range, the current LPR."""

import re
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


_UNITS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)?\s*(?:-|–|—|~|～|至|到)\s*(\d+(?:\.\d+)?)\s*(万|亿)?")


def range_from_text(text: str) -> tuple[Decimal, Decimal] | None:
    """(low, high) in yuan from the catalogue's wording, e.g. "1000 万-10 亿"."""
    match = _RANGE.search(text or "")
    if not match:
        return None
    low, low_unit, high, high_unit = match.groups()
    high_unit = high_unit or ""
    low_unit = low_unit or high_unit  # "1000-5000 万"
    return Decimal(low) * _UNITS[low_unit], Decimal(high) * _UNITS[high_unit]


def amount_range(*, product) -> tuple[Decimal, Decimal]:
    """(lowest, highest) amount in yuan one may apply for: the package's 最低/最高融资额
    attributes, else its 融资额度 wording ("1000 万-10 亿"), else the package's published range."""
    if product is None:
        return DEFAULT_MIN_YUAN, DEFAULT_MAX_YUAN
    low, high = _attr(product, "financing_min_yuan"), _attr(product, "financing_max_yuan")
    if low not in (None, "") and high not in (None, ""):
        return Decimal(str(low)), Decimal(str(high))
    parsed = range_from_text(str(_attr(product, "financing_range") or ""))
    if parsed is not None:
        return parsed
    return DEFAULT_MIN_YUAN, DEFAULT_MAX_YUAN


def min_term_months(*, product) -> int:
    """The shortest term: the package's 最短期限（年）, else its wording ("一年起"), else a year."""
    years = _attr(product, "min_term_years") if product is not None else None
    try:
        years = int(years)
    except (TypeError, ValueError):
        text = str(_attr(product, "term") or "") if product is not None else ""
        match = re.search(r"(\d+|[一二三四五])\s*年起", text)
        words = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
        years = (int(match.group(1)) if match.group(1).isdigit() else words[match.group(1)]) if match else 1
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
