"""Writes of the buyers app: the organisation a buyer last used, and buying units (采购单位)
with their members, roles and invitations.

Every member change locks the unit row first (``select_for_update``), so two changes to one
unit run one after the other and the "at least one 管理员" rule cannot be raced; each change
writes one ``UnitEvent`` in the same transaction. Refusals are ``DomainError``s in Chinese and
change nothing."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.core.mail import mail_queue
from shop.core.transitions import transition

from ..models import (
    INVOICE_FIELDS,
    MEMBER_MOVES,
    MEMBER_STATE_LABELS,
    ORG_FIELDS,
    ROLE_ORDER,
    BuyerOrganisation,
    BuyingUnit,
    UnitEvent,
    UnitInvitation,
    UnitMember,
    UnitRole,
)
from .approvals import approval_rules_default

__all__ = [
    "buyer_organisation_remember",
    "clean_roles",
    "documents_adopt",
    "unit_create",
    "unit_member_add",
    "invitation_url",
    "member_invite",
    "invitation_for_token",
    "invitation_accept",
    "member_roles_set",
    "user_sessions_end",
    "member_deactivate",
    "member_reactivate",
    "unit_work_reassign",
    "INVITATION_DAYS",
    "MSG_OTHER_UNIT",
    "MSG_ALREADY_IN_UNIT",
    "MSG_LAST_ADMIN",
    "MSG_NOT_ADMIN",
    "MSG_EXPIRED",
    "MSG_USED",
    "MSG_BAD_LINK",
]

INVITATION_DAYS = 7
_SIGNER_SALT = "shop.buyers.invitation"

MSG_OTHER_UNIT = "该邮箱已属于其他采购单位。"
MSG_ALREADY_IN_UNIT = "您已是采购单位“{}”的成员，一个账号只能属于一个采购单位。"
MSG_LAST_ADMIN = "单位至少需要一名管理员。"
MSG_NOT_ADMIN = "只有本单位管理员可以执行此操作。"
MSG_EXPIRED = "邀请链接已过期。"
MSG_USED = "邀请链接已使用。"
MSG_BAD_LINK = "邀请链接无效。"


def buyer_organisation_remember(*, user, data: dict) -> BuyerOrganisation:
    """Store the organisation and invoice wishes a buyer just used, for the next request."""
    values = {f: data.get(f, "") or "" for f in ORG_FIELDS + INVOICE_FIELDS}
    org, _ = BuyerOrganisation.objects.update_or_create(user=user, defaults=values)
    return org


# --- helpers -------------------------------------------------------------------------------------


def clean_roles(roles) -> list[str]:
    """Known role codes, each once, in their fixed order; at least one."""
    given = {str(r) for r in (roles or [])}
    unknown = given - set(ROLE_ORDER)
    if unknown:
        raise Invalid("未知的角色：{}。".format("、".join(sorted(unknown))), fields={"roles": "未知的角色。"})
    if not given:
        raise Invalid("请至少选择一个角色。", fields={"roles": "请至少选择一个角色。"})
    return [r for r in ROLE_ORDER if r in given]


def _lock_unit(unit_id: int) -> BuyingUnit:
    try:
        return BuyingUnit.objects.select_for_update().get(pk=unit_id)
    except BuyingUnit.DoesNotExist:
        raise NotFound("采购单位不存在。")


def _admin_of(unit: BuyingUnit, actor) -> UnitMember:
    """The actor's active membership of ``unit`` with the 管理员 role, or a refusal."""
    member = (
        UnitMember.objects.filter(unit=unit, user_id=getattr(actor, "pk", None), is_active=True).first()
        if getattr(actor, "pk", None)
        else None
    )
    if member is None:
        raise NotFound("采购单位不存在。")
    if UnitRole.ADMIN not in member.roles:
        raise PermissionDenied(MSG_NOT_ADMIN)
    return member


def _active_membership(user_id) -> UnitMember | None:
    return UnitMember.objects.select_related("unit").filter(user_id=user_id, is_active=True).first()


