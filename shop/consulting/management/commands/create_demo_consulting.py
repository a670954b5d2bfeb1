"""make run: a 政企咨询服务包 engagement in progress — the demo unit's 经办人 booked 3 days of the
day package (产品比选、采购政策), the consultant (the mall's own vendor account) confirmed it and
the 经办人 ordered it: the contract draft waits for both to confirm, then the consultant hands
in the report. Run again, it adds nothing new while the demo engagement exists."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import BudgetLine, UnitMember
from shop.consulting import selectors, services
from shop.consulting.models import Engagement
from shop.core.exceptions import DomainError

Product = get_model("catalogue", "Product")

CONSULTING_CODE = "XH-CONSULT"  # catalog_fixtures/10_consulting.yaml
NEED = "对比三家会议平板供应商的产品、价格和服务，核查资质证书，给出采购建议（演示）。"


class Command(BaseCommand):
    help = "创建演示的咨询服务预约（已下单，合同待签订）"

    def handle(self, *args, **options):
        handler = (
            UnitMember.objects.filter(user__username="unit-handler", is_active=True)
            .select_related("user", "unit")
            .first()
        )
        consultant = get_user_model().objects.filter(username="vendor").first()
        if handler is None or consultant is None:
            raise CommandError("请先运行 create_demo_accounts（需要演示单位的经办人和演示供应商）。")
        package = Product.objects.filter(upc=CONSULTING_CODE).first()
        if package is None:
            raise CommandError("请先运行 load_catalogue（需要“政企咨询服务包”）。")
        engagement = Engagement.objects.filter(need=NEED).first() or self.create(handler, consultant, package)
        self.stdout.write(
            f"演示咨询服务 {engagement.number}「{engagement.product.get_title()} {engagement.duration_label}」"
            f"{engagement.get_status_display()}（经办人：/consulting/{engagement.number}/，"
            f"供应商：/dashboard/consulting/{engagement.number}/）"
        )

    def create(self, handler, consultant, package) -> Engagement:
        day = next((v for v in selectors.variants(product=package) if selectors.package_of(v) == "天"), None)
        if day is None:
            raise CommandError("“政企咨询服务包”没有按天规格。")
        line = (
            BudgetLine.objects.filter(unit_id=handler.unit_id, year=timezone.localdate().year)
            .order_by("pk")
            .first()
        )
        start = timezone.localdate() + timedelta(days=14)
        for _attempt in range(30):  # the first 3 free days from two weeks on
            try:
                engagement = services.engagement_request(
                    actor=handler.user,
                    product=package,
                    data=services.EngagementInput(
                        variant_id=day.pk,
                        quantity=3,
                        start_date=start,
                        topics=["产品比选", "采购政策"],
                        need=NEED,
                        budget_line_id=line.pk if line else None,
                    ),
                )
                break
            except DomainError as exc:
                if "start_date" not in exc.fields:
                    raise CommandError(exc.message)
                start += timedelta(days=3)
        else:
            raise CommandError("未找到可预约的日期。")
        services.engagement_confirm(
            engagement=engagement,
            actor=consultant,
            unit_price=engagement.list_unit_price,
            note="演示：按目录价确认",
        )
        try:
            services.engagement_order(engagement=engagement, actor=handler.user)
        except DomainError as exc:  # e.g. the demo budget used up: it stays 已确认
            self.stdout.write(f"演示咨询服务未下单：{exc.message}")
        engagement.refresh_from_db()
        return engagement
