"""Oscar's product formsets, scoped for vendors."""

from oscar.apps.dashboard.catalogue import formsets as oscar_formsets
from oscar.apps.dashboard.catalogue.formsets import *  # noqa: F401,F403
from oscar.core.loading import get_model

from shop.core.access import is_operator
from shop.vendors.selectors import products_for_user

Product = get_model("catalogue", "Product")


class StockRecordFormSet(oscar_formsets.StockRecordFormSet):
    """A vendor sees and edits only its own partner's stock records (Oscar already filters the
    queryset and the partner choices). Ownership of the product is recorded separately, so a
    vendor may save a product without a stock record when it is (or is about to become) a
    parent of variants."""

    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(product_class, user, *args, **kwargs)
        instance = kwargs.get("instance")
        about_to_be_parent = self.is_bound and self.data.get("action") == "create-child"
        if instance is not None and (instance.is_parent or about_to_be_parent):
            self.require_user_stockrecord = False

    def set_initial_data(self):
        # Oscar reads self.forms[0], which does not exist when a post lacks the management form.
        if self.forms:
            super().set_initial_data()


class ProductRecommendationFormSet(oscar_formsets.ProductRecommendationFormSet):
    """A vendor may recommend only products it can see in the dashboard."""

    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(product_class, user, *args, **kwargs)
        if not is_operator(user):
            allowed = products_for_user(user, Product.objects.filter(parent__isnull=True))
            for form in self.forms:
                if "recommendation" in form.fields:
                    form.fields["recommendation"].queryset = allowed
