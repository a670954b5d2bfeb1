"""Reads of call-backs: the booker's unit (or the booker alone), the vendor of the service,
operators. Only operators get the full number (``phone_for``)."""

from django.db.models import QuerySet

from shop.buyers.access import scope
from shop.core.access import is_operator, user_partner_ids

from .models import CallbackRequest
from .phones import phone_mask

# product classes whose pages are service pages (catalog_fixtures/00_product_classes.yaml)
SERVICE_CLASSES = {"developer-outsourcing", "consulting-service", "settlement-service", "financing-service"}


def is_service_product(product) -> bool:
    if product is None:
        return False
    base = product.parent if getattr(product, "parent_id", None) else product
    return getattr(base.product_class, "slug", "") in SERVICE_CLASSES if base.product_class_id else False


def callbacks_for_booker(*, user) -> QuerySet:
    """The call-backs of the user's unit (members who may see purchases), or the user's own."""
    return CallbackRequest.objects.filter(
        scope(user, "purchases.view").q(unit_field="unit", user_field="user")
    )


def callbacks_for_handler(*, user) -> QuerySet:
    """Every call-back for operators; a vendor's those about its own services."""
    if is_operator(user):
        return CallbackRequest.objects.all()
    ids = user_partner_ids(user)
    if not ids:
        return CallbackRequest.objects.none()
    return CallbackRequest.objects.filter(partner_id__in=ids)


def phone_for(*, user, callback: CallbackRequest) -> str:
    """The number as ``user`` may read it: in full for operators, masked for everyone else."""
    return callback.phone if is_operator(user) else phone_mask(callback.phone)
