"""JSON API of 网上询价 and 反向竞价 (``/api/sourcing/``), in the OpenAPI schema.

The same rules as the pages, read from the same selectors:
- a buyer sees its unit's events (by role; anyone else's number is a 404) and, while a 询价 is
  sealed, only how many suppliers responded; prices appear once it is opened;
- a vendor sees the events it is invited to or qualified for, its own response or bids and
  its own rank — never another supplier's price or name; it responds (once) and bids here too;
- errors answer in the API's one shape (shop.api.exceptions): 400 bad input, 403 not allowed,
  404 not yours, 409 the event's rules said no (closed, second response, bid not low enough).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import Invalid, NotFound

from . import selectors, services
from .models import Mode, SourcingEvent

TAGS = ["询价竞价"]
ERRORS = {
    400: OpenApiResponse(description="输入不合法（detail 为中文说明）"),
    403: OpenApiResponse(description="无权执行此操作"),
    404: OpenApiResponse(description="项目不存在或不属于您"),
    409: OpenApiResponse(description="项目规则不允许（已截止、已报价、出价未低于上次出价等）"),
}


def _is_vendor(user) -> bool:
    return bool(user_partner_ids(user)) and not is_operator(user)


def _visible(user) -> QuerySet:
    if _is_vendor(user) or is_operator(user):
        return selectors.events_for_vendor(user=user)
    return selectors.events_for_buyer(user=user)


def _event(user, number: str) -> SourcingEvent:
    event = _visible(user).select_related("unit", "category", "winner").filter(number=number).first()
    if event is None:
        raise NotFound("采购项目不存在或您无权查看。")
    return event


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    title = serializers.CharField()
    spec = serializers.CharField()
    quantity = serializers.IntegerField()
    unit = serializers.CharField()


class EventSerializer(serializers.Serializer):
    number = serializers.CharField()
    mode = serializers.CharField()
    mode_label = serializers.CharField(source="get_mode_display")
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    unit = serializers.CharField(source="unit.org_name", default="")
    category = serializers.CharField(source="category.name", default="")
    delivery_place = serializers.CharField()
    delivery_date = serializers.DateField()
    max_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    start_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    decrement = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    qualifications = serializers.CharField()
    invitation = serializers.CharField()
    starts_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    result_note = serializers.CharField()
    winner = serializers.SerializerMethodField()
    award_total = serializers.SerializerMethodField()

    def _decided(self, event) -> bool:
        return event.decided_at is not None and event.winner_id is not None

    def get_winner(self, event) -> str | None:
        return event.winner.name if self._decided(event) else None

    def get_award_total(self, event) -> str | None:
        return f"{event.award_total:.2f}" if self._decided(event) and event.award_total is not None else None


class ResponseLineOut(serializers.Serializer):
    line = serializers.IntegerField(source="line_id")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)


class ResponseOut(serializers.Serializer):
    supplier = serializers.CharField(source="partner.name")
    submitted_at = serializers.DateTimeField()
    delivery_days = serializers.IntegerField()
    notes = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    valid = serializers.BooleanField(allow_null=True)
    exclusion_reason = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    lines = ResponseLineOut(many=True)


class OwnResponseOut(ResponseOut):
    supplier = None
    valid = None
    exclusion_reason = None
    rank = None


def _detail(event: SourcingEvent, user) -> dict:
    data = dict(EventSerializer(event).data)
    data["lines"] = LineSerializer(event.lines.order_by("sequence"), many=True).data
    if _is_vendor(user):
        standing = selectors.vendor_standing(event=event, partner_ids=user_partner_ids(user))
        if event.mode == Mode.INQUIRY:
            data["my_response"] = OwnResponseOut(standing.own).data if standing.own else None
        else:
            best = standing.best_bid
            data["my_best_bid"] = f"{best.amount:.2f}" if best else None
            data["my_rank"] = standing.rank
        data["won"] = bool(standing.is_winner and event.decided_at)
        return data
    counts = selectors.response_counts(events=[event])
    data["response_count"] = counts[event.pk]
    # sealed until opened: evaluated_responses is empty before the deadline, whoever asks
    data["responses"] = ResponseOut(selectors.evaluated_responses(event=event, user=user), many=True).data
    return data


class EventListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="我的询价竞价项目",
        description="采购单位成员：本单位的项目；供应商：受邀或符合资格的项目。只含项目信息与响应数量，不含报价。",
        responses={200: EventSerializer(many=True)},
    )
    def get(self, request):
        events = list(
            _visible(request.user)
            .select_related("unit", "category", "winner")
            .order_by("-published_at")[:200]
        )
        rows = EventSerializer(events, many=True).data
        if not _is_vendor(request.user):
            counts = selectors.response_counts(events=events)
            for row, event in zip(rows, events, strict=True):
                row["response_count"] = counts[event.pk]
        return Response(rows)


class EventDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="项目详情",
        description="询价截止开启前，任何人（包括采购人和运营人员）都看不到报价，只看到响应数量；供应商只看到自己的报价和名次。",
        responses={200: EventSerializer, 404: ERRORS[404]},
    )
    def get(self, request, number):
        event = _event(request.user, number)
        return Response(_detail(event, request.user))


class RespondIn(serializers.Serializer):
    prices = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="每一明细行的含税单价：{明细行 id: 单价}"
    )
    delivery_days = serializers.CharField(help_text="承诺交货期（天）")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RespondView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="提交询价报价（供应商，一次报出不得更改）",
        request=RespondIn,
        responses={201: OwnResponseOut, **ERRORS},
    )
    def post(self, request, number):
        event = _event(request.user, number)
        body = RespondIn(data=request.data)
        if not body.is_valid():
            raise Invalid("请提交每一明细行的单价和承诺交货期。", fields=body.errors)
        response = services.response_submit(
            event=event,
            actor=request.user,
            prices={str(k): v for k, v in body.validated_data["prices"].items()},
            delivery_days=body.validated_data["delivery_days"],
            notes=body.validated_data["notes"],
        )
        return Response(OwnResponseOut(response).data, status=status.HTTP_201_CREATED)


class BidIn(serializers.Serializer):
    amount = serializers.CharField(help_text="报价总额（含税），须低于本公司上次出价至少一个降价幅度")


class BidView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="竞价出价（供应商）",
        request=BidIn,
        responses={201: OpenApiResponse(description="出价成功：本公司最低出价与名次"), **ERRORS},
    )
    def post(self, request, number):
        event = _event(request.user, number)
        body = BidIn(data=request.data)
        if not body.is_valid():
            raise Invalid("请填写出价金额。", fields=body.errors)
        bid = services.bid_place(event=event, actor=request.user, amount=body.validated_data["amount"])
        event.refresh_from_db()
        rank = selectors.bid_rank(event=event, partner_id=bid.partner_id)
        return Response(
            {"amount": f"{bid.amount:.2f}", "my_rank": rank, "deadline": event.deadline.isoformat()},
            status=status.HTTP_201_CREATED,
        )
