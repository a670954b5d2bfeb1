"""Overrides of Oscar's review views (``get_class("catalogue.reviews.views", ...)`` looks here,
under the forked catalogue app)."""
