"""What each unit role may do (the one table the pages, the API and the services read).

A buyer without a unit acts alone, as before units existed: their own requests, orders and
payments are theirs to see and handle. A member acts for the unit: every document the unit
owns is visible to the members whose roles need it, and nobody outside the unit sees any of it.
"""

from dataclasses import dataclass

from django.db.models import Q

from .models import UnitMember, UnitRole

A, H, P, F = UnitRole.ADMIN, UnitRole.HANDLER, UnitRole.APPROVER, UnitRole.FINANCE

# action → (roles allowed, what the refusal says the action is)
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    # purchasing documents: quote requests and their quotes, OEM orders, (later) sourcing
    "purchases.view": (frozenset({A, H, P}), "查看本单位的询价和定制订单"),
    "purchases.act": (frozenset({H}), "提交询价、接受报价或下单"),
    # orders and what is due on them
    "orders.view": (frozenset({A, H, P, F}), "查看本单位的订单"),
    "orders.pay": (frozenset({F}), "为本单位的订单付款"),
    "invoices.handle": (frozenset({F}), "申请和下载本单位的发票"),
    # 履约验收: the unit names others by giving them 经办人
    "acceptance.record": (frozenset({A, H}), "验收本单位的订单"),
    # supplier ratings after 履约验收
    "ratings.give": (frozenset({A, H}), "评价本单位订单的供应商"),
    # the unit itself
    "budgets.view": (frozenset({A, H, P, F}), "查看本单位的预算"),
    "budgets.manage": (frozenset({A, F}), "登记和调整预算"),
    "rules.manage": (frozenset({A}), "设置审批规则"),
    "approvals.view": (frozenset({A, H, P, F}), "查看本单位的审批"),
    "approvals.decide": (frozenset({P}), "审批"),
    "members.manage": (frozenset({A}), "管理成员和角色"),
    # 采购合同: 确认签订 for the unit
    "contracts.confirm": (frozenset({A, H}), "确认签订本单位的采购合同"),
}


def roles_for(action: str) -> frozenset[str]:
    return ACTIONS[action][0]


def member_can(member: UnitMember | None, action: str) -> bool:
    return bool(member and member.is_active and set(member.roles or ()) & roles_for(action))


def refusal(action: str) -> str:
    """The Chinese refusal for a member without the role, naming the roles that may."""
    roles, what = ACTIONS[action]
    labels = dict(UnitRole.choices)
    names = "、".join(str(labels[r]) for r in UnitRole.values if r in roles)
    return f"只有本单位的{names}可以{what}。"


@dataclass(frozen=True)
class BuyerScope:
    """Whose documents a user sees for one action: a unit's (member with the role), their own
    (no unit), or none (a member without the role, or anonymous)."""

    user_id: int | None
    unit_id: int | None
    allowed: bool

    def q(self, *, unit_field: str = "unit", user_field: str = "buyer") -> Q:
        """A filter for a queryset of documents with ``unit`` and ``buyer`` (user) fields."""
        if not self.allowed:
            return Q(pk__in=[])
        if self.unit_id is not None:
            return Q(**{f"{unit_field}_id": self.unit_id})
        return Q(**{f"{user_field}_id": self.user_id, f"{unit_field}__isnull": True})

    def owns(self, *, unit_id: int | None, user_id: int | None) -> bool:
        """Whether one document (its unit id and buyer id) is in this scope."""
        if not self.allowed:
            return False
        if self.unit_id is not None:
            return unit_id == self.unit_id
        return unit_id is None and user_id == self.user_id


def membership(user, *, fresh: bool = False) -> UnitMember | None:
    """The user's active membership. Pages read it once per request (it is cached on the user
    object of the request); services pass ``fresh=True`` and read the database."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = False if fresh else getattr(user, "_xh_unit_member", False)
    if cached is False:
        cached = UnitMember.objects.select_related("unit").filter(user_id=user.pk, is_active=True).first()
        user._xh_unit_member = cached
    return cached


def scope(user, action: str, *, fresh: bool = False) -> BuyerScope:
    if not getattr(user, "is_authenticated", False):
        return BuyerScope(user_id=None, unit_id=None, allowed=False)
    member = membership(user, fresh=fresh)
    if member is None:
        return BuyerScope(user_id=user.pk, unit_id=None, allowed=True)
    return BuyerScope(user_id=user.pk, unit_id=member.unit_id, allowed=member_can(member, action))
