"""A buyer with something to buy: buyer A's open 采购车 holds two of its side's product, so the
basket and the checkout pages are reached by whoever follows buyer A's links."""

from oscar.core.loading import get_class, get_model

Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")


def build(world) -> None:
    s = world.a
    basket, _ = Basket.open.get_or_create(owner=s.buyer)
    basket.strategy = Selector().strategy(user=s.buyer)
    basket.add_product(s.product, quantity=2)
    s.extra["basket"] = basket
