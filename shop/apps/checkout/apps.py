import oscar.apps.checkout.apps as apps


class CheckoutConfig(apps.CheckoutConfig):
    """Oscar's checkout: Chinese payment step (invoice request, pay after placing the order)."""

    name = "shop.apps.checkout"
