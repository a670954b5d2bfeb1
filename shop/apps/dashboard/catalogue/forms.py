"""Oscar's catalogue dashboard forms with the mall's product fields and vendor limits."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.apps.dashboard.catalogue.forms import *  # noqa: F401,F403
from oscar.core.loading import get_model

from shop.apps.catalogue.models import OemCustomisation, ReviewStatus
from shop.core.access import is_operator
from shop.core.tax import DEFAULT_VAT_RATE, parse_vat_rate, vat_rate_choices
from shop.vendors.importer import MALL_FIELDS

Product = get_model("catalogue", "Product")

MALL_PRODUCT_FIELDS = [*MALL_FIELDS, "oem_customisations"]


class ProductForm(oscar_forms.ProductForm):
    """Adds 计量单位, 税率, 起价, 仅询价, OEM support, 最小起订量 (MOQ) and 交期. A vendor never
    sets ``is_public`` itself: its listing goes public when an operator approves it."""

    tax_rate = forms.TypedChoiceField(
        label=_("税率"), choices=vat_rate_choices, coerce=parse_vat_rate, initial=f"{DEFAULT_VAT_RATE:f}"
    )
    oem_customisations = forms.MultipleChoiceField(
        label=_("可选 OEM 定制项"),
        choices=OemCustomisation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    oem_min_quantity = forms.IntegerField(label=_("OEM 最小起订量"), min_value=1, initial=1)
    # optional: a lead time nobody stated is not shown; one entered is shown as 供应商声明
    lead_time_days = forms.IntegerField(
        label=_("基础交期（天）"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=_("不填则商品页不显示交期；填写后显示为供应商声明。"),
    )

    class Meta(oscar_forms.ProductForm.Meta):
        fields = oscar_forms.ProductForm.Meta.fields + MALL_PRODUCT_FIELDS

    def __init__(self, product_class, *args, user=None, read_only: bool = False, **kwargs):
        super().__init__(product_class, *args, **kwargs)
        self.user = user
        self.read_only = read_only
        # Oscar's Chinese catalogue calls "offers" 报价 here, which reads as if the box decided
        # whether the product can be quoted; it is about the mall's promotions.
        if "is_discountable" in self.fields:
            self.fields["is_discountable"].label = _("参与商城优惠活动")
            self.fields["is_discountable"].help_text = _("勾选后，该商品可参加商城的促销和优惠券活动。")
        if "upc" in self.fields:
            self.fields["upc"].label = _("商品编号")
            self.fields["upc"].help_text = _("全平台唯一的商品编号（条形码/UPC），如 XH-DISP-75；可留空。")
        if user is not None and not is_operator(user):
            self.fields.pop("is_public", None)
        if self.instance.pk and self.instance.tax_rate is not None:
            self.initial["tax_rate"] = Decimal(self.instance.tax_rate).quantize(Decimal("0.01"))
        if read_only:
            # a vendor on a product it does not own (a mall product it stocks): shown, not changed
            for field in self.fields.values():
                field.disabled = True

    def delete_non_child_fields(self):
        super().delete_non_child_fields()
        for name in MALL_PRODUCT_FIELDS:
            self.fields.pop(name, None)

    def clean(self):
        data = super().clean()
        if data.get("supports_oem") is False and data.get("oem_customisations"):
            self.add_error("oem_customisations", _("不支持 OEM 的商品不能选择 OEM 定制项。"))
        return data


class ProductSearchForm(oscar_forms.ProductSearchForm):
    review_status = forms.ChoiceField(
        label=_("审核状态"), choices=[("", _("全部"))] + list(ReviewStatus.choices), required=False
    )
