"""Oscar's basket app, forked so that adding to the basket follows the storefront's one
visibility rule (a variant of an unapproved product cannot be added; an unseen product is a 404)."""

import oscar.apps.basket.apps as apps


class BasketConfig(apps.BasketConfig):
    name = "shop.apps.basket"
