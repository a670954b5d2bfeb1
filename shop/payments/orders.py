"""Turning accepted quotes, confirmed OEM orders and direct purchases into Oscar orders.

``order_place`` is the one way the mall creates orders outside Oscar's basket checkout: the
prices are the agreed ones (quote or OEM offer), not the catalogue's."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from oscar.apps.order.signals import order_placed
from oscar.apps.order.utils import OrderCreator
from oscar.core import prices
from oscar.core.loading import get_model

from shop.buyers.models import INVOICE_FIELDS
from shop.core.exceptions import DomainError
from shop.core.models import next_document_number
from shop.core.money import q2, rmb, split_tax_inclusive

from .models import MAX_AMOUNT, MAX_QUANTITY, InvoiceRequest, OrderOrigin, PaymentStage

logger = logging.getLogger(__name__)

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

    creator = AgreedOrderCreator()
    order = creator.create_order_model(
        user,
        None,
        shipping_address,
        VENDOR_DELIVERY,
        prices.Price(settings.OSCAR_DEFAULT_CURRENCY, excl_tax=Decimal("0.00"), incl_tax=Decimal("0.00")),
        None,
        prices.Price(settings.OSCAR_DEFAULT_CURRENCY, excl_tax=total_excl, incl_tax=total_incl),
        next_document_number("DD"),
        status,
    )
    created = [
        creator.create_agreed_line(order=order, spec=spec, amounts=figures, seller=seller)
        for spec, figures in zip(lines, amounts, strict=True)
    ]
    # stock in stock-record order (as Oscar does: concurrent placements lock in the same order)
    for line, spec in sorted(zip(created, lines, strict=True), key=lambda pair: pair[0].stockrecord_id or 0):
        creator.allocate(line=line, spec=spec)
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
    creator.send_order_placed(order=order, user=user)
    return order


@dataclass(frozen=True)
class _ShippingMethod:
    name: str
    code: str


VENDOR_DELIVERY = _ShippingMethod(name="供应商配送", code="vendor-delivery")


class AgreedOrderCreator(OrderCreator):
    """Oscar's OrderCreator for orders at agreed prices (an accepted quote or OEM offer, an
    awarded 询价/竞价): the same order model and line price rows, stock allocated on the lines'
    stock records (``StockRecord.allocate``, for product classes that track stock) and the
    ``order_placed`` signal — only the lines come from the agreement, not from a basket (a
    basket prices lines from the catalogue, and a free-text line of a 询价 has no product)."""

    def create_agreed_line(self, *, order, spec: OrderLineSpec, amounts, seller=None):
        line_incl, line_excl, unit_excl = amounts
        sr = spec.stockrecord
        partner = sr.partner if sr else seller
        line = Line.objects.create(
            order=order,
            partner=partner,
            partner_name=partner.name if partner else "",
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
        line.prices.create(
            order=order,
            quantity=spec.quantity,
            price_incl_tax=q2(spec.unit_price_incl_tax),
            price_excl_tax=unit_excl,
            tax_code=str(spec.tax_rate),
        )
        return line

    def allocate(self, *, line, spec: OrderLineSpec) -> None:
        """Oscar's ``update_stock_records`` for one agreed line (no stock record: nothing)."""
        if spec.stockrecord is None or spec.product is None:
            return
        if spec.product.get_product_class().track_stock:
            spec.stockrecord.allocate(spec.quantity)
            Line.objects.filter(pk=line.pk).update(num_allocated=spec.quantity)

    def send_order_placed(self, *, order, user) -> None:
        """``order_placed``, as OrderCreator.place_order sends it. An order with a free-text
        line (no product) is sent receiver by receiver, each in a savepoint, so one failure
        neither undoes the order nor keeps the others from running; Oscar's analytics receiver,
        which counts purchases per product and would fail on a line without one, is replaced by
        the same counting over the lines that have a product."""
        buyer = user if getattr(user, "pk", None) else None
        if all(line.product_id for line in order.lines.all()):
            order_placed.send(sender=self, order=order, user=buyer)
            return
        receivers, _async = order_placed._live_receivers(self)
        for receiver in receivers:
            if receiver is _oscar_analytics_receiver():
                _analytics_order_placed(order=order, user=buyer)  # the product lines only
                continue
            try:
                with transaction.atomic():
                    receiver(signal=order_placed, sender=self, order=order, user=buyer)
            except DatabaseError:
                logger.warning("order_placed receiver %s failed for order %s", receiver, order.number)


def _oscar_analytics_receiver():
    from oscar.apps.analytics import receivers

    return receivers.receive_order_placed


def _analytics_order_placed(*, order, user) -> None:
    """What Oscar's analytics receiver records for a placed order, for the lines with a product."""
    from oscar.apps.analytics.receivers import ProductRecord, _record_user_order, _update_counter

    for line in order.lines.filter(product__isnull=False):
        _update_counter(ProductRecord, "num_purchases", {"product_id": line.product_id}, line.quantity)
    if user is not None:
        _record_user_order(user, order)
