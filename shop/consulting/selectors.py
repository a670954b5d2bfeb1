"""Reads of consulting engagements: the package and its variants, the consultants that offer it,
who sees which engagement (the buyer's unit by role, the consultant, operators), calendars."""

from datetime import date

from django.db.models import QuerySet
from oscar.core.loading import get_model

from shop.buyers.access import scope
from shop.core.access import is_operator, user_partner_ids

from .models import BlockedDay, BookedDay, Engagement, Package
from .pricing import TOPICS, topics_from_scope

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

CONSULTING_CLASS = "consulting-service"  # catalog_fixtures/00_product_classes.yaml


def base_product(product):
    return product.parent if getattr(product, "parent_id", None) else product


def is_consulting_product(product) -> bool:
    if product is None:
        return False
    base = base_product(product)
    return bool(base.product_class_id) and getattr(base.product_class, "slug", "") == CONSULTING_CLASS


def package_of(variant) -> str | None:
    """The package a variant sells (its unit: 天/月/半年/年), None for anything else."""
    unit = (getattr(variant, "unit", "") or "").strip()
    return unit if unit in Package.values else None


def variants(*, product) -> list:
    """The package's variants the storefront shows (visible), in the packages' order, each
    with a priced stock record."""
    from shop.storefront.selectors import visible_products

    base = base_product(product)
    qs = visible_products().filter(parent=base) if base.is_parent else visible_products().filter(pk=base.pk)
    found = [v for v in qs if package_of(v) is not None]
    order = {value: i for i, value in enumerate(Package.values)}
    return sorted(found, key=lambda v: (order[package_of(v)], v.pk))


def topics(*, product) -> tuple[str, ...]:
    """The topics one may choose: the package's 咨询内容 attribute, else the catalogue's list."""
    base = base_product(product)
    try:
        scope_text = base.attr.consulting_scope
    except AttributeError:
        scope_text = ""
    return topics_from_scope(str(scope_text or "")) or TOPICS


def stockrecords(*, variant) -> QuerySet:
    """The consultants' offers of a variant: priced stock records, oldest first."""
    return (
        StockRecord.objects.filter(product=variant, price__isnull=False)
        .select_related("partner")
        .order_by("pk")
    )


def stockrecord_for(*, variant, partner_id) -> object | None:
    return stockrecords(variant=variant).filter(partner_id=partner_id).first()


def consultants(*, product) -> list:
    """The partners offering any variant of the package (the buyer picks one), oldest first."""
    seen, out = set(), []
    for variant in variants(product=product):
        for record in stockrecords(variant=variant):
            if record.partner_id not in seen:
                seen.add(record.partner_id)
                out.append(record.partner)
    return out


def engagements_for_buyer(*, user, action: str = "purchases.view") -> QuerySet:
    """The engagements of the user's unit (members whose role may see purchases) or, without a
    unit, the user's own."""
    return Engagement.objects.filter(scope(user, action).q(unit_field="unit", user_field="buyer"))


def engagements_for_consultant(*, user) -> QuerySet:
    """Every engagement for an operator; a vendor's engagements with its own partner(s)."""
    if is_operator(user):
        return Engagement.objects.all()
    ids = user_partner_ids(user)
    if not ids:
        return Engagement.objects.none()
    return Engagement.objects.filter(partner_id__in=ids)


def blocked_days(*, partner_id, since: date) -> QuerySet:
    return BlockedDay.objects.filter(partner_id=partner_id, day__gte=since).order_by("day")


def booked_days(*, partner_id, since: date) -> QuerySet:
    return (
        BookedDay.objects.filter(partner_id=partner_id, day__gte=since)
        .select_related("engagement")
        .order_by("day")
    )


def report_attachments(engagement) -> list:
    """The report files: the attachments of the order's deliveries, newest delivery first."""
    from shop.fulfilment.models import Attachment

    if engagement.order_id is None:
        return []
    return list(
        Attachment.objects.filter(delivery__line__line__order_id=engagement.order_id)
        .select_related("delivery")
        .order_by("-delivery__created_at", "-delivery__pk", "pk")
    )


def report_deliveries(engagement) -> list:
    from shop.fulfilment.models import Delivery

    if engagement.order_id is None:
        return []
    return list(
        Delivery.objects.filter(line__line__order_id=engagement.order_id)
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")
    )


def last_rejection(engagement):
    """The newest 不合格 acceptance of the report (its reason is shown to the consultant)."""
    from shop.fulfilment.models import Acceptance

    if engagement.order_id is None:
        return None
    return (
        Acceptance.objects.filter(line__line__order_id=engagement.order_id, result="failed")
        .order_by("-created_at", "-pk")
        .first()
    )
