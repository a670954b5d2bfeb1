"""湘慧商城 pricing strategy: CNY, tax-inclusive prices (China), 起价 and 仅询价.

Oscar loads ``partner.strategy`` from this forked app, so every ``request.strategy`` and
basket uses :class:`Selector` below.  What templates get from
``{% purchase_info_for_product request product as session %}``:

* ``session.price.exists`` – a price is shown; ``session.price.incl_tax`` is the tax-inclusive
  CNY amount (stock record prices *are* tax-inclusive); ``excl_tax``/``tax``/``tax_rate`` split it.
* ``session.price.is_from_price`` – show it as 起价 ("¥11,800 起"); ``session.price.from_price``
  is the amount then (``None`` otherwise).  A parent product's price is the **lowest** public
  child price (not Oscar's first child) and is a 起价 when its children's prices differ or the
  cheapest one is itself a 起价.  ``session.price.unit`` is the unit of the priced product
  (the cheapest child's for a parent), e.g. "台", "人·月", "天".
* ``session.price.is_quote_only`` / ``session.availability.is_quote_only`` – no price, not
  buyable; ``session.availability.code == "quote_only"``, its message is 仅询价.

Query cost: nothing beyond what the product queryset prefetched — use
:func:`prefetch_for_pricing` on listing querysets (stock records, product class, public children
with their stock records); a product or parent fetched alone costs one or two queries.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.apps.partner import availability, prices
from oscar.apps.partner.strategy import Selector as CoreSelector
from oscar.apps.partner.strategy import Structured
from oscar.core.loading import get_model

from shop.core.money import q2, split_tax_inclusive

# --- prices -------------------------------------------------------------------------------


class CNYPrice(prices.FixedPrice):
    """A known price in CNY, stored tax-inclusive; excl_tax + tax == incl_tax exactly."""

    exists = True
    is_tax_known = True
    is_quote_only = False

    def __init__(
        self,
        *,
        incl_tax: Decimal,
        tax_rate: Decimal,
        currency: str = "CNY",
        is_from_price: bool = False,
        unit: str = "",
    ):
        excl_tax, tax = split_tax_inclusive(incl_tax, tax_rate)
        super().__init__(currency=currency, excl_tax=excl_tax, tax=tax)
        self._incl_tax = q2(incl_tax)
        self.tax_rate = Decimal(tax_rate)
        self.is_from_price = is_from_price
        self.unit = unit

    @property
    def incl_tax(self) -> Decimal:
        return self._incl_tax

    @property
    def effective_price(self) -> Decimal:
        return self._incl_tax

    @property
    def from_price(self) -> Decimal | None:
        return self._incl_tax if self.is_from_price else None


class NoPrice(prices.Unavailable):
    """No price known (no priced stock record)."""

    is_quote_only = False
    is_from_price = False
    from_price = None
    unit = ""


class QuoteOnlyPrice(NoPrice):
    """仅询价: the product has no list price; the buyer asks for a quote."""

    is_quote_only = True


# --- availability -------------------------------------------------------------------------


class QuoteOnly(availability.Base):
    code = "quote_only"
    message = _("仅询价")
    is_quote_only = True

    def is_purchase_permitted(self, quantity):
        return False, _("该商品仅支持询价，请提交询价单")


class Orderable(availability.Available):
    """Buyable without a stock count (services, parents with a buyable child)."""

    message = _("可订购")


class NotListed(availability.Unavailable):
    code = "not_listed"
    message = _("未上架")
    is_quote_only = False


# --- strategy -----------------------------------------------------------------------------


def _is_visible(product) -> bool:
    """The storefront's one visibility rule: a variant of a parent waiting for review (or
    rejected) is not listed, whatever its own flags say; nothing unlisted can be bought."""
    from shop.storefront.selectors import product_is_visible  # the selector imports this module

    return product_is_visible(product)


_UNREAD = object()


class Selector(CoreSelector):
    def strategy(self, request=None, user=None, **kwargs):
        return ChinaTaxInclusive(request)


class ChinaTaxInclusive(Structured):
    """Lowest-priced stock record, tax-inclusive CNY prices with the product's own tax rate."""

    def __init__(self, request=None):
        # Oscar's Base.__init__ reads ``request.user`` at once; the basket middleware makes a
        # strategy for every request, so that loaded the session and the signed-in user even
        # for requests that show no price. ``user`` is the same value, read when first asked.
        self.request = request
        self._user = _UNREAD
        self._track_stock_by_class: dict[int, bool] | None = None
        self._class_by_parent: dict[int, int | None] = {}

    @property
    def user(self):
        """The signed-in user of the request, None for a visitor (as Oscar's Base sets it)."""
        if self._user is _UNREAD:
            request = self.request
            self._user = request.user if request and request.user.is_authenticated else None
        return self._user

    @user.setter
    def user(self, value):
        self._user = value

    # stock record ----------------------------------------------------------------------
    def select_stockrecord(self, product):
        records = list(product.stockrecords.all())  # prefetched, or one query
        priced = [r for r in records if r.price is not None]
        if priced:
            return min(priced, key=lambda r: (r.price, r.pk))
        return records[0] if records else None

    # prices ----------------------------------------------------------------------------
    def pricing_policy(self, product, stockrecord):
        if product.quote_only:
            return QuoteOnlyPrice()
        if stockrecord is None or stockrecord.price is None:
            return NoPrice()
        return CNYPrice(
            incl_tax=stockrecord.price,
            tax_rate=product.tax_rate,
            currency=stockrecord.price_currency,
            is_from_price=product.price_is_from,
            unit=product.unit,
        )

    def parent_pricing_policy(self, product, children_stock):
        if product.quote_only:
            return QuoteOnlyPrice()
        priced = [
            (child, record)
            for child, record in children_stock
            if not child.quote_only and record is not None and record.price is not None
        ]
        if not priced:
            if children_stock and all(child.quote_only for child, _record in children_stock):
                return QuoteOnlyPrice()
            return NoPrice()
        child, record = min(priced, key=lambda pair: (pair[1].price, pair[0].pk))
        prices_differ = len({r.price for _child, r in priced}) > 1
        return CNYPrice(
            incl_tax=record.price,
            tax_rate=child.tax_rate,
            currency=record.price_currency,
            is_from_price=prices_differ or child.price_is_from or product.price_is_from,
            unit=child.unit,
        )

    # availability ----------------------------------------------------------------------
    def availability_policy(self, product, stockrecord):
        return self._availability(product, stockrecord, self._tracks_stock(product))

    def parent_availability_policy(self, product, children_stock):
        if not _is_visible(product):
            return NotListed()
        for child, _record in children_stock:
            type(child).parent.field.set_cached_value(child, product)  # no query per child
        if product.quote_only:
            return QuoteOnly()
        track_stock = self._tracks_stock(product)
        policies = [self._availability(child, record, track_stock) for child, record in children_stock]
        if any(policy.is_available_to_buy for policy in policies):
            return Orderable()
        if policies and all(isinstance(policy, QuoteOnly) for policy in policies):
            return QuoteOnly()
        return availability.Unavailable()

    def _availability(self, product, stockrecord, track_stock: bool):
        if not _is_visible(product):
            return NotListed()
        if product.quote_only:
            return QuoteOnly()
        if stockrecord is None or stockrecord.price is None:
            return availability.Unavailable()
        if not track_stock:
            return Orderable()
        return availability.StockRequired(stockrecord.net_stock_level)

    def _tracks_stock(self, product) -> bool:
        """The product class's track_stock, without a query per product or child."""
        Product = type(product)
        if product.is_child:
            if Product.parent.is_cached(product):
                return self._tracks_stock(product.parent)
            if product.parent_id not in self._class_by_parent:
                self._class_by_parent[product.parent_id] = (
                    Product.objects.filter(pk=product.parent_id)
                    .values_list("product_class_id", flat=True)
                    .first()
                )
            class_id = self._class_by_parent[product.parent_id]
        else:
            if Product.product_class.is_cached(product):
                return product.product_class.track_stock if product.product_class else True
            class_id = product.product_class_id
        if class_id is None:
            return True
        if self._track_stock_by_class is None:
            ProductClass = get_model("catalogue", "ProductClass")
            self._track_stock_by_class = dict(ProductClass.objects.values_list("id", "track_stock"))
        return self._track_stock_by_class.get(class_id, True)


def prefetch_for_pricing(queryset):
    """A product queryset whose purchase info (price, 起价, availability) needs no more queries."""
    Product = get_model("catalogue", "Product")
    return (
        queryset.select_related("product_class")
        .prefetch_related("stockrecords")
        .prefetch_public_children(queryset=Product.objects.public().prefetch_related("stockrecords"))
    )
