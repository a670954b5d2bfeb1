"""Oscar's add-to-basket forms with the variant checked by the storefront's visibility selector."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import forms as oscar_forms
from oscar.apps.basket.forms import *  # noqa: F401,F403

from shop.storefront.selectors import visible_products


def direct_purchase_problem(product) -> str | None:
    """Why ``product`` (the exact item, a variant or a standalone product) cannot be bought
    directly at its shown price, in Chinese; None when it can."""
    if product is None:
        return None
    parent = getattr(product, "parent", None)
    title = product.get_title()
    if getattr(product, "quote_only", False) or getattr(parent, "quote_only", False):
        return _("“%(title)s”仅支持询价采购，不能直接购买，请加入询价单。") % {"title": title}
    from shop.consulting.selectors import is_consulting_product

    if is_consulting_product(product):  # a service engagement: dates, topics, the consultant's word
        return _(
            "“%(title)s”需预约：请在商品页点击“预约咨询服务”，选择开始日期和咨询内容，由咨询顾问确认后下单。"
        ) % {"title": title}
    if getattr(product, "price_is_from", False):
        return _(
            "“%(title)s”的价格为起价，实际价格以供应商报价为准，不能直接购买，请加入询价单获取报价。"
        ) % {"title": title}
    return None


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

    def clean(self):
        """直购 is for fixed prices only: an item shown as 起价 (a floor, the real price comes with
        a quote) or 仅询价 cannot go into the basket at its floor price — the same rule as the
        quote acceptance, which refuses 起价 lines of an indicative quote."""
        problem = direct_purchase_problem(self.product)
        if problem:
            raise forms.ValidationError(problem)
        return super().clean()


class SimpleAddToBasketForm(oscar_forms.SimpleAddToBasketMixin, AddToBasketForm):
    """Oscar's one-click form, on top of the checked form above."""
