"""make run: six awarded orders of the demo unit, one at each stage after the award, so a
newcomer sees the whole chain: 合同待确认, 已交付待验收, 已验收待付款, 已逾期, 已付款, 已评价.

Each comes from a real demo 网上询价 (three sealed responses, opened, award confirmed), then
moves on through the same services the pages use: both parties confirm the contract, the vendor
ships, the 经办人 accepts, the 财务 transfers to the vendor's own verified 对公账户 and the vendor
confirms receipt, the 经办人 rates the supplier. The overdue one was accepted 45 days ago (its
acceptance and due date are set back; marked 演示). Needs create_demo_accounts and
create_demo_sourcing first. Runs once: an earlier run's orders are listed again, not repeated.
The demo vendor's bank account number is made up at random, marked 演示."""

import io
import secrets
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import BudgetLine, UnitMember
from shop.contracts.models import Contract, ContractVersion
from shop.contracts.services import contract_confirm, contract_ensure, contract_version_render
from shop.credit.services import rating_give
from shop.fulfilment.models import Fulfilment
from shop.fulfilment.services import acceptance_record, delivery_record
from shop.payments import selectors as payment_selectors
from shop.payments.models import PaymentStage, VendorBankAccount
from shop.payments.services import (
    bank_account_review,
    bank_account_submit,
    bank_transfer_confirm,
    bank_transfer_submit,
    payment_due_date,
    registered_company_name,
)
from shop.sourcing import services as sourcing
from shop.sourcing.models import ES, Mode, SourcingEvent
from shop.sourcing.services import LineSpec

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
User = get_user_model()

CATEGORY_CODE = "meeting-displays"
TITLE = "示范局会议室一体机采购（演示·{stage}）"
# the stage label, and how far the order goes: contract, delivery, acceptance, overdue, paid, rated
STAGES = (
    ("合同待确认", 0),
    ("已交付待验收", 1),
    ("已验收待付款", 2),
    ("付款已逾期", 3),
    ("已付款", 4),
    ("已评价", 5),
)
PRICES = (("23500.00", "1200.00"), ("23800.00", "1350.00"), ("24200.00", "980.00"))


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=True)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


