"""Quote factories: vendors stocking products, valid request data, submitted/processed requests.

vendor_a, user_a = make_vendor("华为")                       # partner + its dashboard user
product = stocked_product(vendors=[(vendor_a, "11800.00")])   # one stock record per vendor
qr = submit_request(buyer=buyer, lines=[(product, 2)])       # through the real service
process(qr)                                                  # what the worker does
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from oscar.core.loading import get_model

from shop.quotes import services
from shop.quotes.models import QuoteRequest
from tests.factories.accounts import PartnerFactory, UserFactory, make_vendor_user
from tests.factories.catalogue import CategoryFactory, ProductFactory

StockRecord = get_model("partner", "StockRecord")

VALID_USCC = "91430100MA4L12345A"
OTHER_VALID_USCC = "12430000MB1234567W"


def make_vendor(name: str | None = None):
    """A vendor partner and its dashboard user (with an e-mail address)."""
    partner = PartnerFactory(**({"name": name} if name else {}))
    user, _ = make_vendor_user(partner=partner)
    return partner, user


def stock(product, partner, price) -> object:
    return StockRecord.objects.create(
        product=product,
        partner=partner,
        partner_sku=f"{partner.code}-{product.pk}",
        price_currency="CNY",
        price=None if price is None else Decimal(price),
        num_in_stock=100,
    )


def stocked_product(*, vendors, title=None, categories=(), **fields):
    """A standalone product with one stock record per ``(partner, price)`` in ``vendors``."""
    (first_partner, first_price), *rest = vendors
    kwargs = {"partner": first_partner, "price": first_price, "categories": categories, **fields}
    if title:
        kwargs["title"] = title
    product = ProductFactory(**kwargs)
    for partner, price in rest:
        stock(product, partner, price)
    return product


def request_data(**overrides) -> dict:
    data = {
        "org_name": "长沙市数据资源局",
        "org_uscc": VALID_USCC,
        "org_type": "party_gov",
        "province": "湖南省",
        "city": "长沙市",
        "county": "岳麓区",
        "contact_name": "李明",
        "contact_mobile": "13807310000",
        "contact_email": "liming@example.com",
        "delivery_region": "湖南省长沙市岳麓区",
        "delivery_address": "麓谷大道 1 号",
        "needed_by": timezone.localdate() + timedelta(days=30),
        "budget": None,
        "procurement_method": "negotiated",
        "remark": "",
        "invoice_type": "normal",
        "invoice_title": "长沙市数据资源局",
        "invoice_tax_no": VALID_USCC,
        "invoice_address": "",
        "invoice_phone": "",
        "invoice_bank": "",
        "invoice_account": "",
    }
    data.update(overrides)
    return data


def form_data(**overrides) -> dict:
    """The submit form's POST data (strings)."""
    data = request_data(**overrides)
    data["needed_by"] = (
        data["needed_by"].isoformat() if hasattr(data["needed_by"], "isoformat") else data["needed_by"]
    )
    data["budget"] = "" if data["budget"] is None else str(data["budget"])
    return data


def submit_request(*, buyer=None, lines, attachments=(), budget_line=None, **overrides) -> QuoteRequest:
    """Through the real service; ``budget_line`` (a BudgetLine or its id) for a unit member."""
    buyer = buyer or UserFactory()
    return services.quote_request_submit(
        user=buyer,
        data=request_data(**overrides),
        lines=[services.LineInput(product=p, quantity=q) for p, q in lines],
        attachments=list(attachments),
        budget_line_id=getattr(budget_line, "pk", budget_line),
    )


def process(qr) -> QuoteRequest:
    services.quote_request_process(quote_request_id=qr.pk)
    qr.refresh_from_db()
    return qr


def three_vendor_category():
    """A category with three vendors: a product stocked by one, two others in the category."""
    category = CategoryFactory(name="视频监控")
    (a, ua), (b, ub), (c, uc) = make_vendor("甲供应商"), make_vendor("乙供应商"), make_vendor("丙供应商")
    product = stocked_product(vendors=[(a, "5000.00")], categories=[category], title="智能摄像机")
    stocked_product(vendors=[(b, "4800.00")], categories=[category], title="球机")
    stocked_product(vendors=[(c, "5200.00")], categories=[category], title="枪机")
    return product, [(a, ua), (b, ub), (c, uc)]
