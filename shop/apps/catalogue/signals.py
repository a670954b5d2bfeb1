"""Signals of the catalogue beyond Django's model signals."""

from django.dispatch import Signal

# Stored list prices (``listprice``) changed: ``product_ids`` the products asked about (a
# superset of those written, parents not included), or None when every product was.
list_prices_changed = Signal()
