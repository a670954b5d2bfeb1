import oscar.apps.search.apps as apps


class SearchConfig(apps.SearchConfig):
    """Oscar's search app with a database search view (see shop.storefront.search)."""

    name = "shop.apps.search"
