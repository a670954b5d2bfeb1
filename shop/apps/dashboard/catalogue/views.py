"""Oscar's catalogue dashboard, closed for a multi-vendor mall.

- Visibility for non-staff users comes from ``utils.partner_product_visibility_q`` (vendor
  ownership), used by Oscar's list, edit and bulk-action views.
- Only a product's owner deletes it (``utils.partner_product_ownership_q``). On a mall product a
  vendor merely stocks (shared with other vendors) it edits its own stock record and nothing
  else: the product form is read-only and not saved, and the listing is not sent to review.
- A variant can only be added to a product the vendor owns (Oscar loads the parent unfiltered).
- The product lookup returns only the vendor's own products.
- A vendor's save sends the listing to review (待审核, off the storefront); operators' saves don't.
"""

from django.contrib import messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.dashboard.catalogue import views as oscar_views
from oscar.apps.dashboard.catalogue.views import *  # noqa: F401,F403
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids
from shop.vendors import services
from shop.vendors.selectors import products_for_user, vendor_owned_product_q

from .mixins import allowed_bulk_actions
from .utils import partner_product_ownership_q, user_owns_product

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


class ProductListView(oscar_views.ProductListView):
    def get_queryset(self):
        queryset = super().get_queryset()
        if self.form.is_valid() and self.form.cleaned_data.get("review_status"):
            queryset = queryset.filter(review_status=self.form.cleaned_data["review_status"])
        user = self.request.user
        if not is_operator(user):
            own = (
                StockRecord.objects.filter(product=OuterRef("pk"), partner_id__in=user_partner_ids(user))
                .values("product")
                .annotate(n=Count("pk"))
                .values("n")
            )
            queryset = queryset.annotate(
                own_stockrecords=Coalesce(Subquery(own, output_field=IntegerField()), 0)
            )
        return queryset


class ProductBulkActionConfirmView(oscar_views.ProductBulkActionConfirmView):
    def dispatch(self, request, *args, **kwargs):
        self.intermediate_actions = allowed_bulk_actions(request.user, type(self).intermediate_actions)
        return super().dispatch(request, *args, **kwargs)


class ProductCreateUpdateView(oscar_views.ProductCreateUpdateView):
    # a vendor on a product it stocks but does not own: only its own stock record is saved
    shared = False

    def get_object(self, queryset=None):
        user = self.request.user
        parent_pk = self.kwargs.get("parent_pk")
        if "pk" not in self.kwargs and parent_pk is not None and not is_operator(user):
            # Oscar loads the parent unfiltered: a vendor may only add variants to its own.
            self.creating = True
            owned = Product.objects.filter(vendor_owned_product_q(user_partner_ids(user)))
            self.parent = get_object_or_404(owned, pk=parent_pk)
            self.product_class = self.parent.product_class
            return None
        product = super().get_object(queryset)
        self.shared = product is not None and not user_owns_product(user, product)
        return product

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["read_only"] = self.shared
        return kwargs

    def process_all_forms(self, form):
        if not self.shared:
            return super().process_all_forms(form)
        # a shared product: the posted product fields and its other formsets are ignored
        formset = self.stockrecord_formset(
            self.product_class, self.request.user, self.request.POST, self.request.FILES, instance=self.object
        )
        if not formset.is_valid():
            return self.forms_invalid(form, {"stockrecord_formset": formset})
        formset.save()
        messages.success(self.request, _("已保存您在该商品上的库存和价格。"))
        return HttpResponseRedirect(reverse("dashboard:catalogue-product-list"))

    form_valid = form_invalid = process_all_forms

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["shared_product"] = self.shared
        product = self.object
        top = self.parent or product
        ctx["review_product"] = top
        ctx["is_operator"] = is_operator(self.request.user)
        if product is not None and product.pk:
            ctx["children"] = products_for_user(self.request.user, product.children.all())
        if top is not None and top.pk:
            ctx["review_events"] = top.review_events.select_related("actor").order_by("-created_at", "-pk")[
                :10
            ]
        return ctx

    def forms_valid(self, form, formsets):
        user = self.request.user
        creating_top = self.creating and self.parent is None
        response = super().forms_valid(form, formsets)
        if not is_operator(user):
            if creating_top:
                services.product_ownership_assign(
                    product=self.object, partner_id=self._vendor_partner_id(formsets), actor=user
                )
            services.product_review_submit(product=self.object, actor=user)
        return response

    def _vendor_partner_id(self, formsets) -> int:
        ids = user_partner_ids(self.request.user)
        formset = formsets.get("stockrecord_formset")
        for f in getattr(formset, "forms", []):
            partner = getattr(f, "cleaned_data", {}).get("partner")
            if partner is not None and partner.pk in ids:
                return partner.pk
        return ids[0]


class ProductDeleteView(oscar_views.ProductDeleteView):
    def get_queryset(self):
        """Only the owner deletes a product (deleting it deletes every stock record on it): a
        vendor's own products and their variants; another's product, or a mall product it only
        stocks, is a 404."""
        user = self.request.user
        if is_operator(user):
            return super().get_queryset()
        return Product.objects.filter(partner_product_ownership_q(user))


class ProductLookupView(oscar_views.ProductLookupView):
    def get_queryset(self):
        user = self.request.user
        if is_operator(user):
            return super().get_queryset()
        return products_for_user(user, Product.objects.filter(parent__isnull=True)).distinct()

    def get_args(self):
        GET = self.request.GET

        def number(name, default, low, high):
            try:
                return min(max(int(GET.get(name, default)), low), high)
            except (TypeError, ValueError):
                return default

        return (
            GET.get("initial") or None,
            GET.get("q") or None,
            number("page", 1, 1, 10000),
            number("page_limit", 20, 1, 100),
        )

    def initial_filter(self, qs, value):
        ids = [int(v) for v in value.split(",") if v.strip().isdigit()]
        return qs.filter(pk__in=ids)
