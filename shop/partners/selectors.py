"""Reads of partner applications: the applicant's own, every one for operators, and the public
list of approved partners per region."""

from collections import OrderedDict

from django.db.models import QuerySet

from .models import PartnerApplication, Status
from .regions import CITIES


def applications_of(*, user) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return PartnerApplication.objects.none()
    return PartnerApplication.objects.filter(applicant_id=user.pk)


def approved_partners(*, city: str | None = None) -> QuerySet:
    qs = PartnerApplication.objects.filter(status=Status.APPROVED)
    if city:
        qs = qs.filter(city=city)
    return qs.order_by("city", "county", "company_name", "pk")


def partners_by_region(*, city: str | None = None) -> "OrderedDict[str, list]":
    """{市州: [approved applications]} in the table's order; every 市州 present (maybe empty)."""
    rows = list(
        approved_partners(city=city).only(
            "company_name", "city", "county", "industry", "resources", "reviewed_at"
        )
    )
    grouped: OrderedDict[str, list] = OrderedDict(
        (name, []) for _code, name, _c in CITIES if not city or name == city
    )
    for row in rows:
        grouped.setdefault(row.city, []).append(row)
    return grouped
