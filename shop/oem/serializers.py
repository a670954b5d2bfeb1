"""API shapes of OEM orders. Creation and actions are validated by the same rules as the web
form (``validators`` via ``services``); these serializers only parse and present."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from rest_framework import serializers

from shop.apps.catalogue.models import OemCustomisation
from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS
from shop.core.limits import (
    AMOUNT_TOO_LARGE,
    MAX_AMOUNT,
    MAX_OEM_LEAD_DAYS,
    MAX_OEM_QUANTITY,
    MAX_UNIT_PRICE,
    PRICE_TOO_LARGE,
    QUANTITY_TOO_LARGE,
    limit_text,
)
from shop.core.validators import validate_invoice_wish
from shop.storefront.selectors import visible_products

from .models import BUYER_INPUT_FIELDS, OemOrder, OemOrderEvent, OemStatus

Product = get_model("catalogue", "Product")


class OemCustomisationSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=OemCustomisation.choices, help_text=_("定制项代码"))
    detail = serializers.CharField(max_length=500, help_text=_("定制要求"))


@extend_schema_field(OemCustomisationSerializer(many=True))
class CustomisationListField(serializers.JSONField):
    """A list of {code, detail}; in multipart requests send it as a JSON string."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            raise serializers.ValidationError(
                _('定制项应为列表，例如 [{"code": "packaging", "detail": "..."}]。')
            )
        return value


class OemOrderEventSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = OemOrderEvent
        fields = ["created_at", "kind", "label", "from_status", "to_status", "note"]


class PaymentStageSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()


class OemOfferReadSerializer(serializers.Serializer):
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    tooling_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    deposit = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    lead_days = serializers.IntegerField()
    note = serializers.CharField()
    offered_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text=_("报价版本：接受报价时原样提交"))


class OemApprovalStateSerializer(serializers.Serializer):
    number = serializers.CharField(help_text=_("审批单号"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    steps_required = serializers.IntegerField()
    steps_done = serializers.IntegerField()
    submitted_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_submitted_by(self, obj) -> str:
        user = obj.submitted_by
        return user.get_full_name() or user.email


class OemOrderSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    product_title = serializers.SerializerMethodField()
    customisations = OemCustomisationSerializer(many=True, read_only=True)
    offer = serializers.SerializerMethodField()
    order_number = serializers.SerializerMethodField()
    payment_stages = serializers.SerializerMethodField()
    events = OemOrderEventSerializer(many=True, read_only=True)
    budget_line = serializers.IntegerField(source="budget_line_id", read_only=True, allow_null=True)
    approval = serializers.SerializerMethodField()

    class Meta:
        model = OemOrder
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "budget_line",
            "approval",
            "product",
            "variant",
            "product_title",
            *BUYER_INPUT_FIELDS,
            "logo_name",
            "logo_kind",
            "customisations",
            *ORG_FIELDS,
            *INVOICE_FIELDS,
            "estimated_lead_days",
            "review_note",
            "offer",
            "promised_date",
            "order_number",
            "payment_stages",
            "events",
            "created_at",
        ]
        read_only_fields = fields

    def get_product_title(self, obj) -> str:
        return obj.ordered_product.get_title()

    @extend_schema_field(OemOfferReadSerializer(allow_null=True))
    def get_offer(self, obj):
        if obj.unit_price is None:
            return None
        return OemOfferReadSerializer(
            {
                "unit_price": obj.unit_price,
                "tooling_fee": obj.tooling_fee,
                "deposit": obj.deposit,
                "balance": obj.balance,
                "total": obj.offer_total,
                "lead_days": obj.offer_lead_days,
                "note": obj.offer_note,
                "offered_at": obj.offered_at,
                "revision": obj.offer_revision,
            }
        ).data

    @extend_schema_field(OemApprovalStateSerializer(allow_null=True))
    def get_approval(self, obj):
        """The unit approval the acceptance waits for (status 待审批), or null."""
        from .selectors import oem_order_approval

        approval = oem_order_approval(order=obj)
        return None if approval is None else OemApprovalStateSerializer(approval).data

    def get_order_number(self, obj) -> str | None:
        return obj.oscar_order.number if obj.oscar_order_id else None

    @extend_schema_field(PaymentStageSerializer(many=True))
    def get_payment_stages(self, obj):
        if not obj.oscar_order_id:
            return []
        return PaymentStageSerializer(obj.oscar_order.payment_stages.order_by("sequence"), many=True).data


class OemOrderCreateSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=visible_products(), help_text=_("基础产品 ID"))
    variant = serializers.PrimaryKeyRelatedField(
        queryset=visible_products(), required=False, allow_null=True, help_text=_("规格型号（子产品）ID")
    )
    logo = serializers.FileField(help_text=_("品牌 Logo：PNG、SVG 或 PDF"))
    customisations = CustomisationListField(required=False, default=list)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OEM_QUANTITY,
        help_text=_("数量（不少于最小起订量）"),
        error_messages={
            "min_value": _("数量至少为 1。"),
            "max_value": QUANTITY_TOO_LARGE % {"limit": limit_text(MAX_OEM_QUANTITY)},
            "invalid": _("数量必须是整数。"),
            "max_string_length": QUANTITY_TOO_LARGE % {"limit": limit_text(MAX_OEM_QUANTITY)},
        },
    )

    budget_line = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("本单位预算 ID（采购单位成员；单位本年度有预算时必填）"),
    )

    class Meta:
        model = OemOrder
        fields = [
            "product",
            "variant",
            *BUYER_INPUT_FIELDS,
            "budget_line",
            "logo",
            "customisations",
            *ORG_FIELDS,
            *INVOICE_FIELDS,
        ]

    def validate_org_uscc(self, value):
        return (value or "").strip().upper()

    def validate(self, attrs):
        # the shared invoice rules; DRF turns their ValidationError into field errors
        return validate_invoice_wish(dict(attrs))


def _money_field(*, limit, message, **kwargs) -> serializers.DecimalField:
    """A tax-inclusive yuan amount from zero up to ``limit`` (shop.core.limits)."""
    too_large = message % {"limit": limit_text(limit)}
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=limit,
        error_messages={
            "max_value": too_large,
            "max_digits": too_large,
            "max_whole_digits": too_large,
            "min_value": _("金额不能为负数。"),
            "invalid": _("请输入有效的金额。"),
            "max_decimal_places": _("金额最多两位小数。"),
        },
        **kwargs,
    )


class OfferSerializer(serializers.Serializer):
    unit_price = _money_field(limit=MAX_UNIT_PRICE, message=PRICE_TOO_LARGE, help_text=_("单价（含税）"))
    tooling_fee = _money_field(limit=MAX_AMOUNT, message=AMOUNT_TOO_LARGE, default=0)
    deposit = _money_field(limit=MAX_AMOUNT, message=AMOUNT_TOO_LARGE)
    lead_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OEM_LEAD_DAYS,
        help_text=_("交期（天）"),
        error_messages={
            "min_value": _("交期须在 1 至 %(max)s 天之间。") % {"max": MAX_OEM_LEAD_DAYS},
            "max_value": _("交期须在 1 至 %(max)s 天之间。") % {"max": MAX_OEM_LEAD_DAYS},
        },
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptOfferSerializer(serializers.Serializer):
    # Optional here so that who may accept is checked first; the service refuses a missing or
    # stale version with a Chinese message and changes nothing.
    offer_revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text=_("所接受报价的版本（订单详情 offer.revision）；报价已更新时拒绝"),
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("说明或原因"))


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=OemStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
