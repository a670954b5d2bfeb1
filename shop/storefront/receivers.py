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
