"""The buyer's organisation and invoice wishes, shared by quote requests and OEM orders.

``BuyerOrganisation`` is what a buyer's account remembers for the next request; requests and
orders keep their own snapshot (``OrganisationSnapshot`` + ``InvoiceWish`` fields) so a later
change of the organisation never rewrites history."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.limits import MAX_AMOUNT
from shop.core.models import AuditEvent
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


# --- buying units (采购单位): members, roles, invitations -----------------------------------------


class UnitRole(models.TextChoices):
    ADMIN = "admin", _("管理员")
    HANDLER = "handler", _("经办人")
    APPROVER = "approver", _("审批人")
    FINANCE = "finance", _("财务")


ROLE_ORDER = [r.value for r in UnitRole]


def role_labels(roles) -> list[str]:
    """Role codes in their fixed order, as Chinese labels."""
    labels = dict(UnitRole.choices)
    return [str(labels[r]) for r in ROLE_ORDER if r in set(roles or ())]


class BuyingUnit(OrganisationSnapshot, InvoiceWish):
    """A buying unit: the organisation that buys as a team. Budget lines, approval rules, and
    the requests and orders it owns point at it (``unit`` FKs)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("采购单位")
        verbose_name_plural = _("采购单位")
        ordering = ["pk"]

    def __str__(self):
        return self.org_name

    @property
    def name(self) -> str:
        return self.org_name


class UnitMember(models.Model):
    """A user's place in a unit. A user is an active member of at most one unit."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships"
    )
    roles = models.JSONField(_("角色"), default=list)  # UnitRole values; several per member
    is_active = models.BooleanField(_("启用"), default=True)
    joined_at = models.DateTimeField(_("加入时间"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="buyers_member_once_per_unit"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_active=True), name="buyers_one_active_unit_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.user}"

    def has_role(self, role: str) -> bool:
        return self.is_active and role in (self.roles or [])

    @property
    def is_admin(self) -> bool:
        return self.has_role(UnitRole.ADMIN)

    @property
    def role_labels(self) -> list[str]:
        return role_labels(self.roles)


class UnitInvitation(models.Model):
    """An e-mail invitation: a signed, single-use link valid for 7 days (only its hash is kept)."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("邮箱"))
    roles = models.JSONField(_("角色"), default=list)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("成员邀请")
        verbose_name_plural = _("成员邀请")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.email

    @property
    def role_labels(self) -> list[str]:
        return role_labels(self.roles)


MAX_BUDGET = MAX_AMOUNT  # one budget line, a rule's threshold (shop.core.limits)
MAX_APPROVAL_STEPS = 5


