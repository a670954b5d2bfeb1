"""Oscar's product formsets, scoped for vendors."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import inlineformset_factory
from oscar.apps.dashboard.catalogue import formsets as oscar_formsets
from oscar.apps.dashboard.catalogue.forms import ProductImageForm as OscarProductImageForm
from oscar.apps.dashboard.catalogue.formsets import *  # noqa: F401,F403
from oscar.core.loading import get_model

from shop.core.access import is_operator
from shop.vendors.selectors import products_for_user

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")

PRODUCT_PHOTO_KINDS = {"png", "jpeg", "webp"}


class StockRecordFormSet(oscar_formsets.StockRecordFormSet):
    """A vendor sees and edits only its own partner's stock records (Oscar already filters the
    queryset and the partner choices). Ownership of the product is recorded separately, so a
    vendor may save a product without a stock record when it is (or is about to become) a
    parent of variants."""

    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(product_class, user, *args, **kwargs)
        instance = kwargs.get("instance")
        about_to_be_parent = self.is_bound and self.data.get("action") == "create-child"
        if instance is not None and (instance.is_parent or about_to_be_parent):
            self.require_user_stockrecord = False

    def set_initial_data(self):
        # Oscar reads self.forms[0], which does not exist when a post lacks the management form.
        if self.forms:
            super().set_initial_data()


class ProductRecommendationFormSet(oscar_formsets.ProductRecommendationFormSet):
    """A vendor may recommend only products it can see in the dashboard."""

    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(product_class, user, *args, **kwargs)
        if not is_operator(user):
            allowed = products_for_user(user, Product.objects.filter(parent__isnull=True))
            for form in self.forms:
                if "recommendation" in form.fields:
                    form.fields["recommendation"].queryset = allowed


class ProductCategoryFormSet(oscar_formsets.ProductCategoryFormSet):
    """A vendor lists only in the categories approved for it at 入驻 (shop.vendors.selectors);
    another category is refused in Chinese and nothing of the product is saved."""

    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(product_class, user, *args, **kwargs)
        self.user = user

    def clean(self):
        super().clean()
        from shop.vendors.selectors import vendor_category_refusal

        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("category") is None:
                continue
            refusal = vendor_category_refusal(user=self.user, category=data["category"])
            if refusal:
                form.add_error("category", refusal)


class CheckedProductImageForm(OscarProductImageForm):
    """A product photo is checked like every upload (shop.core.uploads: type by content, the
    extension, size, a readable image) before it is stored; refused in Chinese."""

    def clean_original(self):
        from shop.core.uploads import check_upload

        upload = self.cleaned_data.get("original")
        if isinstance(upload, UploadedFile):
            check_upload(upload, allowed=PRODUCT_PHOTO_KINDS, max_bytes=settings.UPLOAD_MAX_BYTES)
        return upload


class ProductImageFormSet(
    inlineformset_factory(Product, ProductImage, form=CheckedProductImageForm, extra=2)
):
    def __init__(self, product_class, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
