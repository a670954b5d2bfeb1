"""JSON API of buying units (``/api/unit/``), in the OpenAPI schema.

Same rules as the pages: only active members see their unit; only its 管理员 invite and change
members. Errors answer in the API's one shape (shop.api.exceptions): 400 bad input, 403 not an
administrator, 404 no unit or not a member of yours, 409 a rule of the unit said no."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core.exceptions import Invalid, NotFound, PermissionDenied

from . import selectors, services
from .access import member_can, refusal
from .models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    BudgetCommitment,
    BudgetLine,
    BuyingUnit,
    Decision,
    FundNature,
    UnitInvitation,
    UnitMember,
    UnitRole,
)

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


# --- budgets, approval rules, approvals -----------------------------------------------------------
# The same role table as the pages (shop.buyers.access): every member reads; 管理员 and 财务
# record budgets, 管理员 set rules, 审批人 decide, the submitter (or a 管理员) withdraws.

UNIT_ERRORS = {
    400: OpenApiResponse(description="输入不合法（detail 为中文说明，fields 指出字段）"),
    403: OpenApiResponse(description="您的角色不能执行此操作（detail 说明哪些角色可以）"),
    404: OpenApiResponse(description="您不是任何采购单位的成员，或该对象不属于您的单位"),
    409: OpenApiResponse(
        description="当前状态不允许（如：预算可用余额不足；预算不能低于已占用和已支付；审批单已办结）"
    ),
}


def _member_for(request, action: str) -> UnitMember:
    member = _membership(request)
    if not member_can(member, action):
        raise PermissionDenied(refusal(action))
    return member


def _category(value):
    if value in (None, ""):
        return None
    from oscar.core.loading import get_model

    Category = get_model("catalogue", "Category")
    try:
        return Category.objects.get(pk=int(value))
    except (Category.DoesNotExist, TypeError, ValueError):
        raise Invalid("请选择有效的品目。", fields={"category": "请选择有效的品目。"})


class BudgetLineSerializer(serializers.ModelSerializer):
    available = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    category_name = serializers.SerializerMethodField()

    class Meta:
        model = BudgetLine
        fields = ["id", "year", "name", "fund_nature", "category", "category_name", "amount"]
        fields += ["committed", "spent", "available", "created_at", "updated_at"]

    def get_category_name(self, line) -> str:
        return line.category.name if line.category_id else ""


class CommitmentSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="state_label", read_only=True)
    approval = serializers.SerializerMethodField()

    class Meta:
        model = BudgetCommitment
        fields = ["id", "kind", "number", "title", "amount", "committed", "spent", "released", "state"]
        fields += ["approval", "created_at"]

    def get_approval(self, c) -> str | None:
        return c.approval.number if c.approval_id else None


class BudgetLineDetailSerializer(BudgetLineSerializer):
    commitments = serializers.SerializerMethodField()

    class Meta(BudgetLineSerializer.Meta):
        fields = BudgetLineSerializer.Meta.fields + ["commitments"]

    @extend_schema_field(CommitmentSerializer(many=True))
    def get_commitments(self, line):
        return CommitmentSerializer(self.context["commitments"], many=True).data


class BudgetLineWriteSerializer(serializers.Serializer):
    """Typed as text: the service checks each figure and answers in Chinese."""

    name = serializers.CharField(max_length=200, required=False)
    year = serializers.CharField(max_length=8, required=False, help_text="四位年份（仅新建时）")
    amount = serializers.CharField(max_length=32, required=False, help_text="元，最多两位小数")
    fund_nature = serializers.ChoiceField(choices=FundNature.choices, required=False)
    category = serializers.IntegerField(required=False, allow_null=True, help_text="品目 id，可为空")


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalRule
        fields = ["id", "min_amount", "steps", "category", "is_active", "created_at"]


class RuleWriteSerializer(serializers.Serializer):
    min_amount = serializers.CharField(max_length=32, required=False, help_text="起审金额（元，含税）")
    steps = serializers.CharField(max_length=4, required=False, help_text="审批级数 1–5")
    category = serializers.IntegerField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class ApprovalSerializer(serializers.ModelSerializer):
    submitted_by = serializers.EmailField(source="submitted_by.email", read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["number", "kind", "subject_number", "title", "amount", "status", "steps_required"]
        fields += ["steps_done", "budget_line", "submitted_by", "restarts", "created_at", "decided_at"]


class DecisionSerializer(serializers.ModelSerializer):
    approver = serializers.EmailField(source="approver.email", read_only=True)

    class Meta:
        model = ApprovalDecision
        fields = ["step", "approver", "decision", "comment", "superseded", "created_at"]


class ApprovalDetailSerializer(ApprovalSerializer):
    decisions = serializers.SerializerMethodField()
    may_decide = serializers.SerializerMethodField()
    may_withdraw = serializers.SerializerMethodField()

    class Meta(ApprovalSerializer.Meta):
        fields = ApprovalSerializer.Meta.fields + ["snapshot", "snapshot_hash", "decisions"]
        fields += ["may_decide", "may_withdraw"]

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, approval):
        return DecisionSerializer(self.context["decisions"], many=True).data

    def get_may_decide(self, approval) -> bool:
        return selectors.may_decide_now(
            member=self.context["member"], approval=approval, decisions=self.context["decisions"]
        )

    def get_may_withdraw(self, approval) -> bool:
        return selectors.may_withdraw(member=self.context["member"], approval=approval)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Decision.choices, error_messages={"invalid_choice": "请选择同意或驳回。"}
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    seen_hash = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="所审批内容的 snapshot_hash；内容已变化时返回 409",
    )


class DecideResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["step", "approved", "rejected", "restarted", "cancelled"])
    message = serializers.CharField()
    approval = ApprovalDetailSerializer()


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


def _line_or_404(member, pk) -> BudgetLine:
    line = selectors.unit_budget_line(unit=member.unit, pk=pk)
    if line is None:
        raise NotFound("预算不存在。")
    return line


def _line_detail(member, line):
    line = selectors.unit_budget_line(unit=member.unit, pk=line.pk)
    return BudgetLineDetailSerializer(
        line, context={"commitments": selectors.budget_line_commitments(line=line)}
    ).data


class BudgetListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="本单位的预算（可按年度筛选）",
        tags=TAGS,
        parameters=[OpenApiParameter("year", int, description="预算年度")],
        responses={200: BudgetLineSerializer(many=True), 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request):
        member = _member_for(request, "budgets.view")
        year = request.query_params.get("year")
        try:
            year = int(year) if year not in (None, "") else None
        except ValueError:
            raise Invalid("预算年度应为四位年份。", fields={"year": "预算年度应为四位年份。"})
        lines = selectors.unit_budget_lines(unit=member.unit, year=year)
        return Response(BudgetLineSerializer(lines, many=True).data)

    @extend_schema(
        summary="登记预算（管理员、财务）",
        tags=TAGS,
        request=BudgetLineWriteSerializer,
        responses={201: BudgetLineDetailSerializer, **UNIT_ERRORS},
    )
    def post(self, request):
        member = _member_for(request, "budgets.manage")
        ser = BudgetLineWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        line = services.budget_line_create(
            unit=member.unit,
            actor=request.user,
            name=data.get("name", ""),
            year=data.get("year", ""),
            amount=data.get("amount", ""),
            fund_nature=data.get("fund_nature", ""),
            category=_category(data.get("category")),
        )
        return Response(_line_detail(member, line), status=status.HTTP_201_CREATED)


class BudgetDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="一笔预算及其占用、支付、释放明细",
        tags=TAGS,
        responses={200: BudgetLineDetailSerializer, 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request, pk: int):
        member = _member_for(request, "budgets.view")
        return Response(_line_detail(member, _line_or_404(member, pk)))

    @extend_schema(
        summary="调整预算（管理员、财务；不能低于已占用和已支付的合计）",
        tags=TAGS,
        request=BudgetLineWriteSerializer,
        responses={200: BudgetLineDetailSerializer, **UNIT_ERRORS},
    )
    def patch(self, request, pk: int):
        member = _member_for(request, "budgets.manage")
        line = _line_or_404(member, pk)
        ser = BudgetLineWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        line = services.budget_line_update(
            line=line,
            actor=request.user,
            name=data.get("name", line.name),
            amount=data.get("amount", line.amount),
            fund_nature=data.get("fund_nature", line.fund_nature),
            category=_category(data["category"]) if "category" in data else line.category,
        )
        return Response(_line_detail(member, line))


class RuleListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="本单位的审批规则（起审金额含税；同时适用时以级数最多的为准）",
        tags=TAGS,
        responses={200: RuleSerializer(many=True), 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request):
        member = _member_for(request, "approvals.view")
        return Response(RuleSerializer(selectors.unit_rules(unit=member.unit), many=True).data)

    @extend_schema(
        summary="添加审批规则（管理员；对今后提交的事项生效）",
        tags=TAGS,
        request=RuleWriteSerializer,
        responses={201: RuleSerializer, **UNIT_ERRORS},
    )
    def post(self, request):
        member = _member_for(request, "rules.manage")
        ser = RuleWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        rule = services.approval_rule_create(
            unit=member.unit,
            actor=request.user,
            min_amount=data.get("min_amount", ""),
            steps=data.get("steps", ""),
            category=_category(data.get("category")),
        )
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def rule(self, member, pk):
        rule = selectors.unit_rule(unit=member.unit, pk=pk)
        if rule is None:
            raise NotFound("审批规则不存在。")
        return rule

    @extend_schema(
        summary="一条审批规则",
        tags=TAGS,
        responses={200: RuleSerializer, 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request, pk: int):
        member = _member_for(request, "approvals.view")
        return Response(RuleSerializer(self.rule(member, pk)).data)

    @extend_schema(
        summary="修改或停用审批规则（管理员；已在审批中的事项不受影响）",
        tags=TAGS,
        request=RuleWriteSerializer,
        responses={200: RuleSerializer, **UNIT_ERRORS},
    )
    def patch(self, request, pk: int):
        member = _member_for(request, "rules.manage")
        rule = self.rule(member, pk)
        ser = RuleWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        rule = services.approval_rule_update(
            rule=rule,
            actor=request.user,
            min_amount=data.get("min_amount", rule.min_amount),
            steps=data.get("steps", rule.steps),
            is_active=data.get("is_active", rule.is_active),
            category=_category(data["category"]) if "category" in data else rule.category,
        )
        return Response(RuleSerializer(rule).data)


def _approval_or_404(member, number) -> ApprovalRequest:
    approval = selectors.unit_approval(unit=member.unit, number=number)
    if approval is None:
        raise NotFound("审批单不存在。")
    return approval


def _approval_detail(member, approval):
    approval = selectors.unit_approval(unit=member.unit, number=approval.number)
    decisions = selectors.approval_decisions(approval=approval)
    return ApprovalDetailSerializer(approval, context={"member": member, "decisions": decisions}).data


class ApprovalListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="本单位的审批（tab：mine 待我审批 / submitted 我提交的 / all 全部）",
        tags=TAGS,
        parameters=[OpenApiParameter("tab", str, enum=["mine", "submitted", "all"], description="默认 all")],
        responses={200: ApprovalSerializer(many=True), 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request):
        member = _member_for(request, "approvals.view")
        tab = request.query_params.get("tab") or "all"
        if tab not in dict(selectors.APPROVAL_TABS):
            raise Invalid("tab 只能是 mine、submitted 或 all。", fields={"tab": "无效的选项。"})
        return Response(ApprovalSerializer(selectors.unit_approvals(member=member, tab=tab), many=True).data)


class ApprovalDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="一张审批单：审批内容（快照）、各级意见",
        tags=TAGS,
        responses={200: ApprovalDetailSerializer, 403: UNIT_ERRORS[403], 404: UNIT_ERRORS[404]},
    )
    def get(self, request, number: str):
        member = _member_for(request, "approvals.view")
        return Response(_approval_detail(member, _approval_or_404(member, number)))


class ApprovalDecideView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="审批当前一级：同意（approve）或驳回（reject，须填写意见）",
        description="不能审批自己提交的事项；同一人在一轮审批中只能审批一级。内容已变化时审批重新开始"
        "（outcome=restarted）。",
        tags=TAGS,
        request=DecideSerializer,
        responses={200: DecideResultSerializer, **UNIT_ERRORS},
    )
    def post(self, request, number: str):
        member = _member_for(request, "approvals.view")
        approval = _approval_or_404(member, number)
        ser = DecideSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        result = services.approval_decide(
            approval=approval,
            actor=request.user,
            decision=data["decision"],
            comment=data.get("comment", ""),
            seen_hash=data.get("seen_hash") or None,
        )
        return Response(
            {
                "outcome": result.outcome,
                "message": result.message,
                "approval": _approval_detail(member, result.approval),
            }
        )


class ApprovalWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="撤回审批（提交人或管理员；释放占用的预算）",
        tags=TAGS,
        request=WithdrawSerializer,
        responses={200: ApprovalDetailSerializer, **UNIT_ERRORS},
    )
    def post(self, request, number: str):
        member = _member_for(request, "approvals.view")
        approval = _approval_or_404(member, number)
        ser = WithdrawSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        approval = services.approval_withdraw(
            approval=approval, actor=request.user, reason=ser.validated_data.get("reason", "")
        )
        return Response(_approval_detail(member, approval))
