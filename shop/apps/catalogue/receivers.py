"""A saved or deleted product or stock record refreshes the stored list price of the product and
of its parent (``listprice``)."""

from django.db.models.signals import post_delete, post_save
from oscar.core.loading import get_model

from .listprice import refresh_list_prices

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


def _product_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture's rows are written as they are
        return
    refresh_list_prices([instance.pk, instance.parent_id])


def _stock_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    refresh_list_prices([instance.product_id])


post_save.connect(_product_changed, sender=Product, dispatch_uid="catalogue-list-price-product-save")
post_delete.connect(_product_changed, sender=Product, dispatch_uid="catalogue-list-price-product-delete")
post_save.connect(_stock_changed, sender=StockRecord, dispatch_uid="catalogue-list-price-stock-save")
post_delete.connect(_stock_changed, sender=StockRecord, dispatch_uid="catalogue-list-price-stock-delete")
