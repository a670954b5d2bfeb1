from oscar.apps.checkout.mixins import OrderPlacementMixin as CoreOrderPlacementMixin

from shop.core.models import next_document_number


class OrderPlacementMixin(CoreOrderPlacementMixin):
    def generate_order_number(self, basket):
        """Readable order numbers shared with quote and OEM orders: DD + date + sequence."""
        return next_document_number("DD")
