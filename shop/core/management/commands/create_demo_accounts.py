"""Create (or reuse) the demo accounts of ``make run`` and print their logins: a buyer, a
vendor, an operator, and a demo government buying unit (党政机关) with four members, one per
role (管理员, 经办人, 审批人, 财务).

Passwords are generated on first run and kept in var/demo-accounts.json (never in code)."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from oscar.core.loading import get_model

from shop.buyers.models import role_labels
from shop.core.validators import uscc_check_character

Partner = get_model("partner", "Partner")

MALL_PARTNER_CODE = "xianghui"
MALL_PARTNER_NAME = "湘慧商城自营"

ACCOUNTS = (
    ("buyer", "buyer@xianghui.example", "采购方（长沙市某局）", "buyer"),
    ("vendor", "vendor@xianghui.example", "供应商（湘慧商城自营）", "vendor"),
    ("operator", "operator@xianghui.example", "平台运营", "operator"),
)

DEMO_UNIT = {
    "org_name": "长沙市示范局（演示单位）",
    "org_uscc": "11430100MB0000001",  # + the GB 32100 check character
    "org_type": "party_gov",
    "province": "湖南省",
    "city": "长沙市",
    "county": "岳麓区",
    "invoice_type": "normal",
    "invoice_title": "长沙市示范局（演示单位）",
}
# the demo unit's budget lines this year: name, amount (yuan), 资金性质
DEMO_BUDGET = (
    ("信息化设备购置", "600000.00", "fiscal"),
    ("会议室音视频改造", "200000.00", "own"),
)
# username, e-mail, roles
UNIT_ACCOUNTS = (
    ("unit-admin", "unit-admin@xianghui.example", ["admin"]),
    ("unit-handler", "unit-handler@xianghui.example", ["handler"]),
    ("unit-approver", "unit-approver@xianghui.example", ["approver"]),
    ("unit-finance", "unit-finance@xianghui.example", ["finance"]),
)


class Command(BaseCommand):
    help = "创建演示账号（采购方、供应商、运营），重复运行不会重复创建"

    def handle(self, *args, **options):
        store = Path(settings.VAR_DIR) / "demo-accounts.json"
        store.parent.mkdir(parents=True, exist_ok=True)
        passwords = json.loads(store.read_text()) if store.exists() else {}
        User = get_user_model()
        with transaction.atomic():
            partner, _ = Partner.objects.get_or_create(
                code=MALL_PARTNER_CODE, defaults={"name": MALL_PARTNER_NAME}
            )
            for username, email, _label, role in ACCOUNTS:
                password = passwords.get(username) or secrets.token_urlsafe(9)
                user, created = User.objects.get_or_create(username=username, defaults={"email": email})
                if created or not user.check_password(password):
                    user.set_password(password)
                user.email = email
                user.is_staff = role == "operator"
                user.is_superuser = role == "operator"
                user.save()
                if role == "vendor":
                    user.user_permissions.add(
                        Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
                    )
                    partner.users.add(user)
                passwords[username] = password
            for username, email, _roles in UNIT_ACCOUNTS:
                password = passwords.get(username) or secrets.token_urlsafe(9)
                user, created = User.objects.get_or_create(username=username, defaults={"email": email})
                if created or not user.check_password(password):
                    user.set_password(password)
                user.email = email
                user.save()
                passwords[username] = password
            unit = self.demo_unit(User)
        store.write_text(json.dumps(passwords, indent=2))
        store.chmod(0o600)
        self.stdout.write("演示账号（登录：http://127.0.0.1:8000/accounts/login/ ，后台：/dashboard/）")
        for username, email, label, _role in ACCOUNTS:
            self.stdout.write(f"  {label:<16} 邮箱 {email:<28} 密码 {passwords[username]}")
        self.stdout.write(f"演示采购单位：{unit.org_name}（党政机关，单位工作台：/buyers/unit/）")
        self.stdout.write(
            "  预算两项（信息化设备购置、会议室音视频改造），审批规则：含税 ¥50,000 起需 1 级审批"
        )
        for username, email, roles in UNIT_ACCOUNTS:
            labels = "、".join(role_labels(roles))
            self.stdout.write(f"  {labels:<16} 邮箱 {email:<28} 密码 {passwords[username]}")

    def demo_unit(self, User):
        """The demo unit: its 管理员 creates it, the others are added with one role each."""
        from shop.buyers import services
        from shop.buyers.models import BuyingUnit, UnitMember

        data = dict(DEMO_UNIT, org_uscc=DEMO_UNIT["org_uscc"] + uscc_check_character(DEMO_UNIT["org_uscc"]))
        admin = User.objects.get(username=UNIT_ACCOUNTS[0][0])
        member = UnitMember.objects.filter(user=admin, is_active=True).select_related("unit").first()
        unit = member.unit if member else BuyingUnit.objects.filter(org_uscc=data["org_uscc"]).first()
        if unit is None:
            unit = services.unit_create(user=admin, data=data)
            services.member_roles_set(member=unit.members.get(user=admin), actor=admin, roles=["admin"])
        for username, _email, roles in UNIT_ACCOUNTS[1:]:
            services.unit_member_add(
                unit=unit, user=User.objects.get(username=username), roles=roles, actor=admin
            )
        self.demo_budget(unit=unit, admin=admin)
        return unit

    def demo_budget(self, *, unit, admin):
        """This year's two budget lines of the demo unit (its approval rule is the government
        default: one approval from ¥50,000, made with the unit)."""
        from django.utils import timezone

        from shop.buyers import services
        from shop.buyers.models import BudgetLine

        year = timezone.localdate().year
        for name, amount, nature in DEMO_BUDGET:
            if not BudgetLine.objects.filter(unit=unit, year=year, name=name).exists():
                services.budget_line_create(
                    unit=unit, actor=admin, name=name, year=year, amount=amount, fund_nature=nature
                )
