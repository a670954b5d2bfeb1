"""Oscar's add-to-basket forms with the variant checked by the storefront's visibility selector."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import forms as oscar_forms
from oscar.apps.basket.forms import *  # noqa: F401,F403

from shop.storefront.selectors import visible_products


class AddToBasketForm(oscar_forms.AddToBasketForm):
    def clean_child_id(self):
        """Oscar takes any child of the parent (even one not public); only a visible variant of
        this parent may be added, and any other id reads like one that does not exist."""
        child = (
            visible_products()
            .select_related("parent")
            .filter(parent=self.parent_product, pk=self.cleaned_data["child_id"])
            .first()
        )
        if child is None:
            raise forms.ValidationError(_("请选择有效的规格。"))
        self.child_product = child
        return self.cleaned_data["child_id"]


class SimpleAddToBasketForm(oscar_forms.SimpleAddToBasketMixin, AddToBasketForm):
    """Oscar's one-click form, on top of the checked form above."""
