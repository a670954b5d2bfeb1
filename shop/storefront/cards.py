"""Product cards and price lines, written in Python.

A listing shows 20 cards; as templates they were 40 includes (a card, then its price), and
Django's template engine spent about 4.5 ms on them in every page rendered with nothing
cached (a category, 全部商品, a search, a vendor's page). The markup is the same; every value
is escaped as the template engine would (``format_html``).

``{% product_cards products %}`` and ``{% price_line purchase %}`` (storefront_tags) are the
template side; ``oscar/catalogue/partials/price.html`` is kept as a one-line include for the
pages that include it."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .pictures import product_picture


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def yuan(value) -> str:
    """¥11,800 for whole yuan, ¥11,800.50 otherwise; empty for no price (the ``yuan`` filter)."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"


def price_line(purchase, *, compact: bool = False) -> SafeString:
    """The price of a card, a variant or a product page: 面议 · 仅询价, ¥11,800 起 / 台, or 面议
    (no price known). ``compact``: no unit."""
    price = getattr(purchase, "price", None)
    if getattr(price, "is_quote_only", False):
        inner = format_html(
            '<span class="xh-price xh-price-quote">{}</span> <span class="xh-badge xh-badge-quote">{}</span>',
            gettext("面议"),
            gettext("仅询价"),
        )
    elif getattr(price, "exists", False):
        inner = format_html('<span class="xh-price">{}</span>', yuan(price.incl_tax))
        if price.is_from_price:
            inner += format_html(' <span class="xh-from">{}</span>', gettext("起"))
        if price.unit and not compact:
            inner += format_html(' <span class="xh-unit">/ {}</span>', price.unit)
    else:
        inner = format_html('<span class="xh-price xh-price-quote">{}</span>', gettext("面议"))
    return format_html('<span class="xh-price-line">{}</span>', inner)


def _badges(product) -> SafeString:
    badges = []
    if product.supports_oem:
        badges.append(format_html('<span class="xh-badge xh-badge-oem">{}</span>', gettext("支持 OEM")))
    if product.is_parent:
        n = len(product.get_public_children())
        badges.append(format_html('<span class="xh-badge">{}</span>', gettext("%(n)s 种规格") % {"n": n}))
    if product.product_class_id and product.product_class:
        badges.append(format_html('<span class="xh-card-class">{}</span>', product.product_class.name))
    return mark_safe("".join(badges))


def product_card(product) -> SafeString:
    """One card: picture, title, price, badges (OEM, variants, class)."""
    url = product.get_absolute_url()
    picture = product_picture(product)
    return format_html(
        '<article class="xh-card">\n'
        '    <a class="xh-card-image" href="{url}" tabindex="-1" aria-hidden="true">\n'
        '        <img src="{src}" alt="{alt}" loading="lazy"{illustration}>\n'
        "    </a>\n"
        '    <div class="xh-card-body">\n'
        '        <h3 class="xh-card-title"><a href="{url}">{title}</a></h3>\n'
        '        <div class="xh-card-price">{price}</div>\n'
        '        <div class="xh-card-badges">{badges}</div>\n'
        "    </div>\n"
        "</article>",
        url=url,
        src=picture.url,
        alt=picture.alt,
        illustration=mark_safe("" if picture.is_photo else ' class="xh-illustration"'),
        title=product.title,
        price=price_line(getattr(product, "purchase", None)),  # None: 面议, as the template read it
        badges=_badges(product),
    )


def product_cards(products) -> SafeString:
    return format_html_join("", "{}\n", ((product_card(p),) for p in products))
