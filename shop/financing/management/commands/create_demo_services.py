"""make run: the service applications in progress — a 规划融资 application of the demo unit in
初审 (its documents are generated placeholders marked 演示), a 自由职业 settlement enquiry of the
demo company buyer waiting for the vendor's answer, a 合作伙伴 listed on the public page, and a
预约咨询 call-back waiting for the operator. Run again, it adds nothing new while
the demo rows exist. Phone numbers are made up at random."""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.buyers.models import UnitMember
from shop.callbacks import services as callbacks
from shop.callbacks.models import CallbackRequest
from shop.financing import services as financing
from shop.financing.models import FinancingApplication
from shop.partners import services as partners
from shop.partners.models import PartnerApplication

Product = get_model("catalogue", "Product")

FINANCING_CODE = "XH-FINANCE"  # catalog_fixtures/12_planning_finance.yaml
CONSULTING_CODE = "XH-CONSULT"  # catalog_fixtures/10_consulting.yaml
FREELANCE_CODE = "XH-FREELANCE"  # catalog_fixtures/11_freelance.yaml
FREELANCE_COMPANY = "长沙麓谷软件服务有限公司（演示）"
FREELANCE_USCC17 = "91430104MA4L00002"  # made up; the check character is computed
PROJECT = "岳麓区智慧城市运行管理平台（演示）"
PARTNER_COMPANY = "株洲智联信息技术有限公司（演示）"
CALLBACK_TOPIC = "政企咨询服务包：采购政策咨询（演示）"


def _made_up_mobile() -> str:
    return "199" + "".join(secrets.choice("0123456789") for _ in range(8))


def _placeholder_pdf(title: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% demo placeholder: {title.encode('unicode_escape').decode()}\n%%EOF\n".encode()
    return SimpleUploadedFile(f"{title}（演示）.pdf", body)


class Command(BaseCommand):
    help = "创建演示的融资申请（初审中）、已展示的合作伙伴和待回电的预约咨询"

    def handle(self, *args, **options):
        User = get_user_model()
        operator = User.objects.filter(username="operator", is_staff=True).first()
        handler = (
            UnitMember.objects.filter(user__username="unit-handler", is_active=True)
            .select_related("user")
            .first()
        )
        buyer = User.objects.filter(username="buyer").first()
        if operator is None or handler is None or buyer is None:
            raise CommandError("请先运行 create_demo_accounts（需要演示运营、采购方和演示单位的经办人）。")
        package = Product.objects.filter(upc=FINANCING_CODE).first()
        consulting = Product.objects.filter(upc=CONSULTING_CODE).first()
        freelance = Product.objects.filter(upc=FREELANCE_CODE).first()
        if package is None or freelance is None:
            raise CommandError("请先运行 load_catalogue（需要“规划融资服务包”和“自由职业服务包”）。")
        with transaction.atomic():
            application = self.financing(handler.user, operator, package)
            partner = self.partner(buyer, operator)
            callback = self.callback(handler.user, consulting)
            enquiry = self.freelance(buyer, freelance)
        from shop.quotes.services import quote_request_process

        quote_request_process(quote_request_id=enquiry.pk)  # routed now: the demo's Redis is fresh
        self.stdout.write(
            f"演示融资申请 {application.number}「{application.project_name}」{application.get_status_display()}"
            f"（经办人：/financing/{application.number}/，运营或供应商：/dashboard/financing/）"
        )
        self.stdout.write(
            f"演示自由职业结算咨询 {enquiry.number}（采购方 buyer：/quotes/{enquiry.number}/，"
            "供应商 vendor 答复：/dashboard/quotes/）"
        )
        self.stdout.write(f"演示合作伙伴「{partner.company_name}」已展示在 /partners/")
        self.stdout.write(
            f"演示预约咨询 {callback.number} {callback.get_status_display()}（运营：/dashboard/callbacks/）"
        )

    def financing(self, user, operator, package):
        existing = FinancingApplication.objects.filter(project_name=PROJECT).first()
        if existing is not None:
            return existing
        application = financing.financing_apply(
            actor=user,
            product=package,
            data=financing.ApplicationInput(
                org_name=handler_org(user),
                project_name=PROJECT,
                project_type="ppp",
                region="长沙市/岳麓区",
                amount="120000000",
                term_months="60",
                purpose="城市运行管理中心、数据底座和一网统管平台建设（演示）",
                contact_name="演示经办人",
                contact_phone=_made_up_mobile(),
            ),
            documents=[
                ("approval", _placeholder_pdf("立项批复")),
                ("feasibility", _placeholder_pdf("可研报告")),
            ],
        )
        return financing.financing_move(application=application, actor=operator, to="review")

    def partner(self, buyer, operator):
        existing = PartnerApplication.objects.filter(company_name=PARTNER_COMPANY).first()
        if existing is not None:
            return existing
        application = partners.partner_apply(
            user=buyer,
            data=partners.PartnerInput(
                company_name=PARTNER_COMPANY,
                uscc="91430200MA4L00001P",  # made up, with a valid check character
                region="株洲市/醴陵市",
                industry="gov_it",
                resources="醴陵市政务信息化项目实施与运维团队（演示）",
                contact_name="演示联系人",
                contact_phone=_made_up_mobile(),
            ),
        )
        return partners.partner_review(application=application, actor=operator, approve=True)

    def callback(self, user, consulting):
        existing = CallbackRequest.objects.filter(topic=CALLBACK_TOPIC, status="waiting").first()
        if existing is not None:
            return existing
        return callbacks.callback_book(
            user=user,
            product=consulting,
            data=callbacks.BookingInput(
                name="演示经办人", phone=_made_up_mobile(), window="morning", topic=CALLBACK_TOPIC
            ),
        )

    def freelance(self, buyer, product):
        from shop.core.validators import uscc_check_character
        from shop.financing.models import FreelanceEnquiry

        existing = FreelanceEnquiry.objects.filter(quote_request__org_name=FREELANCE_COMPANY).first()
        if existing is not None:
            return existing.quote_request
        uscc = FREELANCE_USCC17 + uscc_check_character(FREELANCE_USCC17)
        return financing.freelance_enquiry_submit(
            user=buyer,
            product=product,
            organisation={
                "org_name": FREELANCE_COMPANY,
                "org_uscc": uscc,
                "org_type": "private",
                "province": "湖南省",
                "city": "长沙市",
                "county": "岳麓区",
                "contact_name": "演示联系人",
                "contact_mobile": _made_up_mobile(),
                "contact_email": buyer.email,
                "invoice_type": "normal",
                "invoice_title": FREELANCE_COMPANY,
                "invoice_tax_no": uscc,
            },
            data=financing.FreelanceInput(
                people=40,
                monthly_amount="320000",
                industry="软件与信息服务",
                invoice_need="special",
                start_date=timezone.localdate() + timedelta(days=14),
                description="项目制技术人员的劳务报酬按月结算（演示）",
            ),
        )


def handler_org(user) -> str:
    member = UnitMember.objects.filter(user=user, is_active=True).select_related("unit").first()
    return member.unit.org_name if member else "演示单位"
