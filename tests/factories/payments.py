"""Orders to pay, built the way the mall builds them (``order_place``), plus upload bytes.

order = placed_order(buyer=buyer, partner=vendor_partner, price="11800.00", qty=2)
order = placed_order(buyer=buyer, stages=[("定金", "7080.00"), ("尾款", "16520.00")], qty=2)
order = placed_order(buyer=buyer, lines=[("会议一体机", "11800.00", 1, "0.13", p1),
                                         ("咨询服务", "3000.00", 2, "0.06", p2)])
"""

import hashlib
import hmac
import json
import time
from decimal import Decimal

from django.conf import settings

from shop.core.uploads import bytes_upload
from shop.payments.orders import OrderLineSpec, order_place
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
