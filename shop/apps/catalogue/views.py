"""Catalogue pages on a database path (Oscar 4.2 browses through haystack: empty with the
simple backend, seconds per page with Whoosh). Thin views: reads in shop.storefront.selectors,
shared HTML cached per catalogue version, whole pages cached for cookieless visitors.

The product page records nothing: no analytics counter, no recently-viewed cookie, so a
view never writes to the database."""

from urllib.parse import parse_qsl, unquote, urlencode

from django.http import Http404, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from shop.storefront import facetcounts, facets, selectors
from shop.storefront.cache import STOREFRONT_PAGE, cached_fragment, cached_object


def _cached_object(name: str, pk, load):
    return cached_object(name, (pk,), lambda: load(pk))


def _listing_params(request) -> tuple[str, int]:
    return selectors.clean_sort(request.GET.get("sort")), selectors.clean_page(request.GET.get("page"))


def _listing_html(
    *,
    name: str,
    base_url: str,
    category,
    sort: str,
    page: int,
    filters: facets.Filters | None = None,
    count: int | None = None,
) -> str:
    filters = filters or facets.Filters()

    def render() -> str:
        return render_to_string(
            "oscar/catalogue/partials/listing.html",
            {
                "page": selectors.product_listing_page(
                    category=category, sort=sort, page=page, filters=filters, count=count
                ),
                "sort": sort,
                "sorts": [
                    (key, label, base_url + filters.query(sort=key))
                    for key, (label, _) in selectors.SORTS.items()
                ],
                "base_url": base_url,
                "extra": urlencode(filters.params(sort=sort)),
            },
        )

    parts = (getattr(category, "pk", None), sort, page)
    return cached_fragment(name, parts + (filters.cache_parts() if filters.active else ()), render)


def _canonical_query(request, filters: facets.Filters, sort: str, page: int) -> str | None:
    """The canonical query string when a filtered URL is written otherwise (another order, a
    repeated or malformed value), so each selection has one cacheable URL; None when it is."""
    if not any(key in request.GET for key in facets.FACET_PARAMETERS):
        return None
    if not set(request.GET) <= {*facets.FACET_PARAMETERS, "sort", "page"}:
        return None  # made-up parameters: served, never stored (shop.storefront.cache)
    wanted = filters.params(sort=sort, page=page)
    given = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    return None if given == wanted else filters.query(sort=sort, page=page)


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class CatalogueView(TemplateView):
    """全部商品: every browsable product, 20 a page."""

    template_name = "oscar/catalogue/browse.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sort, page = _listing_params(self.request)
        ctx["listing_html"] = _listing_html(
            name="browse", base_url=self.request.path, category=None, sort=sort, page=page
        )
        return ctx


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class ProductCategoryView(TemplateView):
    """A category and everything under it."""

    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = _cached_object("category", int(kwargs["pk"]), selectors.category_by_pk)
        if self.category is None:
            raise Http404("没有这个分类")
        if not (self.category.is_public or request.user.is_staff):
            raise Http404("没有这个分类")
        expected = self.category.get_absolute_url()
        self.sort, self.page = _listing_params(request)
        self.filters = facets.filters_from(request.GET)
        canonical = _canonical_query(request, self.filters, self.sort, self.page)
        if unquote(expected) != unquote(request.path) or canonical is not None:
            return HttpResponsePermanentRedirect(
                expected + (canonical if canonical is not None else _query_of(request))
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        category = self.category
        sort, page, filters = self.sort, self.page, self.filters
        base_url = self.request.path
        ctx["category"] = category
        ctx["filters"] = filters
        ctx["tree_html"] = cached_fragment(
            "category-tree",
            (category.pk,),
            lambda: render_to_string(
                "oscar/catalogue/partials/category_tree.html",
                {"category": category, "tree": selectors.category_tree(category)},
            ),
        )

        selection: dict[str, int] = {}  # its size, when the facets are rendered now

        def render_facets() -> str:
            data = facetcounts.stored_facet_data(category.pk, filters)  # whole, or by price
            if data is None:
                data = facets.facet_data(facets.apply_filters(selectors.category_products(category), filters))
            selection.update(size=data.total)
            return render_to_string(
                "oscar/catalogue/partials/facets.html",
                {
                    "facets": facets.facet_groups(data, filters=filters, base_url=base_url, sort=sort),
                    "filters": filters,
                    "clear_url": base_url + facets.Filters().query(sort=sort),
                },
            )

        ctx["facets_html"] = cached_fragment(
            "category-facets", (category.pk, sort, filters.cache_parts()), render_facets
        )
        ctx["category_html"] = cached_fragment(
            "category-head",
            (category.pk,),
            lambda: render_to_string(
                "oscar/catalogue/partials/category_head.html",
                {"category": category, **selectors.category_context(category)},
            ),
        )
        ctx["listing_html"] = _listing_html(
            name="category",
            base_url=base_url,
            category=category,
            sort=sort,
            page=page,
            filters=filters,
            count=selection.get("size"),
        )
        return ctx


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class ProductDetailView(TemplateView):
    """A product: gallery, 起价 or 仅询价, specs, variants, then the actions of the other apps
    (询价, OEM, 加入采购车) rendered live with ``product`` in context."""

    template_name = "oscar/catalogue/detail.html"

    def get(self, request, *args, **kwargs):
        product = _cached_object("product", int(kwargs["pk"]), selectors.product_by_pk)
        if product is None:
            raise Http404("没有这个商品")
        if not selectors.product_is_viewable(product, staff=request.user.is_staff):
            raise Http404("没有这个商品")
        expected = product.get_absolute_url()
        if unquote(expected) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected)
        self.product = product
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        detail = _cached_object(
            "product-detail", self.product.pk, lambda pk: selectors.product_detail(self.product)
        )
        ctx["detail"] = detail
        ctx["product"] = detail.product
        ctx["crumbs"] = selectors.product_breadcrumbs(detail)
        ctx.update(selectors.price_product_detail(detail, self.request.strategy))
        return ctx

    def get_template_names(self):
        return [self.template_name]


def _query_of(request) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"?{query}" if query else ""


# Oscar's catalogue app config looks these names up in this module.
__all__ = ["CatalogueView", "ProductCategoryView", "ProductDetailView"]
