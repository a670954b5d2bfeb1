"""JSON API for OEM orders (``/api/oem-orders/``), in the OpenAPI schema.

Buyers create, read and act on their own orders (a buying unit's members on the unit's, as
their role allows); vendors read and act on orders routed to their partners; operators see all. Any other id is a 404. Errors answer in the API's one shape
(shop.api.exceptions): 400 (rule), 403 (not yours to do), 409 (illegal state change)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from shop.buyers.models import INVOICE_FIELDS, ORG_FIELDS

from . import selectors, services
from .serializers import (
    AcceptOfferSerializer,
    NoteSerializer,
    OemOrderCreateSerializer,
    OemOrderSerializer,
    OfferSerializer,
    TransitionSerializer,
)
from .views import serve_logo

ERRORS = {
    400: OpenApiResponse(description="输入不合法或业务规则不允许（detail 为中文说明）"),
    403: OpenApiResponse(description="无权对该订单执行此操作"),
    404: OpenApiResponse(description="订单不存在或不属于当前用户"),
    409: OpenApiResponse(description="当前状态不允许此操作"),
}


@extend_schema_view(
    list=extend_schema(summary="OEM 订单列表（本人的及本供应商的）", tags=["OEM定制"]),
    retrieve=extend_schema(
        summary="OEM 订单详情（含时间线与报价）",
        tags=["OEM定制"],
        responses={200: OemOrderSerializer, 404: ERRORS[404]},
    ),
)
class OemOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = OemOrderSerializer

    def get_queryset(self):
        qs = selectors.oem_orders_visible(user=self.request.user).prefetch_related("events")
        role = self.request.query_params.get("role")
        if role == "buyer":
            qs = qs.filter(pk__in=selectors.oem_orders_for_buyer(user=self.request.user).values("pk"))
        elif role == "vendor":
            qs = qs.filter(pk__in=selectors.oem_orders_for_vendor(user=self.request.user).values("pk"))
        return qs

    def _act(self, fn, **kwargs) -> Response:
        order = self.get_object()
        fn(order=order, actor=self.request.user, **kwargs)  # errors: shop.api.exceptions
        order.refresh_from_db()
        return Response(OemOrderSerializer(order, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="提交 OEM 订单（multipart，含 Logo 文件）",
        tags=["OEM定制"],
        request={"multipart/form-data": OemOrderCreateSerializer},
        responses={201: OemOrderSerializer, 400: ERRORS[400]},
    )
    def create(self, request, *args, **kwargs):
        serializer = OemOrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = services.oem_order_submit(
            buyer=request.user,
            product=data["product"],
            variant=data.get("variant"),
            quantity=data["quantity"],
            brand_name=data["brand_name"],
            logo=data["logo"],
            customisations=data.get("customisations") or [],
            sample_required=data.get("sample_required", False),
            target_date=data["target_date"],
            delivery_contact=data["delivery_contact"],
            delivery_phone=data["delivery_phone"],
            delivery_address=data["delivery_address"],
            organisation={f: data.get(f, "") for f in ORG_FIELDS + INVOICE_FIELDS},
            remarks=data.get("remarks", ""),
            budget_line_id=data.get("budget_line"),
        )
        return Response(OemOrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="采购方接受报价（生成商城订单，待付定金；采购单位达到审批规则时转入待审批）",
        tags=["OEM定制"],
        request=AcceptOfferSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="accept-offer")
    def accept_offer(self, request, pk=None):
        ser = AcceptOfferSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_accept_offer, offer_revision=ser.validated_data["offer_revision"])

    @extend_schema(
        summary="采购方确认样品",
        tags=["OEM定制"],
        request=NoteSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="approve-sample")
    def approve_sample(self, request, pk=None):
        ser = NoteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_approve_sample, note=ser.validated_data["note"])

    @extend_schema(
        summary="采购方退回样品（需填写原因）",
        tags=["OEM定制"],
        request=NoteSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="reject-sample")
    def reject_sample(self, request, pk=None):
        ser = NoteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_reject_sample, reason=ser.validated_data["note"])

    @extend_schema(
        summary="采购方取消订单（确认前）",
        tags=["OEM定制"],
        request=NoteSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        ser = NoteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_cancel, reason=ser.validated_data["note"])

    @extend_schema(
        summary="采购方确认收货",
        tags=["OEM定制"],
        request=None,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, pk=None):
        return self._act(services.oem_order_confirm_receipt)

    @extend_schema(
        summary="供应商报价 / 修改报价",
        tags=["OEM定制"],
        request=OfferSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        ser = OfferSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_make_offer, **ser.validated_data)

    @extend_schema(
        summary="供应商变更订单状态（拒绝、打样、生产、发货、完成）",
        tags=["OEM定制"],
        request=TransitionSerializer,
        responses={200: OemOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        ser = TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._act(services.oem_order_vendor_move, **ser.validated_data)

    @extend_schema(
        summary="下载 Logo 文件（下单人、该订单供应商、平台运营）",
        tags=["OEM定制"],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def logo(self, request, pk=None):
        return serve_logo(self.get_object())
