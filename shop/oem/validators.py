"""Input rules of an OEM order, shared by the web form, the API serializer and the services.

Each function raises ``django.core.exceptions.ValidationError`` with a Chinese message."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.apps.catalogue.models import OemCustomisation
from shop.core.limits import (
    AMOUNT_TOO_LARGE,
    MAX_AMOUNT,
    MAX_OEM_LEAD_DAYS,
    MAX_OEM_QUANTITY,
    MAX_UNIT_PRICE,
    PRICE_TOO_LARGE,
    QUANTITY_TOO_LARGE,
    TOTAL_TOO_LARGE,
    limit_text,
)
from shop.core.money import rmb
from shop.core.uploads import CheckedUpload, check_upload

LOGO_KINDS = {"png", "svg", "pdf"}
CUSTOMISATION_DETAIL_MAX = 500
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def logo_max_bytes() -> int:
    return int(getattr(settings, "OEM_LOGO_MAX_BYTES", 5 * 1024 * 1024))


def validate_oem_product(product) -> None:
    """The base product must be public, approved, OEM-capable and not a variant itself."""
    from shop.storefront.selectors import product_is_visible  # the one visibility rule

    if product is None or product.is_child or not product.supports_oem or not product_is_visible(product):
        raise ValidationError(_("该产品不支持 OEM 定制。"), code="not_oem")


def validate_variant(product, variant) -> None:
    """A parent product needs one of its own variants; other products take none."""
    if product.is_parent:
        if variant is None:
            raise ValidationError(_("请选择规格型号。"), code="variant_missing")
        from shop.storefront.selectors import product_is_visible

        if variant.parent_id != product.pk or not product_is_visible(variant):
            raise ValidationError(_("所选规格型号不属于该产品。"), code="variant_foreign")
    elif variant is not None:
        raise ValidationError(_("该产品没有可选的规格型号。"), code="variant_unexpected")


def validate_quantity(product, quantity) -> None:
    moq = max(int(product.oem_min_quantity or 1), 1)
    if quantity is not None and int(quantity) > MAX_OEM_QUANTITY:
        raise ValidationError(
            QUANTITY_TOO_LARGE % {"limit": limit_text(MAX_OEM_QUANTITY)}, code="quantity_too_large"
        )
    if quantity is None or int(quantity) < moq:
        raise ValidationError(
            _("OEM 定制最小起订量为 %(moq)s %(unit)s，当前数量 %(qty)s 不足。")
            % {"moq": moq, "unit": product.unit, "qty": quantity if quantity is not None else 0},
            code="below_moq",
        )


def offered_customisations(product) -> list[tuple[str, str]]:
    """(code, label) of the customisations this product offers, in catalogue order."""
    offered = set(product.oem_customisations or [])
    return [(code, str(label)) for code, label in OemCustomisation.choices if code in offered]


def validate_customisations(product, rows) -> list[dict]:
    """``rows``: [{"code": ..., "detail": ...}]. Only codes the product offers, each once, each
    with a detail text. Returns the cleaned rows."""
    offered = dict(offered_customisations(product))
    labels = dict(OemCustomisation.choices)
    cleaned, seen = [], set()
    for row in rows or []:
        if not isinstance(row, dict):
            raise ValidationError(_("定制项格式不正确。"), code="customisation_format")
        code = str(row.get("code") or "").strip()
        detail = str(row.get("detail") or "").strip()
        if code not in offered:
            raise ValidationError(
                _("该产品不提供定制项“%(name)s”。") % {"name": labels.get(code, code)},
                code="customisation_not_offered",
            )
        if code in seen:
            raise ValidationError(
                _("定制项“%(name)s”重复。") % {"name": offered[code]}, code="customisation_duplicate"
            )
        if not detail:
            raise ValidationError(
                _("请填写“%(name)s”的定制要求。") % {"name": offered[code]}, code="customisation_detail"
            )
        if len(detail) > CUSTOMISATION_DETAIL_MAX:
            raise ValidationError(
                _("“%(name)s”的定制要求最多 %(max)s 个字。")
                % {"name": offered[code], "max": CUSTOMISATION_DETAIL_MAX},
                code="customisation_detail_long",
            )
        seen.add(code)
        cleaned.append({"code": code, "detail": detail})
    return cleaned


def validate_target_date(value) -> None:
    if value is None or value <= timezone.localdate():
        raise ValidationError(_("期望交货日期必须晚于今天。"), code="date_past")


def validate_delivery_phone(value: str) -> None:
    if not _PHONE_RE.match((value or "").strip()):
        raise ValidationError(_("请输入有效的联系电话（11 位手机号或带区号的固定电话）。"), code="phone")


def check_logo(upload) -> CheckedUpload:
    """PNG, SVG (no scripts or external references) or PDF, by content, under the size limit."""
    if upload is None:
        raise ValidationError(_("请上传品牌 Logo（PNG、SVG 或 PDF）。"), code="missing")
    return check_upload(upload, allowed=LOGO_KINDS, max_bytes=logo_max_bytes())


def validate_offer(*, quantity: int, unit_price, tooling_fee, deposit, lead_days) -> None:
    """Offer figures: a positive unit price up to MAX_UNIT_PRICE, a tooling fee from zero to
    MAX_AMOUNT, a total up to MAX_AMOUNT, a deposit above zero and at most the total, a lead
    time of 1 to MAX_OEM_LEAD_DAYS days (bounds: ``shop.core.limits``)."""
    errors = {}
    if unit_price is None or Decimal(unit_price) <= 0:
        errors["unit_price"] = _("单价必须大于零。")
    elif Decimal(unit_price) > MAX_UNIT_PRICE:
        errors["unit_price"] = PRICE_TOO_LARGE % {"limit": limit_text(MAX_UNIT_PRICE)}
    if tooling_fee is None or Decimal(tooling_fee) < 0:
        errors["tooling_fee"] = _("开模/设置费不能为负数。")
    elif Decimal(tooling_fee) > MAX_AMOUNT:
        errors["tooling_fee"] = AMOUNT_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)}
    if not errors:
        total = Decimal(unit_price) * quantity + Decimal(tooling_fee)
        if total > MAX_AMOUNT:
            errors["unit_price"] = TOTAL_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)}
        elif deposit is None or Decimal(deposit) <= 0 or Decimal(deposit) > total:
            errors["deposit"] = _("定金必须大于零且不超过订单总额 %(total)s。") % {"total": rmb(total)}
    if lead_days is None or not (1 <= int(lead_days) <= MAX_OEM_LEAD_DAYS):
        errors["lead_days"] = _("交期须在 1 至 %(max)s 天之间。") % {"max": MAX_OEM_LEAD_DAYS}
    if errors:
        raise ValidationError(errors)
