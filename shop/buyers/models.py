"""The buyer's organisation and invoice wishes, shared by quote requests and OEM orders.

``BuyerOrganisation`` is what a buyer's account remembers for the next request; requests and
orders keep their own snapshot (``OrganisationSnapshot`` + ``InvoiceWish`` fields) so a later
change of the organisation never rewrites history."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class UnitEvent(AuditEvent):
    """One line of a unit's activity (written in the same transaction as the change)."""

    unit = models.ForeignKey(BuyingUnit, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(UnitMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(
        UnitInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
