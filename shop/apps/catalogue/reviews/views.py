"""Oscar's review views with only approved reviews of visible products public.

Oscar's detail view loads any review by id (pending and rejected ones too, of any product) and
its pages check ``is_public`` only. Here a review is shown, listed or voted on only when it is
approved, belongs to the product in the URL, and that product is visible (the storefront's one
visibility rule); anything else is the same 404 as a review that does not exist."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from oscar.apps.catalogue.reviews import views as oscar_views
from oscar.apps.catalogue.reviews.views import *  # noqa: F401,F403
from oscar.core.loading import get_model

from shop.storefront.selectors import visible_product, visible_products

ProductReview = get_model("reviews", "ProductReview")


def public_reviews(*, product_pk):
    """Approved reviews of a visible product."""
    return ProductReview.objects.approved().filter(product__in=visible_products().filter(pk=product_pk))


def _visible_product_or_404(pk):
    product = visible_product(pk=pk)
    if product is None:
        raise Http404(_("没有这个商品"))
    return product


class CreateProductReview(oscar_views.CreateProductReview):
    def dispatch(self, request, *args, **kwargs):
        _visible_product_or_404(kwargs["product_pk"])
        return super().dispatch(request, *args, **kwargs)


class ProductReviewDetail(oscar_views.ProductReviewDetail):
    def get_queryset(self):
        return public_reviews(product_pk=self.kwargs["product_pk"])

    def get_context_data(self, **kwargs):
        context = super(oscar_views.ProductReviewDetail, self).get_context_data(**kwargs)
        context["product"] = _visible_product_or_404(self.kwargs["product_pk"])
        return context


class AddVoteView(oscar_views.AddVoteView):
    def post(self, request, *args, **kwargs):
        get_object_or_404(public_reviews(product_pk=self.kwargs["product_pk"]), pk=self.kwargs["pk"])
        return super().post(request, *args, **kwargs)


class ProductReviewList(oscar_views.ProductReviewList):
    def get(self, request, *args, **kwargs):
        self.product = _visible_product_or_404(kwargs["product_pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super(oscar_views.ProductReviewList, self).get_context_data(**kwargs)
        context["product"] = self.product
        context["form"] = self.form
        return context