def _event(*, unit, kind, actor=None, member=None, invitation=None, from_status="", to_status="", note=""):
    return UnitEvent.objects.create(
        unit=unit,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        member=member,
        invitation=invitation,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _other_admins(unit: BuyingUnit, member: UnitMember) -> int:
    return sum(
        1
        for roles in UnitMember.objects.filter(unit=unit, is_active=True)
        .exclude(pk=member.pk)
        .values_list("roles", flat=True)
        if UnitRole.ADMIN in roles
    )


# --- units ---------------------------------------------------------------------------------------


def unit_create(*, user, data: dict) -> BuyingUnit:
    """A buyer creates a unit and becomes its 管理员 and 经办人."""
    values = {f: (data.get(f) or "") for f in ORG_FIELDS + INVOICE_FIELDS}
    values["org_uscc"] = str(values["org_uscc"]).strip().upper()
    unit = BuyingUnit(**values)
    try:
        unit.full_clean()
    except ValidationError as exc:
        raise Invalid("采购单位资料有误，请检查后重新提交。", fields=exc.message_dict)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)  # one unit per user, even twice at once
        existing = _active_membership(user.pk)
        if existing is not None:
            raise Conflict(MSG_ALREADY_IN_UNIT.format(existing.unit.org_name))
        unit.save()
        member = UnitMember.objects.create(unit=unit, user=user, roles=[UnitRole.ADMIN, UnitRole.HANDLER])
        documents_adopt(unit=unit, user_id=user.pk)
        _event(
            unit=unit, kind="unit_created", actor=user, member=member, to_status="active", note=unit.org_name
        )
        approval_rules_default(unit=unit)
    return unit


def unit_member_add(*, unit: BuyingUnit, user, roles: list[str], actor=None) -> UnitMember:
    """Put an existing account straight into a unit (demo data, operators); members otherwise
    join by invitation. Refused when the user is active in another unit."""
    roles = clean_roles(roles)
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        get_user_model().objects.select_for_update().get(pk=user.pk)
        existing = _active_membership(user.pk)
        if existing is not None:
            if existing.unit_id != unit.pk:
                raise Conflict(MSG_OTHER_UNIT)
            return existing
        member, _created = UnitMember.objects.update_or_create(
            unit=unit, user=user, defaults={"roles": roles, "is_active": True, "deactivated_at": None}
        )
        _event(
            unit=unit, kind="member_added", actor=actor, member=member, to_status="active", note=user.email
        )
    return member


# --- invitations ---------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.MALL_SITE_URL.rstrip("/") + reverse("buyers:invitation", args=[token])