class Command(BaseCommand):
    help = "创建演示单位的六张成交订单，分别停在合同、交付、验收、付款、逾期、评价各阶段"

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=self.USERNAMES)}
        missing = [name for name in self.USERNAMES if name not in users]
        if missing:
            raise CommandError(
                f"请先运行 create_demo_accounts 和 create_demo_sourcing（缺少演示账号：{'、'.join(missing)}）。"
            )
        self.users = users
        self.handler = users["unit-handler"]
        member = UnitMember.objects.filter(user=self.handler, is_active=True).select_related("unit").first()
        if member is None:
            raise CommandError("请先运行 create_demo_accounts（需要演示采购单位的经办人）。")
        self.unit = member.unit
        self.vendors = [
            (Partner.objects.get(code=username), users[username])
            for username in ("demo-vendor-1", "demo-vendor-2", "demo-vendor-3")
        ]
        self.category = Category.objects.filter(slug=CATEGORY_CODE).first()
        if self.category is None:
            raise CommandError("请先运行 load_catalogue（需要“党政企会议/教育一体机”品目）。")
        self.product = (
            Product.objects.filter(categories=self.category, parent__isnull=True).order_by("pk").first()
        )
        self.budget_line = (
            BudgetLine.objects.filter(unit=self.unit, year=timezone.localdate().year).order_by("pk").first()
        )
        self.bank_account()
        self.stdout.write(
            "演示成交订单（采购单位：/contracts/、/fulfilment/、/buyers/unit/；供应商：/dashboard/contracts/）"
        )
        for label, depth in STAGES:
            order = self.order(label, depth)
            self.stdout.write(f"  {label:<8} 订单 {order.number}  状态 {order.status}")

    USERNAMES = (
        "unit-handler",
        "unit-finance",
        "operator",
        "demo-vendor-1",
        "demo-vendor-2",
        "demo-vendor-3",
    )

    # --- the winner's own 对公账户, verified by the operator --------------------------------------

    def bank_account(self) -> None:
        partner, user = self.vendors[0]
        if VendorBankAccount.objects.filter(
            partner=partner, status=VendorBankAccount.Status.VERIFIED
        ).exists():
            return
        number = "6" + "".join(secrets.choice("0123456789") for _ in range(18))  # made up, 演示
        account = bank_account_submit(
            partner=partner,
            actor=user,
            account_name=registered_company_name(partner),
            bank_name="中国建设银行长沙麓谷支行（演示）",
            account_number=number,
            proof=SimpleUploadedFile(
                "开户证明（演示）.pdf", _pdf("demo account certificate"), "application/pdf"
            ),
        )
        bank_account_review(account=account, actor=self.users["operator"], verify=True, note="演示账户")

    # --- one order, moved on to ``depth`` -------------------------------------------------------

    def order(self, label: str, depth: int):
        title = TITLE.format(stage=label)
        event = SourcingEvent.objects.filter(title=title, status=ES.AWARDED).exclude(order=None).first()
        if event is not None:
            event.order.refresh_from_db()
            return event.order
        event = self.awarded(title)
        order = event.order
        winner = next(user for partner, user in self.vendors if partner.pk == event.winner_id)
        contract = contract_ensure(order_id=order.pk)
        version = ContractVersion.objects.get(contract=contract, sequence=1)
        contract_version_render(version_id=version.pk)
        version.refresh_from_db()
        if depth >= 1:
            for user in (self.handler, winner):
                contract_confirm(
                    version=version, user=user, pdf_sha256=version.pdf_sha256, client_address="127.0.0.1"
                )
            for line in order.lines.order_by("pk"):
                delivery_record(
                    order=order,
                    line_id=line.pk,
                    actor=winner,
                    kind="shipment",
                    quantity=line.quantity,
                    carrier="顺丰速运",
                    tracking_number="SF" + "".join(secrets.choice("0123456789") for _ in range(12)),
                )
        if depth >= 2:
            for line in order.lines.order_by("pk"):
                acceptance_record(
                    order=order,
                    line_id=line.pk,
                    actor=self.handler,
                    quantity=line.quantity,
                    result="passed",
                    comments="外观、数量与合同一致，通电测试正常（演示）",
                )
        if depth == 3:
            self.set_back(order, days=45)
        if depth >= 4:
            self.pay(order, winner)
        if depth >= 5:
            rating_give(
                order=order,
                actor=self.handler,
                quality=5,
                delivery=4,
                service=5,
                comment="按期交付，安装调试到位（演示）",
            )
        order.refresh_from_db()
        return order

    def awarded(self, title: str) -> SourcingEvent:
        """A 网上询价 for one panel and one stand, three sealed responses, opened at once and
        its award confirmed by the 经办人 (below the unit's approval threshold)."""
        now = timezone.now()
        event = sourcing.sourcing_publish(
            actor=self.handler,
            mode=Mode.INQUIRY,
            title=title,
            category=self.category,
            lines=[
                LineSpec(
                    title=self.product.get_title() if self.product else "86 寸会议一体机",
                    quantity=1,
                    unit="台",
                    product=self.product,
                ),
                LineSpec(title="移动支架", quantity=1, unit="套", spec="可升降，带万向轮"),
            ],
            delivery_place="长沙市岳麓区示范局机关大楼",
            delivery_date=(now + timedelta(days=30)).date(),
            deadline=sourcing.earliest_deadline(now=now) + timedelta(minutes=5),
            invited_partner_ids=[p.pk for p, _u in self.vendors],
            max_total=Decimal("30000.00"),
            qualifications="具备会议显示设备的销售与安装能力（演示）",
            budget_line_id=getattr(self.budget_line, "pk", None),
        )
        lines = list(event.lines.order_by("sequence"))
        for (partner, user), (panel, stand) in zip(self.vendors, PRICES, strict=True):
            sourcing.response_submit(
                event=event,
                actor=user,
                prices={lines[0].pk: panel, lines[1].pk: stand},
                delivery_days=15,
                partner_id=partner.pk,
            )
        event.refresh_from_db()
        sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
        event.refresh_from_db()
        event = sourcing.award_confirm(event=event, actor=self.handler)
        event.refresh_from_db()
        if event.status != ES.AWARDED or event.order_id is None:
            raise CommandError(f"演示询价 {event.number} 未能成交（{event.get_status_display()}）。")
        return event

    @transaction.atomic
    def set_back(self, order, *, days: int) -> None:
        """Demo only: this order was accepted ``days`` ago, so its payment is overdue."""
        accepted_at = timezone.now() - timedelta(days=days)
        Fulfilment.objects.filter(order=order).update(accepted_at=accepted_at)
        term = Contract.objects.get(order=order).payment_term_days
        PaymentStage.objects.filter(order=order, status=PaymentStage.Status.DUE).update(
            accepted_at=accepted_at,
            due_on=payment_due_date(timezone.localtime(accepted_at).date(), term),
        )

    def pay(self, order, winner) -> None:
        """The 财务 transfers to the vendor's own account; the vendor confirms the receipt."""
        order.refresh_from_db()
        stage = payment_selectors.payable_stage(order)
        transfer = bank_transfer_submit(
            stage=stage,
            user=self.users["unit-finance"],
            payer_name=self.unit.org_name,
            amount=stage.amount,
            remitted_on=timezone.localdate(),
            slip=SimpleUploadedFile("转账回单（演示）.pdf", _pdf("demo remittance slip"), "application/pdf"),
        )
        bank_transfer_confirm(transfer=transfer, actor=winner, received_amount=stage.amount, note="演示到账")
