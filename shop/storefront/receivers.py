"""Every catalogue write the storefront shows bumps the catalogue version (see cache.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from oscar.core.loading import get_model

from .cache import catalogue_changed

WATCHED = [
    ("catalogue", "Product"),
    ("catalogue", "ProductCategory"),
    ("catalogue", "Category"),
    ("catalogue", "ProductImage"),
    ("catalogue", "ProductAttributeValue"),
    ("catalogue", "ProductAttribute"),
    ("catalogue", "ProductClass"),
    ("catalogue", "AttributeOption"),
    ("catalogue", "ProductRecommendation"),
    ("partner", "StockRecord"),
    ("partner", "Partner"),
]


def _changed(sender, **kwargs):
    catalogue_changed()  # raw saves (loaddata) change what the store shows too


def _m2m_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        catalogue_changed()


for app_label, model_name in WATCHED:
    model = get_model(app_label, model_name)
    uid = f"storefront-{app_label}-{model_name}"
    post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")

_Product = get_model("catalogue", "Product")
for field in ("categories", "product_options", "recommended_products"):
    through = getattr(_Product, field).through
    m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"storefront-m2m-{field}")
m2m_changed.connect(
    _m2m_changed,
    sender=get_model("catalogue", "ProductAttributeValue").value_multi_option.through,
    dispatch_uid="storefront-m2m-multi-option",
)


# --- stored facet counts (facetcounts): marked out of date by the writes that change them ----

from .facetcounts import facets_changed  # noqa: E402


def _product_written(sender, instance, raw=False, **kwargs):
    if not raw:
        facets_changed(products=[instance.pk, instance.parent_id])


def _of_product_written(sender, instance, raw=False, **kwargs):
    if not raw:
        facets_changed(products=[instance.product_id])


def _stock_record_saved(sender, instance, created=False, raw=False, **kwargs):
    """A new record, or one moved to another seller. A changed price reaches the counts
    through the list price (``list_prices_changed``); a stock allocation changes neither."""
    if raw:
        return
    loaded = getattr(instance, "loaded_partner_id", None)
    if created or loaded != instance.partner_id:
        facets_changed(products=[instance.product_id])
    instance.loaded_partner_id = instance.partner_id


def _link_written(sender, instance, raw=False, **kwargs):
    if not raw:
        facets_changed(categories=[instance.category_id])


def _everything_written(sender, raw=False, **kwargs):
    if not raw:
        facets_changed()


def _categories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "post_clear":
        facets_changed()
    elif action in ("post_add", "post_remove"):
        facets_changed(categories=[instance.pk] if reverse else pk_set or ())


def _list_prices_changed(sender, product_ids, **kwargs):
    if product_ids is None:
        facets_changed()
    else:
        facets_changed(products=product_ids)


_FACET_RECEIVERS = [
    (("catalogue", "Product"), _product_written),
    (("catalogue", "ProductAttributeValue"), _of_product_written),
    (("vendors", "VendorProduct"), _of_product_written),  # whose suspension hides the product
    (("catalogue", "ProductCategory"), _link_written),
    (("catalogue", "Category"), _everything_written),  # visibility and place of a subtree
    (("catalogue", "ProductAttribute"), _everything_written),  # names, types
    (("partner", "Partner"), _everything_written),  # seller names
]
for (app_label, model_name), receiver in _FACET_RECEIVERS:
    model = get_model(app_label, model_name)
    uid = f"storefront-facets-{app_label}-{model_name}"
    post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
    post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")

_StockRecord = get_model("partner", "StockRecord")
post_save.connect(_stock_record_saved, sender=_StockRecord, dispatch_uid="storefront-facets-stockrecord-save")
post_delete.connect(
    _of_product_written, sender=_StockRecord, dispatch_uid="storefront-facets-stockrecord-delete"
)
m2m_changed.connect(
    _categories_changed, sender=_Product.categories.through, dispatch_uid="storefront-facets-m2m"
)

from shop.apps.catalogue.signals import list_prices_changed  # noqa: E402

list_prices_changed.connect(_list_prices_changed, dispatch_uid="storefront-facets-list-prices")
