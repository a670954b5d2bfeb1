"""Create (or reuse) the three demo accounts of ``make run`` and print their logins.

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

Partner = get_model("partner", "Partner")

MALL_PARTNER_CODE = "xianghui"
MALL_PARTNER_NAME = "湘慧商城自营"

ACCOUNTS = (
    ("buyer", "buyer@xianghui.example", "采购方（长沙市某局）", "buyer"),
    ("vendor", "vendor@xianghui.example", "供应商（湘慧商城自营）", "vendor"),
    ("operator", "operator@xianghui.example", "平台运营", "operator"),
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
        store.write_text(json.dumps(passwords, indent=2))
        store.chmod(0o600)
        self.stdout.write("演示账号（登录：http://127.0.0.1:8000/accounts/login/ ，后台：/dashboard/）")
        for username, email, label, _role in ACCOUNTS:
            self.stdout.write(f"  {label:<16} 邮箱 {email:<28} 密码 {passwords[username]}")
