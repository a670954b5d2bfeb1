"""Oscar's product table with the review status (and a vendor's rejection reason)."""

from django.utils.translation import gettext_lazy as _
from django_tables2 import TemplateColumn
from oscar.apps.dashboard.catalogue import tables as oscar_tables
from oscar.apps.dashboard.catalogue.tables import *  # noqa: F401,F403


class ProductTable(oscar_tables.ProductTable):
    review_status = TemplateColumn(
        verbose_name=_("审核状态"),
        template_name="oscar/dashboard/catalogue/product_row_review.html",
        order_by="review_status",
    )

    class Meta(oscar_tables.ProductTable.Meta):
        sequence = (
            "checkbox",
            "title",
            "upc",
            "image",
            "product_class",
            "variants",
            "stock_records",
            "...",
            "review_status",
            "is_public",
            "date_updated",
            "actions",
        )