class UnitEvent(AuditEvent):
    """One line of a unit's activity (written in the same transaction as the change)."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(UnitMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(
        UnitInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    budget_line = models.ForeignKey(
        "BudgetLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    approval = models.ForeignKey(
        "ApprovalRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        verbose_name = _("单位事件")
        verbose_name_plural = _("单位事件")

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))

    def save(self, *args, **kwargs):
        # written by shop.core.transitions.transition for a member (event_fk="member"): the
        # unit is the member's, and the member's is_active state is recorded by name
        if self.unit_id is None and self.member is not None:
            self.unit_id = self.member.unit_id
        for name in ("from_status", "to_status"):
            value = getattr(self, name)
            if isinstance(value, bool):
                setattr(self, name, MEMBER_STATES[value])
        super().save(*args, **kwargs)


MEMBER_STATES = {True: "active", False: "inactive"}
# a member's is_active as a guarded transition (shop.core.transitions)
MEMBER_MOVES = {True: {False}, False: {True}}
MEMBER_STATE_LABELS = {True: _("启用"), False: _("已停用")}

EVENT_LABELS = {
    "unit_created": _("创建采购单位"),
    "unit_migrated": _("由原采购单位资料迁移"),
    "member_invited": _("邀请成员"),
    "member_added": _("添加成员"),
    "invitation_accepted": _("接受邀请加入"),
    "roles_changed": _("调整角色"),
    "member_deactivated": _("停用成员"),
    "member_reactivated": _("重新启用成员"),
}


# --- budgets (采购计划 / 预算) -----------------------------------------------------------------------


class FundNature(models.TextChoices):
    FISCAL = "fiscal", _("财政资金")
    OWN = "own", _("自有资金")
    OTHER = "other", _("其他")


class BudgetLine(models.Model):
    """One budget line of a unit. ``committed`` and ``spent`` are kept in step with the line's
    commitments under the line's row lock; a CHECK constraint keeps ``committed + spent`` within
    ``amount`` whatever writes the row, so a line can never go below zero."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="budget_lines")
    name = models.CharField(_("预算名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("预算年度"))
    amount = models.DecimalField(_("预算金额"), max_digits=14, decimal_places=2)
    fund_nature = models.CharField(_("资金性质"), max_length=8, choices=FundNature.choices)
    category = models.ForeignKey(
        "catalogue.Category",
        verbose_name=_("品目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    committed = models.DecimalField(_("已占用"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("已支付"), max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "name"], name="buyers_budget_name_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=MAX_BUDGET), name="buyers_budget_amount_range"
            ),
            models.CheckConstraint(
                condition=models.Q(committed__gte=0, spent__gte=0), name="buyers_budget_figures_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("committed") + models.F("spent")),
                name="buyers_budget_never_overspent",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"

    @property
    def available(self):
        return self.amount - self.committed - self.spent


class DocumentKind(models.TextChoices):
    ORDER = "order", _("直购订单")
    QUOTE = "quote", _("询价成交")
    OEM = "oem", _("OEM 定制")
    SOURCING = "sourcing", _("采购项目")


class BudgetCommitment(models.Model):
    """The share of a budget line one document holds: ``amount`` = committed + spent + released.
    Amounts move committed → spent (payment) or committed → released (rejection, cancellation,
    expiry)."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(_("单据类型"), max_length=12, choices=DocumentKind.choices)
    number = models.CharField(_("单据号"), max_length=32)
    title = models.CharField(_("摘要"), max_length=200, blank=True)
    order = models.ForeignKey(
        "order.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="budget_commitments"
    )
    approval = models.ForeignKey(
        "ApprovalRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    committed = models.DecimalField(_("占用中"), max_digits=14, decimal_places=2)
    spent = models.DecimalField(_("已支付"), max_digits=14, decimal_places=2, default=0)
    released = models.DecimalField(_("已释放"), max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("占用时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预算占用")
        verbose_name_plural = _("预算占用")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, committed__gte=0, spent__gte=0, released__gte=0),
                name="buyers_commitment_figures_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("committed") + models.F("spent") + models.F("released")),
                name="buyers_commitment_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def state_label(self) -> str:
        if self.committed:
            return str(_("占用中"))
        if self.spent and not self.released:
            return str(_("已支付"))
        if self.released and not self.spent:
            return str(_("已释放"))
        return str(_("部分支付"))


# --- approval rules and approvals (审批) ----------------------------------------------------------


class ApprovalRule(models.Model):
    """From ``min_amount`` (tax included) up, ``steps`` approvals in order; optionally only for
    one category (and its sub-categories). When several rules apply, the one asking for the most
    steps wins."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="approval_rules")
    min_amount = models.DecimalField(_("起审金额（含税）"), max_digits=14, decimal_places=2)
    steps = models.PositiveSmallIntegerField(_("审批级数"))
    category = models.ForeignKey(
        "catalogue.Category",
        verbose_name=_("品目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批规则")
        verbose_name_plural = _("审批规则")
        ordering = ["min_amount", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__gte=0, min_amount__lte=MAX_BUDGET),
                name="buyers_rule_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(steps__gte=1, steps__lte=MAX_APPROVAL_STEPS),
                name="buyers_rule_steps_range",
            ),
        ]

    def __str__(self):
        return f"≥ ¥{self.min_amount:,.2f}：{self.steps} 级审批"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已失效")


APPROVAL_MOVES = {
    ApprovalStatus.PENDING: {
        ApprovalStatus.APPROVED,
        ApprovalStatus.REJECTED,
        ApprovalStatus.WITHDRAWN,
        ApprovalStatus.CANCELLED,
    },
    ApprovalStatus.APPROVED: set(),
    ApprovalStatus.REJECTED: set(),
    ApprovalStatus.WITHDRAWN: set(),
    ApprovalStatus.CANCELLED: set(),
}


class ApprovalRequest(models.Model):
    """A document waiting for the unit's approval (待审批). What is approved is ``snapshot``
    (lines, prices, quantities, supplier, total); its SHA-256 is ``snapshot_hash``. If the
    document changes, the approval restarts from the first step with the new snapshot."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="approvals")
    number = models.CharField(_("审批单号"), max_length=20, unique=True)
    kind = models.CharField(_("单据类型"), max_length=12, choices=DocumentKind.choices)
    subject_id = models.PositiveBigIntegerField(_("单据编号"))
    subject_number = models.CharField(_("单据号"), max_length=32)
    title = models.CharField(_("事项"), max_length=200)
    amount = models.DecimalField(_("金额（含税）"), max_digits=14, decimal_places=2)
    snapshot = models.JSONField(_("审批内容"), default=dict)
    snapshot_hash = models.CharField(max_length=64)
    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("预算"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(ApprovalRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
        db_index=True,
    )
    steps_required = models.PositiveSmallIntegerField(_("审批级数"))
    steps_done = models.PositiveSmallIntegerField(_("已审批级数"), default=0)
    step_started_at = models.DateTimeField(_("本级开始时间"), default=timezone.now)
    reminded_step = models.PositiveSmallIntegerField(_("已催办级数"), default=0)
    restarts = models.PositiveSmallIntegerField(_("重新审批次数"), default=0)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=models.Q(status="pending"),
                name="buyers_one_pending_approval_per_document",
            ),
            models.CheckConstraint(
                condition=models.Q(steps_required__gte=1, steps_required__lte=MAX_APPROVAL_STEPS),
                name="buyers_approval_steps_range",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def current_step(self) -> int:
        return self.steps_done + 1

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")


class ApprovalDecision(models.Model):
    """One approver's decision on one step, on the snapshot of that moment. Decisions made
    before a restart stay in the record, marked ``superseded``."""

    approval = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField(_("审批级"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("意见"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("审批意见"), blank=True)
    snapshot_hash = models.CharField(max_length=64)
    superseded = models.BooleanField(_("已作废"), default=False)
    created_at = models.DateTimeField(_("审批时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审批意见")
        verbose_name_plural = _("审批意见")
        ordering = ["created_at", "pk"]


EVENT_LABELS.update(
    {
        "budget_created": _("新建预算"),
        "budget_changed": _("调整预算"),
        "budget_committed": _("占用预算"),
        "budget_spent": _("预算支付"),
        "budget_released": _("释放预算"),
        "rule_created": _("新建审批规则"),
        "rule_changed": _("调整审批规则"),
        "approval_submitted": _("提交审批"),
        "approval_step_approved": _("审批通过一级"),
        "approval_approved": _("审批通过"),
        "approval_rejected": _("审批驳回"),
        "approval_withdrawn": _("撤回审批"),
        "approval_cancelled": _("审批失效"),
        "approval_restarted": _("内容变化，重新审批"),
        "approval_reminded": _("催办审批"),
        "work_reassigned": _("转交经办事项"),
    }
)
