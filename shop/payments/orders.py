"""Turning accepted quotes, confirmed OEM orders and direct purchases into Oscar orders.

``order_place`` is the one way the mall creates orders outside Oscar's basket checkout: the
prices are the agreed ones (quote or OEM offer), not the catalogue's."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from oscar.core.loading import get_model

from shop.buyers.models import INVOICE_FIELDS
from shop.core.exceptions import DomainError
from shop.core.models import next_document_number
from shop.core.money import q2, rmb, split_tax_inclusive

from .models import MAX_AMOUNT, MAX_QUANTITY, InvoiceRequest, OrderOrigin, PaymentStage

Order = get_model("order", "Order")
Line = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")

# Stripe caps one charge at 99,999,999 minor units; larger amounts are paid in stages or by transfer.
STRIPE_MAX_CHARGE = Decimal("999999.99")


@dataclass(frozen=True)
class OrderLineSpec:
    """One order line at an agreed, tax-inclusive unit price."""

    product: object
    stockrecord: object
    quantity: int
    unit_price_incl_tax: Decimal
    tax_rate: Decimal
    title: str = ""


def _line_amounts(spec: OrderLineSpec) -> tuple[Decimal, Decimal, Decimal]:
    line_incl = q2(spec.unit_price_incl_tax * spec.quantity)
    line_excl, _tax = split_tax_inclusive(line_incl, spec.tax_rate)
    unit_excl, _ = split_tax_inclusive(spec.unit_price_incl_tax, spec.tax_rate)
    return line_incl, line_excl, unit_excl


def ensure_china():
    """The shipping country (中国), created on first use."""
    country = Country.objects.filter(iso_3166_1_a2="CN").first()
    if country is None:
        country = Country.objects.create(
            iso_3166_1_a2="CN",
            iso_3166_1_a3="CHN",
            iso_3166_1_numeric="156",
            printable_name="中国",
            name="中华人民共和国",
            is_shipping_country=True,
        )
    elif not country.is_shipping_country:
        country.is_shipping_country = True
        country.save(update_fields=["is_shipping_country"])
    return country


@transaction.atomic
def order_place(
    *,
    user,
    lines: Sequence[OrderLineSpec],
    source: str,
    reference: str,
    stages: Sequence[tuple[str, Decimal]] | None = None,
    invoice: dict | None = None,
    shipping: dict | None = None,
    unit=None,
    budget_line=None,
    status: str | None = None,
    seller=None,
) -> "Order":
    """Create an Oscar order with its lines, origin (with the buying ``unit`` that owns it, the
    ``budget_line`` it is paid from and its settlement: paid before delivery or after 履约验收,
    ``selectors.settlement_for``), payment stages (default: one 全款 stage) and invoice
    request. Its status is ``status`` when given (e.g. 待审批), else 待付款 (prepay) or 履约中
    (paid after acceptance). A line without a stock record (a free-text line) is sold by
    ``seller`` when given. Raises DomainError on empty or inconsistent input."""
    if not lines:
        raise DomainError("订单没有任何商品行。")
    for spec in lines:
        if spec.quantity <= 0 or spec.unit_price_incl_tax <= 0:
            raise DomainError("订单行的数量和单价必须大于零。")
        if spec.quantity > MAX_QUANTITY:
            raise DomainError(f"订单行的数量不能超过 {MAX_QUANTITY:,}。")
        if not Decimal(spec.unit_price_incl_tax).is_finite() or spec.unit_price_incl_tax > MAX_AMOUNT:
            raise DomainError(f"订单行的单价不能超过 {rmb(MAX_AMOUNT)}。")
    amounts = [_line_amounts(spec) for spec in lines]
    total_incl = sum((a[0] for a in amounts), Decimal("0.00"))
    total_excl = sum((a[1] for a in amounts), Decimal("0.00"))
    stages = list(stages or [("全款", total_incl)])
    if sum((q2(s[1]) for s in stages), Decimal("0.00")) != total_incl:
        raise DomainError("付款阶段金额之和与订单总额不一致。")
    if any(q2(amount) > MAX_AMOUNT for _label, amount in stages):
        raise DomainError(f"单笔付款不能超过 {rmb(MAX_AMOUNT)}，请分阶段付款或拆分订单。")

    from .selectors import settlement_for
    from .services import initial_order_status

    line_sellers = {(spec.stockrecord.partner if spec.stockrecord else seller) for spec in lines}
    settlement, settlement_reason = settlement_for(unit=unit, partners=line_sellers)
    status = status or initial_order_status(settlement=settlement)

    shipping_address = None
    if shipping:
        country = ensure_china()
        shipping_address = ShippingAddress.objects.create(
            first_name=shipping.get("name", "")[:255],
            line1=shipping.get("address", "")[:255],
            line4=shipping.get("city", "")[:255],
            state=shipping.get("province", "")[:255],
            phone_number=shipping.get("phone", "") or "",
            country=country,
        )

    order = Order.objects.create(
        number=next_document_number("DD"),
        site=Site.objects.get_current(),
        user=user if getattr(user, "pk", None) else None,
        currency=settings.OSCAR_DEFAULT_CURRENCY,
        total_incl_tax=total_incl,
        total_excl_tax=total_excl,
        shipping_incl_tax=Decimal("0.00"),
        shipping_excl_tax=Decimal("0.00"),
        shipping_method="供应商配送",
        shipping_code="vendor-delivery",
        shipping_address=shipping_address,
        status=status,
    )
    for spec, (line_incl, line_excl, unit_excl) in zip(lines, amounts, strict=True):
        sr = spec.stockrecord
        line_partner = sr.partner if sr else seller
        Line.objects.create(
            order=order,
            partner=line_partner,
            partner_name=line_partner.name if line_partner else "",
            partner_sku=sr.partner_sku if sr else "",
            stockrecord=sr,
            product=spec.product,
            # a free-text line of a 询价 has no catalogue product: its title says what it is
            title=spec.title or spec.product.get_title(),
            upc=(spec.product.upc if spec.product is not None else "") or "",
            quantity=spec.quantity,
            num_allocated=0,
            line_price_incl_tax=line_incl,
            line_price_excl_tax=line_excl,
            line_price_before_discounts_incl_tax=line_incl,
            line_price_before_discounts_excl_tax=line_excl,
            unit_price_incl_tax=q2(spec.unit_price_incl_tax),
            unit_price_excl_tax=unit_excl,
            tax_code=str(spec.tax_rate),
            status=settings.OSCAR_INITIAL_LINE_STATUS,
        )
    OrderOrigin.objects.create(
        order=order,
        source=source,
        reference=reference,
        unit=unit,
        budget_line=budget_line,
        settlement=settlement,
        settlement_reason=settlement_reason,
    )
    PaymentStage.objects.bulk_create(
        PaymentStage(order=order, sequence=i, label=label, amount=q2(amount))
        for i, (label, amount) in enumerate(stages, start=1)
    )
    if invoice:
        InvoiceRequest.objects.create(order=order, **{f: invoice.get(f, "") or "" for f in INVOICE_FIELDS})
    return order
