"""The buyer's organisation and invoice wishes, shared by quote requests and OEM orders.

``BuyerOrganisation`` is what a buyer's account remembers for the next request; requests and
orders keep their own snapshot (``OrganisationSnapshot`` + ``InvoiceWish`` fields) so a later
change of the organisation never rewrites history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core.validators import validate_uscc


class OrgType(models.TextChoices):
    PARTY_GOV = "party_gov", _("党政机关")
    INSTITUTION = "institution", _("事业单位")
    SOE = "soe", _("国有企业")
    PRIVATE = "private", _("民营企业")
    OTHER = "other", _("其他")


class InvoiceType(models.TextChoices):
    SPECIAL = "special", _("增值税专用发票")
    NORMAL = "normal", _("增值税普通发票")


class OrganisationSnapshot(models.Model):
    org_name = models.CharField(_("单位名称"), max_length=120)
    org_uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    org_type = models.CharField(_("单位类型"), max_length=16, choices=OrgType.choices)
    province = models.CharField(_("省"), max_length=32)
    city = models.CharField(_("市"), max_length=32)
    county = models.CharField(_("区/县"), max_length=32, blank=True)

    class Meta:
        abstract = True


class InvoiceWish(models.Model):
    invoice_type = models.CharField(
        _("发票类型"), max_length=16, choices=InvoiceType.choices, default=InvoiceType.NORMAL
    )
    invoice_title = models.CharField(_("发票抬头"), max_length=120, blank=True)
    invoice_tax_no = models.CharField(_("纳税人识别号"), max_length=20, blank=True)
    invoice_address = models.CharField(_("注册地址"), max_length=200, blank=True)
    invoice_phone = models.CharField(_("注册电话"), max_length=32, blank=True)
    invoice_bank = models.CharField(_("开户银行"), max_length=100, blank=True)
    invoice_account = models.CharField(_("银行账号"), max_length=40, blank=True)

    class Meta:
        abstract = True


class BuyerOrganisation(OrganisationSnapshot, InvoiceWish):
    """The organisation a buyer account last used; pre-fills the next request."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_organisation"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("采购单位")
        verbose_name_plural = _("采购单位")

    def __str__(self):
        return self.org_name


ORG_FIELDS = ("org_name", "org_uscc", "org_type", "province", "city", "county")
INVOICE_FIELDS = (
    "invoice_type",
    "invoice_title",
    "invoice_tax_no",
    "invoice_address",
    "invoice_phone",
    "invoice_bank",
    "invoice_account",
)
