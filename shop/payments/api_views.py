"""JSON API of the buyer's orders (``/api/orders/``), in the OpenAPI schema.

The same rules as the order pages (``selectors.buyer_orders`` / ``buyer_order_get``): a buying
unit's members see the unit's orders, a buyer without a unit their own; any other number is a
404. Paying (remittance slip) needs the unit's 财务 (``orders.pay``), the invoice request the
unit's 财务 too (``invoices.handle``): a member without the role gets 403 with the Chinese
refusal; an order waiting for the unit's approval (待审批) cannot be paid (409). Errors answer
in the API's one shape (shop.api.exceptions)."""

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from shop.buyers.access import refusal
from shop.buyers.models import INVOICE_FIELDS
from shop.core.exceptions import PermissionDenied

from . import selectors, services
from .models import MAX_AMOUNT, MIN_AMOUNT, PaymentStage

ERRORS = {
    400: OpenApiResponse(description="输入不合法或业务规则不允许（detail 为中文说明）"),
    403: OpenApiResponse(description="本单位成员没有该操作的角色（detail 为中文说明）"),
    404: OpenApiResponse(description="订单不存在或不属于当前用户（或其采购单位）"),
    409: OpenApiResponse(description="订单当前状态不允许此操作（如待审批的订单不能付款）"),
}


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentStage
        fields = ["sequence", "label", "amount", "status", "paid_at", "paid_via", "due_on"]
        extra_kwargs = {"due_on": {"help_text": "付款期限（验收后付款的订单在履约验收合格后才有）"}}


class OrderLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    partner_name = serializers.CharField(help_text="供应商")
    quantity = serializers.IntegerField()
    unit_price_incl_tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    line_price_incl_tax = serializers.DecimalField(max_digits=14, decimal_places=2)


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="订单号")
    status = serializers.CharField(help_text="订单状态：待审批、待付款、部分付款、已付款 …")
    date_placed = serializers.DateTimeField()
    source = serializers.SerializerMethodField(help_text="来源：quote / oem / direct")
    reference = serializers.SerializerMethodField(help_text="来源单号（询价单、OEM 订单）")
    unit = serializers.SerializerMethodField(help_text="采购单位 id（个人采购为 null）")
    budget_line = serializers.SerializerMethodField(help_text="预算 id（未使用预算为 null）")
    total_incl_tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    settlement = serializers.SerializerMethodField(
        help_text="prepay（付款后发货）或 after_acceptance（验收后付款：履约验收合格后才需付款）"
    )
    due_amount = serializers.SerializerMethodField(help_text="尚未支付的款项合计（元，两位小数）")
    stages = StageSerializer(source="payment_stages", many=True, read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    can_pay = serializers.SerializerMethodField(help_text="当前用户现在能否付款")
    pay_refusal = serializers.SerializerMethodField(help_text="不能付款的原因（中文；能付款时为空）")

    def _origin(self, order):
        return getattr(order, "origin", None)

    def get_source(self, order) -> str:
        origin = self._origin(order)
        return origin.source if origin else ""

    def get_reference(self, order) -> str:
        origin = self._origin(order)
        return origin.reference if origin else ""

    def get_unit(self, order) -> int | None:
        return selectors.order_unit_id(order)

    def get_budget_line(self, order) -> int | None:
        origin = self._origin(order)
        return origin.budget_line_id if origin else None

    def get_settlement(self, order) -> str:
        return selectors.order_settlement(order)

    def get_due_amount(self, order) -> str:
        """Money as a string with two decimals, as every amount of the API."""
        due = [s.amount for s in order.payment_stages.all() if s.status == PaymentStage.Status.DUE]
        return f"{sum(due, Decimal('0.00')):.2f}"

    def _refusal(self, order) -> str:
        user = self.context["request"].user
        if not selectors.buyer_may(user, order, "orders.pay"):
            return refusal("orders.pay")
        if order.status == services.ORDER_AWAITING_APPROVAL:
            return services.MSG_AWAITING_APPROVAL
        if selectors.payable_stage(order) is None:
            return f"订单当前状态为“{order.status}”，无需付款。"
        return ""

    def get_can_pay(self, order) -> bool:
        return not self._refusal(order)

    def get_pay_refusal(self, order) -> str:
        return self._refusal(order)


class BankTransferInSerializer(serializers.Serializer):
    payer_name = serializers.CharField(max_length=120, help_text="汇款单位")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=MIN_AMOUNT, max_value=MAX_AMOUNT, help_text="汇款金额"
    )
    remitted_on = serializers.DateField(help_text="汇款日期")
    slip = serializers.FileField(help_text="汇款凭证（PDF、PNG 或 JPEG）")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BankTransferOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.IntegerField(source="stage.sequence")
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    remitted_on = serializers.DateField()


class InvoiceRequestInSerializer(serializers.Serializer):
    invoice_type = serializers.CharField(help_text="normal（普票）或 special（专票）")
    invoice_title = serializers.CharField(max_length=120)
    invoice_tax_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
    invoice_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    invoice_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    invoice_bank = serializers.CharField(max_length=100, required=False, allow_blank=True)
    invoice_account = serializers.CharField(max_length=40, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        summary="我的订单（采购单位成员：本单位的订单）",
        tags=["订单与付款"],
        parameters=[OpenApiParameter("show", str, description="due：只列待付款（待付款、部分付款）的订单")],
    ),
    retrieve=extend_schema(
        summary="订单详情（付款阶段、能否付款及原因）",
        tags=["订单与付款"],
        responses={200: OrderSerializer, 404: ERRORS[404]},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = OrderSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        show = "due" if self.request.query_params.get("show") == "due" else ""
        return selectors.buyer_orders(user=self.request.user, show=show).prefetch_related("lines")

    def get_object(self):
        return selectors.buyer_order_get(user=self.request.user, number=self.kwargs["number"])

    def _require(self, order, action_name: str) -> None:
        if not selectors.buyer_may(self.request.user, order, action_name):
            raise PermissionDenied(refusal(action_name))

    @extend_schema(
        summary="上传对公转账汇款凭证（multipart；采购单位的订单须由财务办理）",
        tags=["订单与付款"],
        request={"multipart/form-data": BankTransferInSerializer},
        responses={201: BankTransferOutSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"stages/(?P<sequence>[0-9]+)/bank-transfer",
        url_name="bank-transfer",
    )
    def bank_transfer(self, request, number=None, sequence=None):
        order = self.get_object()
        self._require(order, "orders.pay")
        try:
            stage = order.payment_stages.select_related("order").get(sequence=int(sequence))
        except PaymentStage.DoesNotExist:
            raise Http404
        ser = BankTransferInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        transfer = services.bank_transfer_submit(stage=stage, user=request.user, **ser.validated_data)
        return Response(BankTransferOutSerializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="填写或修改开票信息（采购单位的订单须由财务办理）",
        tags=["订单与付款"],
        request=InvoiceRequestInSerializer,
        responses={200: OrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="invoice-request", url_name="invoice-request")
    def invoice_request(self, request, number=None):
        order = self.get_object()
        self._require(order, "invoices.handle")
        ser = InvoiceRequestInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = {f: ser.validated_data.get(f, "") for f in INVOICE_FIELDS}
        services.invoice_request_update(order=order, user=request.user, data=data)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data)