def member_invite(*, unit: BuyingUnit, actor, email: str, roles: list[str]) -> tuple[UnitInvitation, str]:
    """An administrator invites ``email``; returns the invitation and its link token (sent by
    e-mail through the outbox in the same transaction; only the token's hash is stored)."""
    email = (email or "").strip()
    if not email or "@" not in email:
        raise Invalid("请填写有效的邮箱地址。", fields={"email": "请填写有效的邮箱地址。"})
    roles = clean_roles(roles)
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        _admin_of(unit, actor)
        active = UnitMember.objects.filter(user__email__iexact=email, is_active=True).select_related("unit")
        for member in active:
            if member.unit_id != unit.pk:
                raise Conflict(MSG_OTHER_UNIT, fields={"email": MSG_OTHER_UNIT})
            raise Conflict("该邮箱已是本单位成员。", fields={"email": "该邮箱已是本单位成员。"})
        raw = secrets.token_urlsafe(24)
        token = Signer(salt=_SIGNER_SALT).sign(raw)
        now = timezone.now()
        invitation = UnitInvitation.objects.create(
            unit=unit,
            email=email,
            roles=roles,
            invited_by=actor,
            token_hash=_token_hash(raw),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        _event(
            unit=unit,
            kind="member_invited",
            actor=actor,
            invitation=invitation,
            to_status="pending",
            note=f"{email}（{'、'.join(invitation.role_labels)}）",
        )
        context = {"unit": unit, "invitation": invitation, "url": invitation_url(token), "inviter": actor}
        mail_queue(
            to=[email],
            subject=render_to_string("buyers/email/invitation_subject.txt", context),
            body=render_to_string("buyers/email/invitation_body.txt", context),
            dedupe_key=f"buyers:invitation:{invitation.pk}",
        )
    return invitation, token


def invitation_for_token(*, token: str, lock: bool = False) -> UnitInvitation:
    """The invitation a link names, or a refusal (bad signature, unknown, used, expired)."""
    try:
        raw = Signer(salt=_SIGNER_SALT).unsign(str(token or ""))
    except BadSignature:
        raise NotFound(MSG_BAD_LINK)
    qs = UnitInvitation.objects.select_related("unit")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(token_hash=_token_hash(raw)).first()
    if invitation is None:
        raise NotFound(MSG_BAD_LINK)
    if invitation.accepted_at is not None:
        raise Conflict(MSG_USED)
    if invitation.expires_at <= timezone.now():
        raise Conflict(MSG_EXPIRED)
    return invitation


def invitation_accept(*, token: str, user=None, full_name: str = "", password: str = "") -> UnitMember:
    """Accept an invitation: a signed-in user whose e-mail is the invited one is linked; a
    visitor gets a new account (name + password) for that e-mail. Single use."""
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_for_token(token=token, lock=True)
        unit = _lock_unit(invitation.unit_id)
        if user is not None and getattr(user, "is_authenticated", False):
            if (user.email or "").strip().lower() != invitation.email.strip().lower():
                raise PermissionDenied(f"该邀请发给 {invitation.email}，请使用该邮箱的账号登录后接受。")
            account = User.objects.select_for_update().get(pk=user.pk)
        else:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise Conflict("该邮箱已有账号，请先登录再接受邀请。")
            full_name = (full_name or "").strip()
            if not full_name:
                raise Invalid("请填写姓名。", fields={"full_name": "请填写姓名。"})
            if len(password or "") < 8:
                raise Invalid("密码至少 8 位。", fields={"password": "密码至少 8 位。"})
            from oscar.apps.customer.forms import generate_username

            account = User(username=generate_username(), email=invitation.email, first_name=full_name[:150])
            account.set_password(password)
            account.save()
        existing = _active_membership(account.pk)
        if existing is not None:
            raise Conflict(MSG_OTHER_UNIT if existing.unit_id != unit.pk else "您已是本单位成员。")
        now = timezone.now()
        member = UnitMember.objects.filter(unit=unit, user=account).first()
        if member is None:
            member = UnitMember.objects.create(unit=unit, user=account, roles=invitation.roles)
        else:  # a former member invited again
            member.roles, member.is_active, member.deactivated_at = invitation.roles, True, None
            member.save(update_fields=["roles", "is_active", "deactivated_at"])
        invitation.accepted_at, invitation.accepted_by = now, account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        _event(
            unit=unit,
            kind="invitation_accepted",
            actor=account,
            member=member,
            invitation=invitation,
            from_status="pending",
            to_status="accepted",
            note=invitation.email,
        )
    return member


# --- members -------------------------------------------------------------------------------------


def _lock_member(unit: BuyingUnit, member_id: int) -> UnitMember:
    member = UnitMember.objects.select_for_update().filter(unit=unit, pk=member_id).first()
    if member is None:
        raise NotFound("该成员不存在。")
    return member


def member_roles_set(*, member: UnitMember, actor, roles: list[str]) -> UnitMember:
    roles = clean_roles(roles)
    with transaction.atomic():
        unit = _lock_unit(member.unit_id)
        _admin_of(unit, actor)
        locked = _lock_member(unit, member.pk)
        if not locked.is_active:
            raise Conflict("该成员已停用，请先重新启用。")
        if UnitRole.ADMIN in locked.roles and UnitRole.ADMIN not in roles and not _other_admins(unit, locked):
            raise Conflict(MSG_LAST_ADMIN)
        if roles == locked.roles:
            return locked
        before = "、".join(locked.role_labels)
        locked.roles = roles
        locked.save(update_fields=["roles"])
        _event(
            unit=unit,
            kind="roles_changed",
            actor=actor,
            member=locked,
            note=f"{locked.user.email}：{before} → {'、'.join(locked.role_labels)}",
        )
    return locked


def user_sessions_end(*, user_id: int) -> int:
    """Sign a user out everywhere: every session of theirs is deleted from the database and
    from the session cache (``cached_db`` engine), so the next request is anonymous."""
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            engine.SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


def _member_move(member: UnitMember, *, to: bool, actor, kind: str, extra: dict) -> UnitMember:
    """A member's is_active as a guarded transition with its one UnitEvent."""
    return transition(
        obj=member,
        to=to,
        allowed=MEMBER_MOVES,
        labels=MEMBER_STATE_LABELS,
        event_model=UnitEvent,
        event_fk="member",
        actor=actor,
        kind=kind,
        note=member.user.email,
        status_field="is_active",
        extra_updates=extra,
    )


def member_deactivate(*, member: UnitMember, actor) -> UnitMember:
    """The member loses access at once (their sessions end); their work stays with the unit."""
    with transaction.atomic():
        unit = _lock_unit(member.unit_id)
        _admin_of(unit, actor)
        locked = _lock_member(unit, member.pk)
        if locked.is_active and UnitRole.ADMIN in locked.roles and not _other_admins(unit, locked):
            raise Conflict(MSG_LAST_ADMIN)
        locked = _member_move(
            locked, to=False, actor=actor, kind="member_deactivated", extra={"deactivated_at": timezone.now()}
        )
        user_sessions_end(user_id=locked.user_id)  # a rollback keeps them signed out: harmless
    return locked


def member_reactivate(*, member: UnitMember, actor) -> UnitMember:
    with transaction.atomic():
        unit = _lock_unit(member.unit_id)
        _admin_of(unit, actor)
        locked = _lock_member(unit, member.pk)
        get_user_model().objects.select_for_update().get(pk=locked.user_id)
        elsewhere = _active_membership(locked.user_id)
        if elsewhere is not None and elsewhere.pk != locked.pk:
            raise Conflict(MSG_OTHER_UNIT)
        locked = _member_move(
            locked, to=True, actor=actor, kind="member_reactivated", extra={"deactivated_at": None}
        )
    return locked


# --- documents -----------------------------------------------------------------------------------


def documents_adopt(*, unit: BuyingUnit, user_id: int) -> int:
    """A buyer who founds a unit brings their own documents into it (requests, OEM orders,
    orders): from now on the unit's members see them by role. Returns how many moved."""
    from django.apps import apps

    moved = 0
    for label, field in (("quotes.QuoteRequest", "buyer_id"), ("oem.OemOrder", "buyer_id")):
        moved += apps.get_model(label).objects.filter(**{field: user_id}, unit__isnull=True).update(unit=unit)
    moved += (
        apps.get_model("payments.OrderOrigin")
        .objects.filter(order__user_id=user_id, unit__isnull=True)
        .update(unit=unit)
    )
    return moved


def unit_work_reassign(*, unit: BuyingUnit, actor, from_member: UnitMember, to_member: UnitMember) -> int:
    """The 管理员 hands a (deactivated or leaving) member's open work to another 经办人: open
    quote requests and OEM orders, and approvals they submitted that still wait. Returns the
    number of documents moved."""
    from django.apps import apps

    from shop.oem.models import OemStatus
    from shop.quotes.models import OPEN_REQUEST_STATUSES, RequestStatus

    from ..models import ApprovalRequest, ApprovalStatus

    with transaction.atomic():
        locked_unit = _lock_unit(unit.pk)
        _admin_of(locked_unit, actor)
        source = _lock_member(locked_unit, from_member.pk)
        target = _lock_member(locked_unit, to_member.pk)
        if source.pk == target.pk:
            raise Invalid("请选择另一名成员接手。", fields={"to_member": "请选择另一名成员接手。"})
        if not target.is_active or UnitRole.HANDLER not in target.roles:
            raise Conflict(
                "接手人必须是本单位在职的经办人。", fields={"to_member": "接手人必须是在职的经办人。"}
            )
        QuoteRequest = apps.get_model("quotes", "QuoteRequest")
        OemOrder = apps.get_model("oem", "OemOrder")
        open_requests = (*OPEN_REQUEST_STATUSES, RequestStatus.ACCEPTED)
        finished = (OemStatus.COMPLETED, OemStatus.REJECTED, OemStatus.CANCELLED)
        moved = QuoteRequest.objects.filter(
            unit=locked_unit, buyer_id=source.user_id, status__in=open_requests
        ).update(buyer_id=target.user_id)
        moved += (
            OemOrder.objects.filter(unit=locked_unit, buyer_id=source.user_id)
            .exclude(status__in=finished)
            .update(buyer_id=target.user_id)
        )
        moved += ApprovalRequest.objects.filter(
            unit=locked_unit, submitted_by_id=source.user_id, status=ApprovalStatus.PENDING
        ).update(submitted_by_id=target.user_id)
        _event(
            unit=locked_unit,
            kind="work_reassigned",
            actor=actor,
            member=target,
            note=f"{source.user.email} → {target.user.email}：{moved} 项",
        )
    return moved
