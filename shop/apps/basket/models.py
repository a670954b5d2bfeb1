from oscar.apps.basket.abstract_models import AbstractBasket


class Basket(AbstractBasket):
    def all_lines(self):
        """Oscar's cached lines, with each product's class (and its parent's) loaded in the same
        query: the lines show the catalogue's picture of their class (shop.storefront.pictures)."""
        if self.id is not None and self._lines is None:
            self._lines = (
                self.lines.select_related(
                    "product",
                    "stockrecord",
                    "product__product_class",
                    "product__parent",
                    "product__parent__product_class",
                )
                .prefetch_related("attributes", "product__images")
                .order_by(self._meta.pk.name)
            )
        return super().all_lines()


from oscar.apps.basket.models import *  # noqa: E402,F401,F403
