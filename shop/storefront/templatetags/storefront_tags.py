"""Template helpers for the storefront: ¥ formatting, tax rates, the cached category menu,\nthe personal regions of the header."""

import html
import re

from django import template
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from shop.storefront import cards, selectors
from shop.storefront.cache import SHELL_ATTR, cached_fragment, region_marker
from shop.storefront.cards import to_decimal, yuan
from shop.storefront.personal import render_region, visitor_for

register = template.Library()


register.filter("yuan", yuan)


@register.filter
def percent(value) -> str:
    """0.13 → 13%"""
    rate = to_decimal(value)
    if rate is None:
        return ""
    return f"{(rate * 100).normalize():f}%"


@register.filter
def primary_image(product):
    """The first prefetched image of a product, or None (no query when prefetched)."""
    images = list(product.images.all())
    return images[0] if images else None


@register.simple_tag(takes_context=True)
def personal_region(context, name: str):
    """A region of the page that differs per visitor (see shop.storefront.personal).

    While the shared copy of a page is rendered it is only a marker, filled in per request."""
    request = context.get("request")
    if request is not None and getattr(request, SHELL_ATTR, False):
        return mark_safe(region_marker(name))
    return mark_safe(render_region(name, visitor_for(request)))


@register.simple_tag
def product_cards(products):
    """The cards of a listing (``shop.storefront.cards``): ``{% product_cards page.products %}``."""
    return cards.product_cards(products)


@register.simple_tag
def price_line(purchase, compact=False):
    """A price as 面议 · 仅询价, ¥11,800 起 / 台 or 面议: ``{% price_line purchase compact=True %}``."""
    return cards.price_line(purchase, compact=compact)


@register.simple_tag
def category_menu():
    """The top-level categories for the header, cached per catalogue version."""
    html = cached_fragment(
        "category-menu",
        (),
        lambda: render_to_string(
            "oscar/partials/category_menu.html", {"categories": selectors.top_categories()}
        ),
    )
    return mark_safe(html)


_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr)\s*>", re.IGNORECASE)


@register.filter
def paragraphs(value) -> list[str]:
    """Rich-text description → plain paragraphs (tags dropped, so vendor HTML cannot inject)."""
    if not value:
        return []
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", str(value))))
    return [line.strip() for line in text.splitlines() if line.strip()]


@register.simple_tag
def product_picture(product, size="400x300", photos=True):
    """The product's photo thumbnail or its class illustration (shop.storefront.pictures):
    ``{% product_picture product "400x300" as picture %}`` → picture.url, .alt, .is_photo."""
    from shop.storefront.pictures import product_picture as picture

    return picture(product, size=size, photos=photos)
