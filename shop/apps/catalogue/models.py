"""Oscar's catalogue with the fields a procurement mall needs on every product."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已上架")
    REJECTED = "rejected", _("已驳回")


class OemCustomisation(models.TextChoices):
    BOOT_SCREEN = "boot_screen", _("开机画面")
    CASING_COLOUR = "casing_colour", _("外壳颜色")
    CASING_LOGO = "casing_logo", _("外壳 Logo")
    PACKAGING = "packaging", _("包装")
    MANUAL = "manual", _("说明书")
    PREINSTALLED_SOFTWARE = "preinstalled_software", _("预装软件")
    UI_BRANDING = "ui_branding", _("界面品牌")
    REPORT_TEMPLATE = "report_template", _("报告模板")
    DOMAIN = "domain", _("独立域名")


class Product(AbstractProduct):
    # blank: a unit nobody stated (the catalogue's source names few) is not shown
    unit = models.CharField(_("计量单位"), max_length=16, default="台", blank=True)
    tax_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2, default=Decimal("0.13"))
    price_is_from = models.BooleanField(
        _("起价"), default=False, help_text=_("价格为起价，实际价格以报价为准")
    )
    quote_only = models.BooleanField(_("仅询价"), default=False, help_text=_("不能直接购买，只能询价"))
    supports_oem = models.BooleanField(_("支持 OEM"), default=True)
    oem_min_quantity = models.PositiveIntegerField(_("OEM 最小起订量"), default=1)
    # None: nobody stated a lead time (the catalogue's source gives none); a vendor's value is
    # shown to buyers as the vendor's own statement (供应商声明).
    lead_time_days = models.PositiveIntegerField(_("基础交期（天）"), null=True, blank=True, default=None)
    oem_customisations = models.JSONField(_("可选 OEM 定制项"), default=list, blank=True)
    review_status = models.CharField(
        _("审核状态"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.APPROVED,
        db_index=True,
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    # The lowest orderable price a buyer sees on the product's card, stored (see listprice.py):
    # price filters, facets and sorts read this indexed column, not two subqueries per product.
    list_price = models.DecimalField(
        _("列表价"), max_digits=12, decimal_places=2, null=True, blank=True, editable=False, db_index=True
    )


from oscar.apps.catalogue.models import *  # noqa: E402,F401,F403
