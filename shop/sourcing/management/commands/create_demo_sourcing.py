"""make run: three approved demo vendors of the meeting-display category (logins printed), and a
网上询价 and a 反向竞价 of the demo unit in progress, so a newcomer can watch both finish.

The 询价 already has the three vendors' sealed responses and closes in
``--inquiry-minutes``; the 竞价 runs for ``--auction-minutes`` with two bids in (a third vendor
may bid). Celery beat opens and closes them on time; the 成交公告 / 失败公告 follow. Events of an
earlier run that are still open are kept; finished ones are left as they are and new ones made.
Passwords are kept in var/demo-accounts.json with the other demo accounts (never in code);
contact numbers of the demo applications are made up at random, marked 演示."""

import json
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import UnitMember
from shop.core.validators import uscc_check_character
from shop.sourcing import services
from shop.sourcing.models import ES, Mode, SourcingEvent
from shop.sourcing.services import LineSpec

Partner = get_model("partner", "Partner")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

CATEGORY_CODE = "meeting-displays"  # 党政企会议/教育一体机 (catalog_fixtures/01_meeting_displays.yaml)
DEMO_VENDORS = (
    ("demo-vendor-1", "vendor1@xianghui.example", "星城智慧科技（演示）", "91430100MA0000011"),
    ("demo-vendor-2", "vendor2@xianghui.example", "麓谷视讯设备（演示）", "91430100MA0000012"),
    ("demo-vendor-3", "vendor3@xianghui.example", "湘江会议系统（演示）", "91430100MA0000013"),
)
INQUIRY_TITLE = "示范局会议室一体机采购（演示询价）"
AUCTION_TITLE = "示范局培训教室一体机采购（演示竞价）"


