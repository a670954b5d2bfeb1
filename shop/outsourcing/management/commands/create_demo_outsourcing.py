"""make run: one 人才开发外包 engagement in progress for the demo unit — its 经办人 asked for one
一级 and two 二级开发师 for three months, the mall's own vendor (the ``vendor`` demo account)
proposed three named developers (placeholder CVs marked 演示) and the 经办人 accepted them; the
service is shown as begun 40 days ago, so the first month's work report waits for the 经办人's
acceptance (after both parties confirm the contract online). Run again, it adds nothing while
the demo engagement exists."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import UnitMember
from shop.outsourcing import services
from shop.outsourcing.models import OutsourcingEvent, OutsourcingRequest
from shop.outsourcing.selectors import levels

Product = get_model("catalogue", "Product")

PRODUCT_CODE = "XH-DEV"  # catalog_fixtures/09_developer_outsourcing.yaml
TITLE = "政务服务平台迭代开发（演示）"
PEOPLE = {"一级开发师": ["周一鸣（演示）"], "二级开发师": ["吴思远（演示）", "郑可欣（演示）"]}
STARTED_DAYS_AGO = 40


def _cv(name: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% demo placeholder: {name.encode('unicode_escape').decode()}\n%%EOF\n".encode()
    return SimpleUploadedFile(f"{name}简历.pdf", body)


class Command(BaseCommand):
    help = "创建演示单位进行中的人才开发外包（已确认人选，第 1 个月工作量待验收）"

    def handle(self, *args, **options):
        handler = (
            UnitMember.objects.filter(user__username="unit-handler", is_active=True)
            .select_related("user")
            .first()
        )
        vendor = get_user_model().objects.filter(username="vendor").first()
        product = Product.objects.filter(upc=PRODUCT_CODE).first()
        if handler is None or vendor is None:
            raise CommandError("请先运行 create_demo_accounts（需要演示单位的经办人和供应商）。")
        if product is None:
            raise CommandError("请先运行 load_catalogue（需要“人才开发外包”）。")
        existing = OutsourcingRequest.objects.filter(title=TITLE, unit_id=handler.unit_id).first()
        if existing is None:
            existing = self.engagement(handler.user, vendor, product)
        self.stdout.write(
            f"演示人才外包 {existing.number}「{existing.title}」{existing.get_status_display()}"
            f"（经办人：/outsourcing/{existing.number}/，供应商：/dashboard/outsourcing/{existing.number}/）"
        )

    def budget_line_id(self, user):
        """The demo unit's first budget line of this year (the 经办人 names one)."""
        from django.utils import timezone

        from shop.buyers.models import BudgetLine

        member = UnitMember.objects.filter(user=user, is_active=True).first()
        line = (
            BudgetLine.objects.filter(unit_id=member.unit_id, year=timezone.localdate().year)
            .order_by("pk")
            .first()
        )
        return line.pk if line else None

    def approve(self, request):
        """The engagement reaches the unit's approval rule: the demo 审批人 approves it."""
        from shop.buyers.models import ApprovalRequest
        from shop.buyers.services import approval_decide

        approval = ApprovalRequest.objects.filter(kind="order", subject_id=request.order_id).first()
        approver = UnitMember.objects.filter(user__username="unit-approver", is_active=True).first()
        if approval is not None and approver is not None and approval.status == "pending":
            approval_decide(
                approval=approval, actor=approver.user, decision="approve", comment="同意（演示）"
            )

    def engagement(self, user, vendor, product):
        by_name = {level.level_name: level for level in levels(product=product)}
        missing = [name for name in PEOPLE if name not in by_name]
        if missing:
            raise CommandError(f"目录中缺少级别：{'、'.join(missing)}。")
        today = timezone.localdate()
        with transaction.atomic():
            request = services.outsourcing_request_submit(
                actor=user,
                product=product,
                data=services.RequestInput(
                    title=TITLE,
                    lines=[(by_name[name].pk, len(people)) for name, people in PEOPLE.items()],
                    months=3,
                    start_date=today + timedelta(days=1),
                    place="on_site",
                    city="长沙市",
                    skills="Java / Spring Boot、Vue、政务服务事项梳理经验（演示）",
                ),
            )
            lines = {line.level_name: line for line in request.lines.all()}
            proposal = services.proposal_submit(
                actor=vendor,
                request=request,
                data=services.ProposalInput(
                    rates={lines[name].pk: by_name[name].floor for name in PEOPLE},
                    profiles=[
                        services.ProfileInput(
                            line_id=lines[name].pk,
                            name=person,
                            years=9 - 3 * i,
                            skills="Java、Vue（演示）",
                            cv=_cv(person),
                        )
                        for name, people in PEOPLE.items()
                        for i, person in enumerate(people)
                    ],
                    note="三人均可在开始日到岗（演示）",
                ),
            )
            request = services.proposal_accept(
                actor=user, proposal=proposal, budget_line_id=self.budget_line_id(user)
            )
            self.approve(request)
            # the demo shows a service under way: it began 40 days ago, so month 1 is over
            started = today - timedelta(days=STARTED_DAYS_AGO)
            OutsourcingRequest.objects.filter(pk=request.pk).update(start_date=started)
            OutsourcingEvent.objects.create(
                request=request,
                kind="demo",
                note=f"演示：服务按 {started:%Y-%m-%d} 开始展示（第 1 个月已结束）",
            )
            request.refresh_from_db()
            month = services.month_facts(request, 1)
            days = {}
            for i, profile in enumerate(request.accepted_proposal.profiles.order_by("pk")):
                absent = 1 if i == 1 else 0
                days[profile.pk] = (month["served_workdays"] - absent, absent)
            services.report_submit(
                actor=vendor, request=request, month=1, days=days, note="需求梳理与首批功能交付（演示）"
            )
        return request
