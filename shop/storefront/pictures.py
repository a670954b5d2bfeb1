"""Every product has a picture: the vendor's own photo when it uploaded one (a thumbnail made
by sorl-thumbnail once and kept in its key-value store), otherwise a drawn illustration of the
product's class (``shop/static/shop/img/products/*.svg``) — never a grey text tile."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.core.signals import setting_changed
from django.templatetags.static import static

# product class slug → illustration; a class not listed (a vendor's own) gets ``goods``.
ILLUSTRATIONS = {
    "smart-display": "display",
    "led-display": "led-wall",
    "ai-detection": "detection",
    "xinchuang": "computer",
    "cloud-solution": "cloud",
    "software-platform": "platform",
    "developer-outsourcing": "talent",
    "consulting-service": "consulting",
    "settlement-service": "freelance",
    "financing-service": "financing",
}
DEFAULT_ILLUSTRATION = "goods"


@dataclass(frozen=True)
class Picture:
    url: str
    alt: str
    is_photo: bool


@cache  # a static file's URL is fixed while the process runs (a card would ask 20 times a page)
def illustration_url(class_slug: str | None) -> str:
    name = ILLUSTRATIONS.get(class_slug or "", DEFAULT_ILLUSTRATION)
    return static(f"shop/img/products/{name}.svg")


def _forget_urls(*, setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES"):
        illustration_url.cache_clear()


setting_changed.connect(_forget_urls, dispatch_uid="xh-illustration-urls")


def _class_slug(product) -> str | None:
    """The product class of a product or of its parent, from loaded relations only."""
    if not hasattr(product, "product_class_id"):  # not a product (e.g. a missing template variable)
        return None
    Product = type(product)
    if getattr(product, "parent_id", None):
        if not Product.parent.is_cached(product):
            return None
        product = product.parent
    if product.product_class_id is None or not Product.product_class.is_cached(product):
        return None
    return product.product_class.slug


def _first_image(product):
    cache = getattr(product, "_prefetched_objects_cache", {})
    if "images" in cache:
        images = list(cache["images"])
        return images[0] if images else None
    return product.images.order_by("display_order", "pk").first()


def product_picture(product, *, size: str = "400x300", photos: bool = True) -> Picture:
    """The picture for ``product`` (a variant shows its parent's photo or illustration);
    ``photos=False`` when the caller knows there is none (no query for images then)."""
    title = product.get_title() if hasattr(product, "get_title") else str(product)
    parent_cached = getattr(product, "parent_id", None) and type(product).parent.is_cached(product)
    base = product.parent if parent_cached else product
    photo = _first_image(base) if photos and hasattr(base, "images") else None
    if photo is not None and photo.original:
        from sorl.thumbnail import get_thumbnail

        try:
            thumb = get_thumbnail(photo.original, size, upscale=False, crop="center", quality=85)
            url = thumb.url
        except Exception:  # an unreadable file: the original, never a broken page
            url = photo.original.url
        return Picture(url=url, alt=photo.caption or title, is_photo=True)
    return Picture(url=illustration_url(_class_slug(base)), alt=title, is_photo=False)
