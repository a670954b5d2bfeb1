"""JSON API for external procurement systems: the catalogue (read-only) and quote requests.

A buyer sees only its own requests, a buying unit's member those of the unit as their role
allows (anyone else's number answers 404). Session and token authentication (DRF settings)."""

from decimal import Decimal

from django.db.models import Min
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from oscar.core.loading import get_model
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shop.buyers.models import ApprovalRequest
from shop.core.limits import BUDGET_TOO_LARGE, MAX_AMOUNT, limit_text
from shop.core.validators import validate_invoice_wish
from shop.storefront.selectors import visible_products

from . import selectors, services
from .models import (
    MAX_LINE_QUANTITY,
    REQUEST_INPUT_FIELDS,
    QuoteRequest,
    QuoteRequestLine,
    VendorQuote,
    VendorQuoteLine,
)

Product = get_model("catalogue", "Product")


# --- catalogue ------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True, help_text="最低目录价（含税）"
    )
    categories = serializers.SerializerMethodField()
    vendors = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "title",
            "upc",
            "unit",
            "tax_rate",
            "price",
            "price_is_from",
            "quote_only",
            "lead_time_days",
            "supports_oem",
            "categories",
            "vendors",
        ]

    def get_categories(self, obj) -> list[str]:
        top = obj.parent if obj.parent_id else obj
        return [c.name for c in top.categories.all()]

    def get_vendors(self, obj) -> list[str]:
        return sorted({sr.partner.name for sr in obj.stockrecords.all()})


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Products that can be quoted (public, approved, with at least one vendor)."""

    serializer_class = ProductSerializer
    permission_classes = [permissions.AllowAny]
    lookup_value_regex = r"[0-9]{1,18}"  # any other id is a 404, never a database error

    def get_queryset(self):
        return (
            selectors.quotable_products()
            .annotate(price=Min("stockrecords__price"))
            .select_related("parent")
            .prefetch_related("categories", "parent__categories", "stockrecords__partner")
            .order_by("pk")
        )


# --- quote requests -------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(
        help_text="商品 ID",
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"min_value": _("商品 ID 无效。"), "max_value": _("商品 ID 无效。")},
    )
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "min_value": _("数量必须在 1 到 %(max)s 之间。") % {"max": MAX_LINE_QUANTITY},
            "max_value": _("数量必须在 1 到 %(max)s 之间。") % {"max": MAX_LINE_QUANTITY},
        },
    )
    remark = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class QuoteRequestCreateSerializer(serializers.ModelSerializer):
    lines = LineInputSerializer(many=True)
    budget = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        help_text="预算（元，含税），可选",
        error_messages={
            "min_value": _("预算必须大于零。"),
            "max_value": BUDGET_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)},
            "max_digits": BUDGET_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)},
            "max_whole_digits": BUDGET_TOO_LARGE % {"limit": limit_text(MAX_AMOUNT)},
            "invalid": _("请输入有效的预算金额。"),
        },
    )

    budget_line = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="本单位预算 ID（采购单位成员；单位本年度有预算时必填）",
    )

    class Meta:
        model = QuoteRequest
        fields = [*REQUEST_INPUT_FIELDS, "budget_line", "lines"]
        extra_kwargs = {"county": {"required": False}}

    def validate_org_uscc(self, value):
        return (value or "").strip().upper()

    def validate_needed_by(self, value):
        if value <= timezone.localdate():
            raise serializers.ValidationError(_("需求日期必须晚于今天。"))
        return value

    def validate_lines(self, value):
        if not value:
            raise serializers.ValidationError(_("询价单是空的，请至少添加一项商品。"))
        ids = [line["product"] for line in value]
        # only products a buyer may see: any other id is answered exactly like a missing one
        products = visible_products().select_related("parent").in_bulk(ids)
        missing = [str(i) for i in ids if i not in products]
        if missing:
            raise serializers.ValidationError(_("商品不存在：%(ids)s。") % {"ids": ", ".join(missing)})
        return [
            services.LineInput(
                product=products[line["product"]], quantity=line["quantity"], remark=line["remark"]
            )
            for line in value
        ]

    def validate(self, attrs):
        # the shared invoice rules; DRF turns their ValidationError into field errors
        return validate_invoice_wish(attrs)


class VendorQuoteLineSerializer(serializers.ModelSerializer):
    request_line = serializers.IntegerField(source="request_line_id")
    title = serializers.CharField(source="request_line.title")
    unit_price_excl_tax = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    unit_tax = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    line_total_incl_tax = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)

    class Meta:
        model = VendorQuoteLine
        fields = [
            "request_line",
            "title",
            "quantity",
            "unit_price_excl_tax",
            "tax_rate",
            "unit_tax",
            "unit_price_incl_tax",
            "line_total_incl_tax",
            "is_from_price",
        ]
        read_only_fields = fields


class VendorQuoteSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="partner.name")
    status_display = serializers.CharField(source="get_status_display")
    lines = VendorQuoteLineSerializer(many=True)
    total_excl_tax = serializers.SerializerMethodField()
    total_tax = serializers.SerializerMethodField()
    total_incl_tax = serializers.SerializerMethodField()

    class Meta:
        model = VendorQuote
        fields = [
            "id",
            "number",
            "vendor",
            "status",
            "status_display",
            "is_indicative",
            "revision",
            "lead_time_days",
            "valid_until",
            "terms",
            "lines",
            "total_excl_tax",
            "total_tax",
            "total_incl_tax",
        ]
        read_only_fields = fields

    def _total(self, obj, key):
        cache = getattr(obj, "_api_totals", None)
        if cache is None:
            cache = obj._api_totals = obj.totals()
        return f"{cache[key]:.2f}"

    def get_total_excl_tax(self, obj) -> str:
        return self._total(obj, "excl")

    def get_total_tax(self, obj) -> str:
        return self._total(obj, "tax")

    def get_total_incl_tax(self, obj) -> str:
        return self._total(obj, "incl")


class RequestLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteRequestLine
        fields = ["id", "product", "title", "unit", "quantity", "remark", "tax_rate"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    actor = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    vendor = serializers.CharField()


class QuoteApprovalStateSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="审批单号")
    vendor_quote = serializers.IntegerField(source="subject_id", help_text="待接受的供应商报价 ID")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    steps_required = serializers.IntegerField()
    steps_done = serializers.IntegerField()
    submitted_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_submitted_by(self, obj) -> str:
        user = obj.submitted_by
        return user.get_full_name() or user.email


class QuoteRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    timeline = serializers.SerializerMethodField()
    lines = RequestLineSerializer(many=True, read_only=True)
    vendor_quotes = VendorQuoteSerializer(many=True, read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)
    budget_line = serializers.IntegerField(source="budget_line_id", read_only=True, allow_null=True)
    approval = serializers.SerializerMethodField()

    class Meta:
        model = QuoteRequest
        fields = [
            "number",
            "status",
            "status_display",
            "created_at",
            *REQUEST_INPUT_FIELDS,
            "budget_line",
            "lines",
            "vendor_quotes",
            "order_number",
            "approval",
            "timeline",
        ]
        read_only_fields = fields

    @extend_schema_field(QuoteApprovalStateSerializer(allow_null=True))
    def get_approval(self, obj):
        """The unit approval the acceptance waits for (status 待审批), or null."""
        approval = selectors.quote_request_approval(quote_request=obj)
        return None if approval is None else QuoteApprovalStateSerializer(approval).data

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        """The history as the requesting user may see it (the same selector as the pages)."""
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        return TimelineEntrySerializer(
            selectors.quote_request_timeline(quote_request=obj, viewer=viewer), many=True
        ).data


class AcceptSerializer(serializers.Serializer):
    vendor_quote = serializers.IntegerField(help_text="要接受的供应商报价 ID")
    # the service refuses a missing or stale version with a Chinese message, changing nothing
    revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="所接受报价的版本（vendor_quotes[].revision）；报价已更新时拒绝",
    )


class AcceptResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField(help_text="ordered：已生成订单；approval：待本单位审批")
    order_number = serializers.CharField(allow_null=True)
    approval_number = serializers.CharField(allow_null=True, help_text="待审批时的审批单号")


@extend_schema_view(
    list=extend_schema(summary="我的询价"),
    retrieve=extend_schema(summary="询价详情（状态与各供应商报价）"),
    create=extend_schema(
        summary="提交询价",
        request=QuoteRequestCreateSerializer,
        responses={201: QuoteRequestSerializer},
    ),
)
class QuoteRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = QuoteRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "number"
    lookup_value_regex = "[A-Z0-9]+"

    def get_queryset(self):
        # the requests the user may read: their unit's (by role) or their own; others are 404
        visible = selectors.quote_requests_for_buyer(user=self.request.user).values("pk")
        return selectors.quote_request_detail_queryset().filter(pk__in=visible).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return QuoteRequestCreateSerializer
        if self.action == "accept":
            return AcceptSerializer
        return QuoteRequestSerializer

    def create(self, request, *args, **kwargs):
        serializer = QuoteRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = data.pop("lines")
        budget_line = data.pop("budget_line", None)
        qr = services.quote_request_submit(
            user=request.user, data=data, lines=lines, budget_line_id=budget_line
        )
        qr = self.get_queryset().get(pk=qr.pk)
        return Response(
            QuoteRequestSerializer(qr, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="接受一家供应商的报价（生成订单；采购单位达到审批规则时提交本单位审批）",
        request=AcceptSerializer,
        responses={200: AcceptResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        qr = self.get_object()
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vq = get_object_or_404(
            VendorQuote.objects.select_related("request", "partner"),
            pk=serializer.validated_data["vendor_quote"],
            request=qr,
        )
        outcome = services.vendor_quote_accept(
            vendor_quote=vq, actor=request.user, revision=serializer.validated_data["revision"]
        )
        qr.refresh_from_db()
        waiting = isinstance(outcome, ApprovalRequest)
        return Response(
            {
                "number": qr.number,
                "status": qr.status,
                "order_number": None if waiting else outcome.number,
                "approval_number": outcome.number if waiting else None,
            }
        )

    @extend_schema(
        summary="取消询价",
        request=None,
        responses={200: QuoteRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        qr = self.get_object()
        services.quote_request_cancel(
            quote_request=qr, actor=request.user, note=str(request.data.get("note", ""))[:1000]
        )
        return Response(
            QuoteRequestSerializer(
                self.get_queryset().get(pk=qr.pk), context=self.get_serializer_context()
            ).data
        )