class Command(BaseCommand):
    help = "创建三家演示供应商，以及演示单位进行中的网上询价和反向竞价"

    def add_arguments(self, parser):
        parser.add_argument("--inquiry-minutes", type=int, default=15)
        parser.add_argument("--auction-minutes", type=int, default=20)

    def handle(self, *args, **options):
        store = Path(settings.VAR_DIR) / "demo-accounts.json"
        passwords = json.loads(store.read_text()) if store.exists() else {}
        category = self.category()
        handler = (
            UnitMember.objects.filter(user__username="unit-handler", is_active=True)
            .select_related("user")
            .first()
        )
        if handler is None:
            raise CommandError("请先运行 create_demo_accounts（需要演示采购单位的经办人）。")
        with transaction.atomic():
            vendors = [self.vendor(passwords, category, *spec) for spec in DEMO_VENDORS]
        store.write_text(json.dumps(passwords, indent=2))
        store.chmod(0o600)
        product = Product.objects.filter(categories=category, parent__isnull=True).order_by("pk").first()
        from shop.buyers.models import BudgetLine

        self.budget_line = (
            BudgetLine.objects.filter(unit_id=handler.unit_id, year=timezone.localdate().year)
            .order_by("pk")
            .first()
        )
        inquiry = self.inquiry(handler.user, category, product, vendors, options["inquiry_minutes"])
        auction = self.auction(handler.user, category, product, vendors, options["auction_minutes"])
        self.stdout.write("演示供应商（网上询价、反向竞价：/dashboard/sourcing/）")
        for username, email, name, _uscc in DEMO_VENDORS:
            self.stdout.write(f"  {name:<14} 邮箱 {email:<28} 密码 {passwords[username]}")
        for event in (inquiry, auction):
            self.stdout.write(
                f"演示{event.get_mode_display()} {event.number}「{event.title}」"
                f"截止 {timezone.localtime(event.deadline):%H:%M}（经办人：/sourcing/{event.number}/，公告：/notices/）"
            )

    def category(self):
        category = (
            Category.objects.filter(slug=CATEGORY_CODE).first()
            or Category.objects.filter(name="党政企会议/教育一体机").first()
        )
        if category is None:
            raise CommandError("请先运行 load_catalogue（需要“党政企会议/教育一体机”品目）。")
        return category

    def vendor(self, passwords, category, username, email, name, uscc17):
        from shop.vendors.models import ApplicationStatus, VendorApplication

        User = get_user_model()
        password = passwords.get(username) or secrets.token_urlsafe(9)
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created or not user.check_password(password):
            user.set_password(password)
        user.email = email
        user.save()
        passwords[username] = password
        partner, _ = Partner.objects.get_or_create(code=username, defaults={"name": name})
        partner.users.add(user)
        user.user_permissions.add(
            Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
        )
        application = VendorApplication.objects.filter(partner=partner).first()
        if application is None:
            application = VendorApplication(
                user=user,
                company_name=name,
                uscc=uscc17 + uscc_check_character(uscc17),
                legal_representative="演示法人",
                contact_name="演示联系人",
                mobile="199" + "".join(secrets.choice("0123456789") for _ in range(8)),  # made up
                email=email,
                business_scope="会议平板、教育一体机的销售与安装（演示）",
                status=ApplicationStatus.APPROVED,
                partner=partner,
                licence_name="营业执照（演示）.pdf",
                licence_kind="pdf",
            )
            application.licence.save(
                "demo-licence.pdf", ContentFile(b"%PDF-1.4\n% demo licence\n"), save=False
            )
            application.save()
        application.categories.add(category)
        return partner, user

    def _lines(self, product):
        return [
            LineSpec(
                title=product.get_title() if product else "86 寸会议一体机",
                quantity=4,
                unit="台",
                product=product,
            ),
            LineSpec(title="移动支架", quantity=4, unit="套", spec="可升降，带万向轮"),
        ]

    def inquiry(self, handler, category, product, vendors, minutes):
        open_one = SourcingEvent.objects.filter(title=INQUIRY_TITLE, status=ES.OPEN).first()
        if open_one is not None:
            return open_one
        now = timezone.now()
        event = services.sourcing_publish(
            actor=handler,
            mode=Mode.INQUIRY,
            title=INQUIRY_TITLE,
            category=category,
            lines=self._lines(product),
            delivery_place="长沙市岳麓区示范局机关大楼",
            delivery_date=(now + timedelta(days=30)).date(),
            deadline=now + timedelta(minutes=max(minutes, settings.SOURCING_MIN_RESPONSE_MINUTES)),
            invited_partner_ids=[p.pk for p, _u in vendors],
            max_total=Decimal("120000.00"),
            qualifications="具备会议显示设备的销售与安装能力（演示）",
            budget_line_id=getattr(self.budget_line, "pk", None),
        )
        lines = list(event.lines.order_by("sequence"))
        for (partner, user), (panel, stand) in zip(
            vendors, (("23800.00", "1200.00"), ("23500.00", "1350.00"), ("24200.00", "980.00")), strict=True
        ):
            services.response_submit(
                event=event,
                actor=user,
                prices={lines[0].pk: panel, lines[1].pk: stand},
                delivery_days=15,
                partner_id=partner.pk,
            )
        return event

    def auction(self, handler, category, product, vendors, minutes):
        open_one = SourcingEvent.objects.filter(title=AUCTION_TITLE, status=ES.OPEN).first()
        if open_one is not None:
            return open_one
        now = timezone.now()
        event = services.sourcing_publish(
            actor=handler,
            mode=Mode.AUCTION,
            title=AUCTION_TITLE,
            category=category,
            lines=self._lines(product),
            delivery_place="长沙市岳麓区示范局培训中心",
            delivery_date=(now + timedelta(days=30)).date(),
            starts_at=now,
            deadline=now + timedelta(minutes=minutes),
            invited_partner_ids=[p.pk for p, _u in vendors],
            start_price="110000.00",
            decrement="500.00",
            budget_line_id=getattr(self.budget_line, "pk", None),
        )
        for (partner, user), amount in zip(vendors[:2], ("106000.00", "105500.00"), strict=False):
            services.bid_place(event=event, actor=user, amount=amount, partner_id=partner.pk)
        return event
