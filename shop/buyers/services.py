from .models import INVOICE_FIELDS, ORG_FIELDS, BuyerOrganisation


def buyer_organisation_remember(*, user, data: dict) -> BuyerOrganisation:
    """Store the organisation and invoice wishes a buyer just used, for the next request."""
    values = {f: data.get(f, "") or "" for f in ORG_FIELDS + INVOICE_FIELDS}
    org, _ = BuyerOrganisation.objects.update_or_create(user=user, defaults=values)
    return org
