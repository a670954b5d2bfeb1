from oscar.apps.partner.abstract_models import AbstractStockRecord


class StockRecord(AbstractStockRecord):
    """Oscar's, remembering the seller it was read with: the storefront's stored facet counts
    are out of date when a saved record changed its seller (``shop.storefront.receivers``)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        record.loaded_partner_id = record.__dict__.get("partner_id")
        return record


from oscar.apps.partner.models import *  # noqa: F401,F403,E402
