"""Search on the database (pg_trgm on PostgreSQL) instead of haystack; see
shop.storefront.search for matching and ranking. Records no search analytics."""

from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from shop.storefront import selectors
from shop.storefront.cache import STOREFRONT_PAGE, cached_fragment
from shop.storefront.search import normalise_query, search_page


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class FacetedSearchView(TemplateView):
    template_name = "oscar/search/results.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = normalise_query(self.request.GET.get("q"))
        page = selectors.clean_page(self.request.GET.get("page"))
        ctx["query"] = query
        ctx["results_html"] = cached_fragment(
            "search",
            (query, page),
            lambda: render_to_string(
                "oscar/search/partials/results.html",
                {
                    "query": query,
                    "page": search_page(query=query, page=page) if query else None,
                    "base_url": self.request.path,
                    "extra": urlencode({"q": query}),
                },
            ),
        )
        return ctx
