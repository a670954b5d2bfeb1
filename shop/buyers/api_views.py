"""JSON API of buying units (``/api/unit/``), in the OpenAPI schema.

Same rules as the pages: only active members see their unit; only its 管理员 invite and change
members. Errors answer in the API's one shape (shop.api.exceptions): 400 bad input, 403 not an
administrator, 404 no unit or not a member of yours, 409 a rule of the unit said no."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core.exceptions import NotFound, PermissionDenied

from . import selectors, services
from .models import BuyingUnit, UnitInvitation, UnitMember, UnitRole

ERRORS = {
    400: OpenApiResponse(description="输入不合法（detail 为中文说明）"),
    403: OpenApiResponse(description="只有本单位管理员可以执行此操作"),
    404: OpenApiResponse(description="您不是任何采购单位的成员，或该成员不属于您的单位"),
    409: OpenApiResponse(
        description="单位规则不允许（如：单位至少需要一名管理员；该邮箱已属于其他采购单位）"
    ),
}
TAGS = ["采购单位"]


class UnitSerializer(serializers.ModelSerializer):
    my_roles = serializers.SerializerMethodField()
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = BuyingUnit
        fields = ["id", "org_name", "org_uscc", "org_type", "province", "city", "county", "created_at"]
        fields += ["my_roles", "member_count"]

    def get_my_roles(self, unit) -> list[str]:
        return list(self.context["member"].roles)

    def get_member_count(self, unit) -> int:
        return self.context["member_count"]


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = UnitMember
        fields = ["id", "email", "name", "roles", "is_active", "joined_at", "deactivated_at"]


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitInvitation
        fields = ["id", "email", "roles", "created_at", "expires_at"]


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=UnitRole.choices), allow_empty=False)


class MemberPatchSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=UnitRole.choices), allow_empty=False, required=False
    )
    is_active = serializers.BooleanField(required=False)


def _membership(request) -> UnitMember:
    member = selectors.membership_for_user(user=request.user)
    if member is None:
        raise NotFound("您还不是任何采购单位的成员。")
    return member


class UnitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="我的采购单位（含我的角色）", tags=TAGS, responses={200: UnitSerializer, 404: ERRORS[404]}
    )
    def get(self, request):
        member = _membership(request)
        count = selectors.unit_active_member_count(unit=member.unit)
        return Response(UnitSerializer(member.unit, context={"member": member, "member_count": count}).data)


class MemberListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="单位成员列表", tags=TAGS, responses={200: MemberSerializer(many=True), 404: ERRORS[404]}
    )
    def get(self, request):
        member = _membership(request)
        return Response(MemberSerializer(selectors.unit_members(unit=member.unit), many=True).data)

    @extend_schema(
        summary="邀请成员（管理员；发送 7 天内有效的一次性邀请链接）",
        tags=TAGS,
        request=InviteSerializer,
        responses={201: InvitationSerializer, **ERRORS},
    )
    def post(self, request):
        member = _membership(request)
        if not member.is_admin:
            raise PermissionDenied(services.MSG_NOT_ADMIN)
        ser = InviteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        invitation, _token = services.member_invite(
            unit=member.unit,
            actor=request.user,
            email=ser.validated_data["email"],
            roles=ser.validated_data["roles"],
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="调整成员角色、停用或重新启用（管理员）",
        tags=TAGS,
        request=MemberPatchSerializer,
        responses={200: MemberSerializer, **ERRORS},
    )
    def patch(self, request, pk: int):
        member = _membership(request)
        target = selectors.unit_member(unit=member.unit, member_id=pk)
        if target is None:
            raise NotFound("该成员不存在。")
        if not member.is_admin:
            raise PermissionDenied(services.MSG_NOT_ADMIN)
        ser = MemberPatchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        with transaction.atomic():  # several changes in one request: all or nothing
            if data.get("is_active") is True and not target.is_active:
                target = services.member_reactivate(member=target, actor=request.user)
            if "roles" in data:
                target = services.member_roles_set(member=target, actor=request.user, roles=data["roles"])
            if data.get("is_active") is False and target.is_active:
                target = services.member_deactivate(member=target, actor=request.user)
        target = selectors.unit_member(unit=member.unit, member_id=target.pk)
        return Response(MemberSerializer(target).data)
