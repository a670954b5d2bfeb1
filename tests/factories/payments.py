"""Orders to pay, built the way the mall builds them (``order_place``), plus upload bytes.

order = placed_order(buyer=buyer, partner=vendor_partner, price="11800.00", qty=2)
order = placed_order(buyer=buyer, stages=[("定金", "7080.00"), ("尾款", "16520.00")], qty=2)
order = placed_order(buyer=buyer, lines=[("会议一体机", "11800.00", 1, "0.13", p1),
                                         ("咨询服务", "3000.00", 2, "0.06", p2)])

A government buying unit set up to buy (members by role, a budget line of this year, the
default approval rule: one 审批人 from ¥50,000, a vendor), and its direct orders:

world = unit_world()
order = unit_order(world, price="30000.00", qty=2)   # ¥60,000 → 待审批, budget committed
order = unit_order(world, price="12000.00", qty=1)   # a government unit's order: 履约中
order = unit_order(world, price="12000.00", qty=1, accepted=True)  # accepted: 待付款, due date set

Orders are paid before delivery only where the seller allows it (``allow_prepay(partner)``);
otherwise, and always for a government unit, after 履约验收 (``accept(order)``).
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from shop.buyers.models import (
    ApprovalRule,
    BudgetLine,
    BuyingUnit,
    FundNature,
    OrgType,
    UnitMember,
    UnitRole,
)
from shop.buyers.services import approval_rules_default, budget_line_create
from shop.core.uploads import bytes_upload
from shop.payments.models import SellerPaymentProfile
from shop.payments.orders import OrderLineSpec, order_place
from shop.payments.services import direct_order_plan, order_direct_finalise, payable_open
from tests.factories.buyers import UnitMemberFactory, make_unit
from tests.factories.catalogue import ProductFactory

SPECIAL_INVOICE = {
    "invoice_type": "special",
    "invoice_title": "长沙市数据资源局",
    "invoice_tax_no": "11430100MB1234560F",
    "invoice_address": "长沙市岳麓区麓谷大道 1 号",
    "invoice_phone": "0731-88886666",
    "invoice_bank": "中国建设银行长沙麓谷支行",
    "invoice_account": "43050175380000000001",
}
NORMAL_INVOICE = {
    "invoice_type": "normal",
    "invoice_title": "长沙市某局",
    "invoice_tax_no": "11430100MB1234560F",
}


def allow_prepay(partner, allowed: bool = True):
    """The seller lets companies pay before delivery (its payment profile)."""
    SellerPaymentProfile.objects.update_or_create(partner=partner, defaults={"allows_prepay": allowed})
    return partner


def connect_stripe(partner, account: str = "acct_1XhVendorOwn0001"):
    """The seller connected its own Stripe account (card payments are charged on it)."""
    SellerPaymentProfile.objects.update_or_create(partner=partner, defaults={"stripe_account_id": account})
    return account


def verified_account(
    partner, *, number: str = "43050175380000000001", bank: str = "中国建设银行长沙麓谷支行"
):
    """The vendor's own 对公账户, already verified by an operator (written directly, as the
    verification leaves it)."""
    from shop.payments.models import VendorBankAccount

    return VendorBankAccount.objects.create(
        partner=partner,
        account_name=partner.name,
        bank_name=bank,
        account_number=number,
        proof=bytes_upload(PDF_BYTES, "开户许可证.pdf"),
        proof_name="开户许可证.pdf",
        proof_kind="pdf",
        status=VendorBankAccount.Status.VERIFIED,
    )


def accept(order, *, at=None, actor=None):
    """The whole order accepted (履约验收) at ``at`` (now): its payable opens, as the acceptance
    of the last line does it."""
    payable_open(order=order, accepted_at=at or timezone.now(), actor=actor)
    order.refresh_from_db()
    return order


def line_spec(*, title="75 寸会议一体机", price="11800.00", qty=1, rate="0.13", partner=None):
    product = ProductFactory(title=title, price=Decimal(price), tax_rate=Decimal(rate), partner=partner)
    return OrderLineSpec(
        product=product,
        stockrecord=product.stockrecords.first(),
        quantity=qty,
        unit_price_incl_tax=Decimal(price),
        tax_rate=Decimal(rate),
    )


def placed_order(
    *,
    buyer,
    partner=None,
    price="11800.00",
    qty=1,
    rate="0.13",
    lines=None,
    stages=None,
    invoice=NORMAL_INVOICE,
    source="quote",
    reference="XJ202611250001",
):
    """An order as an accepted quote (default), a confirmed OEM order or a direct purchase."""
    specs = (
        [line_spec(title=t, price=p, qty=q, rate=r, partner=pa) for t, p, q, r, pa in lines]
        if lines
        else [line_spec(price=price, qty=qty, rate=rate, partner=partner)]
    )
    return order_place(
        user=buyer,
        lines=specs,
        source=source,
        reference=reference,
        stages=[(label, Decimal(amount)) for label, amount in stages] if stages else None,
        invoice=invoice,
    )


def two_vendor_order(*, buyer):
    """Goods (13%) from vendor A and a service (6%) from vendor B in one order."""
    from tests.factories.accounts import make_vendor_user

    a = make_vendor_user()
    b = make_vendor_user()
    order = placed_order(
        buyer=buyer,
        lines=[("会议一体机", "11800.00", 1, "0.13", a[1]), ("运维服务", "3000.00", 1, "0.06", b[1])],
    )
    return order, a, b


# --- buying units -------------------------------------------------------------------------------


@dataclass
class UnitWorld:
    unit: BuyingUnit
    admin: UnitMember
    handler: UnitMember
    handler2: UnitMember
    approver: UnitMember
    finance: UnitMember
    line: BudgetLine
    rule: ApprovalRule
    vendor: object
    partner: object


def unit_world(*, budget: str = "200000.00", org_type: str = OrgType.PARTY_GOV) -> UnitWorld:
    unit, members = make_unit(
        org_type=org_type,
        roles_by_name={
            "handler": [UnitRole.HANDLER.value],
            "handler2": [UnitRole.HANDLER.value],
            "approver": [UnitRole.APPROVER.value],
            "finance": [UnitRole.FINANCE.value],
        },
    )
    # a government unit's default rule (one 审批人 from ¥50,000); a company unit gets the same one
    rules = approval_rules_default(unit=unit) or [
        ApprovalRule.objects.create(unit=unit, min_amount=Decimal("50000.00"), steps=1)
    ]
    (rule,) = rules
    line = budget_line_create(
        unit=unit,
        actor=members["admin"].user,
        name="信息化建设",
        year=timezone.localdate().year,
        amount=budget,
        fund_nature=FundNature.FISCAL,
    )
    from tests.factories.accounts import make_vendor_user

    vendor, partner = make_vendor_user()
    return UnitWorld(unit=unit, line=line, rule=rule, vendor=vendor, partner=partner, **members)


def outsider_member() -> UnitMember:
    """A 财务 + 经办人 of another unit."""
    _unit, members = make_unit()
    return UnitMemberFactory(unit=_unit, roles=[UnitRole.HANDLER.value, UnitRole.FINANCE.value])


def unit_order(
    world: UnitWorld, *, price: str = "30000.00", qty: int = 2, by=None, line=True, accepted: bool = False
):
    """A direct order of the unit placed the way the basket checkout places it: planned (role,
    budget line, approval rule), created in the planned status, then finalised; ``accepted``:
    then delivered and accepted (the payable opens; an order still 待审批 stays so)."""
    buyer = (by or world.handler).user
    spec = line_spec(title="75 寸会议一体机", price=price, qty=qty, partner=world.partner)
    total = Decimal(price) * qty
    plan = direct_order_plan(user=buyer, total=total, budget_line_id=world.line.pk if line else None)
    order = order_place(
        user=buyer,
        lines=[spec],
        source="direct",
        reference="",
        status=plan.status,
        unit=world.unit if plan.unit_id else None,
        budget_line=plan.budget_line,
    )
    order_direct_finalise(order=order, plan=plan)
    if accepted:
        accept(order, actor=buyer)
    return order


# --- uploads --------------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def slip_pdf(name="回单.pdf"):
    return bytes_upload(PDF_BYTES, name)


def slip_png(name="回单.png"):
    return bytes_upload(png_bytes(), name)


def transfer_post(stage, **overrides) -> dict:
    data = {
        "payer_name": "长沙市数据资源局",
        "amount": str(stage.amount),
        "remitted_on": "2026-11-20",
        "slip": slip_pdf(),
        "note": "",
    }
    data.update(overrides)
    return data


# --- Stripe webhooks ------------------------------------------------------------------------------


def sign_webhook(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe (and localstripe) computes it."""
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_payload(event: dict) -> bytes:
    return json.dumps(event, indent=2, sort_keys=True).encode()
