"""Two of everything: buyers A and B, vendors A and B, and one operator, each owning rows that
carry a unique marker, so a page that leaks the other party's data is found by text search.

Besides each side's rows the world holds the rows where isolation is subtle: a vendor's
products waiting for review (or rejected) with child variants, pending and rejected reviews,
a quote request shared by both vendors where B's quote was accepted, and a mall-owned product
stocked by both vendors. Every private text is a ``Secret`` listing the roles that may see it;
the crawler checks each response (page, JSON, redirect message) against the secrets its role
must not see."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.test import Client
from oscar.core.loading import get_model
from oscar.test.factories import create_product, create_stockrecord

from shop.payments.orders import OrderLineSpec, order_place
from tests.factories import vendors as vendors_f
from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory, make_vendor_user

PASSWORD = "pass-12345"
StockRecord = get_model("partner", "StockRecord")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")

ROLES = ("anonymous", "buyer_a", "buyer_b", "vendor_a", "vendor_b", "operator")


@dataclass(frozen=True)
class Secret:
    """A marker text and the roles allowed to see it (the operator sees everything).
    ``only_on``: route-name prefixes where it counts (e.g. a vendor name is public on the
    storefront, but not on another vendor's dashboard); empty = everywhere."""

    text: str
    seen_by: frozenset
    only_on: tuple[str, ...] = ()

    def hidden_from(self, role: str, route: str) -> bool:
        if role == "operator" or role in self.seen_by:
            return False
        return not self.only_on or any(route.startswith(p) for p in self.only_on)


def side_roles(side: str) -> frozenset:
    return frozenset({f"buyer_{side}", f"vendor_{side}"})


def marker(side: str, what: str) -> str:
    """A token that appears only in rows of one side ("MKA-product", "MKB-order" ...)."""
    return f"MK{side.upper()}-{what}"


@dataclass
class Side:
    name: str
    buyer: object = None
    vendor: object = None
    partner: object = None
    product: object = None
    stockrecord: object = None
    shared_stockrecord: object = None
    order: object = None
    address: object = None
    extra: dict = field(default_factory=dict)
    parent: object = None
    child: object = None
    owned_product: object = None  # owned by the side's vendor (VendorProduct), approved
    order_note: object = None
    alert: object = None
    wishlist: object = None
    wishlist_line: object = None

    def marker(self, what: str) -> str:
        return marker(self.name, what)


class World:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def side(self, name: str) -> Side:
        return {"a": self.a, "b": self.b}[name]

    def user(self, role: str):
        if role == "anonymous":
            return None
        if role == "operator":
            return self.operator
        kind, side = role.split("_")
        return getattr(self.side(side), kind)

    def client(self, role: str, **kwargs) -> Client:
        client = Client(**kwargs)
        user = self.user(role)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def markers_of(self, side: str) -> list[str]:
        """Private text of one side (product titles and vendor names are public, not here)."""
        s = self.side(side)
        return [marker(side, w) for w in ("sku", "address", "note", "wishlist")] + [
            s.order.number,
            *[str(v) for v in s.extra.get("markers", [])],
        ]

    def secrets(self) -> list[Secret]:
        """Every private text of the world with who may see it: each side's rows by that
        side's buyer and vendor, plus the narrower ones ``build_world`` adds."""
        out = [Secret(m, side_roles(n)) for n in ("a", "b") for m in self.markers_of(n)]
        return out + list(self.extra_secrets)

    def hidden_from(self, role: str, route: str, asked: str = "") -> list[str]:
        """The texts ``role`` must not find in any response of ``route``, but those it sent
        itself (``asked``: its URL and form data; a login redirect echoes the URL it came from)."""
        asked = asked.lower()
        return sorted(
            {s.text for s in self.secrets() if s.hidden_from(role, route) and s.text.lower() not in asked}
        )


def _country():
    return Country.objects.get_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "printable_name": "中国",
            "name": "中华人民共和国",
            "is_shipping_country": True,
        },
    )[0]


def _side(name: str) -> Side:
    s = Side(name=name)
    s.buyer = UserFactory(username=f"buyer_{name}", first_name=marker(name, "buyer"))
    s.partner = PartnerFactory(name=marker(name, "partner"), code=f"vendor-{name}")
    s.vendor, _ = make_vendor_user(partner=s.partner, username=f"vendor_{name}")
    s.product = create_product(title=marker(name, "product"), upc=f"UPC-{name.upper()}-1")
    s.stockrecord = create_stockrecord(
        s.product, price=Decimal("100.00"), num_in_stock=50, partner_sku=marker(name, "sku")
    )
    s.stockrecord.partner = s.partner
    s.stockrecord.save()
    s.address = UserAddress.objects.create(
        user=s.buyer, first_name=marker(name, "address"), line1="岳麓区", line4="长沙", country=_country()
    )
    return s


def build_world() -> World:
    operator = OperatorFactory(username="operator_x", is_superuser=True)
    a, b = _side("a"), _side("b")
    shared = create_product(title="共享产品", upc="UPC-SHARED")
    a.shared_stockrecord = StockRecord.objects.create(
        product=shared,
        partner=a.partner,
        partner_sku=marker("a", "shared-sku"),
        price=Decimal("90.00"),
        num_in_stock=5,
    )
    b.shared_stockrecord = StockRecord.objects.create(
        product=shared,
        partner=b.partner,
        partner_sku=marker("b", "shared-sku"),
        price=Decimal("95.00"),
        num_in_stock=5,
    )

    def spec(product, sr):
        return OrderLineSpec(
            product=product,
            stockrecord=sr,
            quantity=1,
            unit_price_incl_tax=sr.price,
            tax_rate=Decimal("0.13"),
        )

    shipping = {
        "name": "收货人",
        "address": "岳麓区",
        "city": "长沙",
        "province": "湖南",
        "phone": "13800000000",
    }
    for s in (a, b):
        s.order = order_place(
            user=s.buyer,
            lines=[spec(s.product, s.stockrecord)],
            source="direct",
            reference=s.name.upper(),
            shipping=shipping,
        )
    multi = order_place(
        user=UserFactory(username="buyer_multi"),  # a third buyer: both vendors may see it
        lines=[spec(a.product, a.stockrecord), spec(b.product, b.stockrecord)],
        source="direct",
        reference="AB",
        shipping=shipping,
    )
    world = World(
        operator=operator, a=a, b=b, shared_product=shared, multi_vendor_order=multi, extra_secrets=[]
    )
    _oscar_objects(world)
    for s in (a, b):
        _app_objects(s)
    # a buyer's name is shown to the vendors it buys from (buyer A asked both for quotes)
    world.extra_secrets += [
        Secret(marker("a", "buyer"), frozenset({"buyer_a", "vendor_a", "vendor_b"})),
        Secret(marker("b", "buyer"), frozenset({"buyer_b", "vendor_b"})),
    ]
    for s in (a, b):
        s.owned_product = vendors_f.make_vendor_product(partner=s.partner, title=s.marker("owned"))
        # a product waiting for review is its vendor's business only (not even its side's buyer's)
        world.extra_secrets.append(Secret(s.pending_product.title, frozenset({f"vendor_{s.name}"})))
        _unpublished_variants(world, s)
        _moderated_reviews(world, s)
        _quote_list(s)
    _shared_quote_request(world)
    _mall_owned_product(world)
    _buying_units(world)
    world.notice = _public_notice()
    for extend in world_extensions():
        extend(world)
    return world


def world_extensions() -> list:
    """Each feature area adds its rows in its own module ``tests/security/world_<area>.py``
    with a ``build(world)`` function (run after the base world, in name order); their objects
    go into ``world.side(s).extra``."""
    import importlib
    import pkgutil

    import tests.security as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("world_"):
            found.append(importlib.import_module(f"tests.security.{info.name}").build)
    return found


def _unpublished_variants(world: World, s: Side) -> None:
    """A product of the side's vendor waiting for review and a rejected one, each a parent with
    two child variants: neither they nor their variants may reach anyone but that vendor."""
    for status in ("pending", "rejected"):
        parent = vendors_f.make_parent_product(partner=s.partner, title=s.marker(f"var-{status}-parent"))
        parent.review_status, parent.is_public = status, False
        parent.save(update_fields=["review_status", "is_public"])
        children = [
            vendors_f.make_child_product(
                parent=parent, partner=s.partner, title=s.marker(f"var-{status}-child{i}")
            )
            for i in (1, 2)
        ]
        s.extra[f"{status}_parent"], s.extra[f"{status}_children"] = parent, children
        world.extra_secrets += [
            Secret(text, frozenset({f"vendor_{s.name}"}))
            for text in (parent.title, *[c.title for c in children])
        ]


def _moderated_reviews(world: World, s: Side) -> None:
    """On a public product of the side: a review by its buyer waiting for moderation (only
    that buyer and the operator may read it) and a rejected one by someone else (only the
    operator may)."""
    from oscar.test import factories as f

    Review = get_model("reviews", "ProductReview")
    product = create_product(title=f"评价商品-{s.name}", upc=f"UPC-{s.name}-R")
    create_stockrecord(product, price=Decimal("10.00"), num_in_stock=5, partner_sku=f"R-{s.name}")
    s.extra["reviewed_product"] = product
    for status, name, author, seen_by in (
        (Review.FOR_MODERATION, "review-pending", s.buyer, frozenset({f"buyer_{s.name}"})),
        (Review.REJECTED, "review-rejected", UserFactory(username=f"critic_{s.name}"), frozenset()),
    ):
        review = f.ProductReviewFactory(
            product=product, user=author, title=s.marker(name), body=s.marker(name + "-body"), status=status
        )
        s.extra[name] = review
        world.extra_secrets += [Secret(review.title, seen_by), Secret(review.body, seen_by)]


def _quote_list(s: Side) -> None:
    """The side's buyer's 询价单 with one line (other buyers post its line id to remove it)."""
    from shop.quotes.models import QuoteList

    qlist = QuoteList.objects.create(user=s.buyer)
    s.extra["quote_list_line"] = qlist.lines.create(product=s.product, quantity=3, remark=s.marker("qlline"))
    s.extra["markers"].append(s.marker("qlline"))


def _shared_quote_request(world: World) -> None:
    """Buyer A asks for the product both vendors stock; each vendor gets its quote, buyer A
    accepts B's. Vendor A must see nothing of B's quote, of the order it became, nor B's name
    in its dashboard (the timeline records both)."""
    from shop.quotes import services as quotes_services
    from tests.factories import quotes as quotes_f

    a, b = world.a, world.b
    qr = quotes_f.submit_request(
        buyer=a.buyer, lines=[(world.shared_product, 1)], org_name=marker("a", "shared-org")
    )
    quotes_f.process(qr)
    vq_a = qr.vendor_quotes.get(partner=a.partner)
    vq_b = qr.vendor_quotes.get(partner=b.partner)
    order = quotes_services.vendor_quote_accept(vendor_quote=vq_b, actor=a.buyer, revision=vq_b.revision)
    world.shared_request, world.shared_vq_a, world.shared_vq_b = qr, vq_a, vq_b
    world.shared_order = order
    buyer_and_vendor_b = frozenset({"buyer_a", "vendor_b"})
    world.extra_secrets += [
        Secret(vq_b.number, buyer_and_vendor_b),
        Secret(order.number, buyer_and_vendor_b),
        Secret(vq_a.number, frozenset({"buyer_a", "vendor_a"})),
        Secret(qr.org_name, frozenset({"buyer_a", "vendor_a", "vendor_b"})),
        # vendor names are public on the storefront, never on another vendor's dashboard
        Secret(b.partner.name, frozenset({"buyer_a", "buyer_b", "anonymous", "vendor_b"}), ("dashboard:",)),
        Secret(a.partner.name, frozenset({"buyer_a", "buyer_b", "anonymous", "vendor_a"}), ("dashboard:",)),
    ]


def _mall_owned_product(world: World) -> None:
    """The mall's own product (no VendorProduct row) stocked by both vendors: each vendor may
    at most see and change its own stock record, never the other's, nor delete the product."""
    for s in (world.a, world.b):
        world.extra_secrets.append(Secret(s.shared_stockrecord.partner_sku, frozenset({f"vendor_{s.name}"})))


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _app_objects(s: Side) -> None:
    """Rows of our apps owned by one side: a quote request (with a vendor quote and an
    attachment), an OEM order, a 入驻 application, a pending product, an import, a bank
    transfer with its slip and a Stripe attempt."""
    from django.utils import timezone

    from shop.core.uploads import bytes_upload
    from shop.payments import services as payments
    from shop.payments.models import StripePayment
    from shop.quotes import services as quotes_services
    from shop.vendors.models import ProductImport
    from tests.factories import oem as oem_f
    from tests.factories import quotes as quotes_f
    from tests.factories import vendors as vendors_f

    s.quote_request = quotes_f.submit_request(
        buyer=s.buyer,
        lines=[(s.product, 2)],
        attachments=[bytes_upload(PDF, "需求说明.pdf")],
        org_name=s.marker("org"),
        remark=s.marker("remark"),
    )
    quotes_f.process(s.quote_request)
    s.vendor_quote = s.quote_request.vendor_quotes.get(partner=s.partner)
    quotes_services.vendor_quote_render_pdf(vendor_quote_id=s.vendor_quote.pk)
    s.attachment = s.quote_request.attachments.get()
    s.oem_product = oem_f.make_oem_product(partner=s.partner, title=f"OEM-{s.name}")
    s.oem_order = oem_f.reviewed_oem_order(buyer=s.buyer, product=s.oem_product, brand_name=s.marker("brand"))
    s.application = vendors_f.make_application(user=s.buyer, company_name=s.marker("company"))
    s.pending_product = vendors_f.make_vendor_product(
        partner=s.partner, title=s.marker("pending"), review_status="pending", is_public=False
    )
    s.product_import = ProductImport.objects.create(
        partner=s.partner,
        created_by=s.vendor,
        file_name=s.marker("import") + ".csv",
        kind="csv",
        status="done",
    )
    stage = s.order.payment_stages.get()
    s.transfer = payments.bank_transfer_submit(
        stage=stage,
        user=s.buyer,
        payer_name=s.marker("payer"),
        amount=stage.amount,
        remitted_on=timezone.localdate(),
        slip=bytes_upload(PDF, "回单.pdf"),
    )
    s.stripe_attempt = StripePayment.objects.create(
        order=s.order,
        stage=stage,
        attempt=1,
        client_token=f"tok-{s.name}",
        idempotency_key=f"{s.order.number}-1-1",
        amount=stage.amount,
        created_by=s.buyer,
        status="requires_action",
    )
    s.extra["markers"] = [s.marker(w) for w in ("org", "remark", "brand", "company", "import", "payer")]


def _oscar_objects(world: World) -> None:
    """Rows the stock Oscar dashboard routes take ids of (per side where a side owns them)."""
    from django.contrib.flatpages.models import FlatPage
    from django.contrib.sites.models import Site
    from oscar.test import factories as f

    OrderNote = get_model("order", "OrderNote")
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    for s in (world.a, world.b):
        s.parent = create_product(title=s.marker("parent"), structure="parent", upc=f"UPC-{s.name}-P")
        s.child = create_product(parent=s.parent, title=s.marker("child"), upc=f"UPC-{s.name}-C")
        StockRecord.objects.create(
            product=s.child, partner=s.partner, partner_sku=f"CHILD-{s.name}", price=Decimal("80.00")
        )
        s.order_note = OrderNote.objects.create(order=s.order, user=s.vendor, message=s.marker("note"))
        s.alert = f.ProductAlertFactory(product=s.product, user=s.buyer)
        s.wishlist = f.WishListFactory(owner=s.buyer, name=s.marker("wishlist"))
        s.wishlist_line = s.wishlist.lines.create(product=s.product, title=s.product.title)
    site = Site.objects.get_current()
    page = FlatPage.objects.create(url="/about-world/", title="关于", content="x")
    page.sites.add(site)
    world.flatpage = page
    world.offer = f.create_offer(name="世界优惠")
    world.range = f.RangeFactory(name="世界范围", is_public=True)
    # by a third user: an approved review shows its author's name to everyone
    world.review = f.ProductReviewFactory(
        product=world.a.product, user=UserFactory(username="reviewer"), title="评价"
    )
    world.voucher = f.create_voucher(code="WORLD1")
    world.voucher_set = f.VoucherSetFactory(name="世界券", count=1)
    world.comms = CommunicationEventType.objects.create(code="WORLD_EVENT", name="世界通知")
    world.weight_based = f.create_shipping_weight_based()
    world.band = f.create_shipping_weight_band(10, Decimal("5.00"), weight_based=world.weight_based)
    world.category = f.CategoryFactory(name="世界类目")
    world.product_class = world.a.product.get_product_class()
    world.option_group = f.AttributeOptionGroupFactory(name="世界选项组")
    world.option = f.OptionFactory(name="世界选项")


def _buying_units(world: World) -> None:
    """Each side's buyer is the 管理员, 经办人 and 财务 of its own buying unit (so it may open and pay
    everything of the unit), with one more member (经办人)."""
    from tests.factories.buyers import BuyingUnitFactory, UnitMemberFactory

    for s in (world.a, world.b):
        unit = BuyingUnitFactory(org_name=s.marker("unit"))
        UnitMemberFactory(unit=unit, user=s.buyer, roles=["admin", "handler", "finance"])
        handler = UserFactory(
            username=f"unit_handler_{s.name}", email=f"{s.marker('unit-handler')}@example.com"
        )
        s.extra["unit_member"] = UnitMemberFactory(unit=unit, user=handler, roles=["handler"])
        seen_by = frozenset({f"buyer_{s.name}"})
        # the buyer founded the unit: its requests, OEM orders and orders are the unit's
        from shop.buyers.services import documents_adopt

        documents_adopt(unit=unit, user_id=s.buyer.pk)
        # the unit's name is shown to the vendor it buys from (requests, orders, sourcing events);
        # unit A buys from vendor B too (buyer A accepted B's quote: the shared order)
        sellers = side_roles(s.name) | ({"vendor_b"} if s.name == "a" else set())
        world.extra_secrets += [
            Secret(s.marker("unit"), frozenset(sellers)),
            Secret(s.marker("unit-handler"), seen_by),
        ]
        _unit_budget_and_approval(world, s, unit, handler, seen_by)
        _sourcing_event(world, s, unit)


def _unit_budget_and_approval(world: World, s, unit, handler, seen_by) -> None:
    """A budget line, an approval rule and an approval waiting in each side's unit."""
    from decimal import Decimal

    from django.utils import timezone

    from shop.buyers.models import ApprovalRequest, ApprovalRule, BudgetLine

    # last year's line: a unit with lines this year must name one on every new document, which
    # the other forms of the world do not
    s.extra["budget_line"] = BudgetLine.objects.create(
        unit=unit,
        name=s.marker("budget"),
        year=timezone.localdate().year - 1,
        amount=Decimal("100000.00"),
        fund_nature="fiscal",
    )
    s.extra["approval_rule"] = ApprovalRule.objects.create(unit=unit, min_amount=Decimal("50000.00"), steps=1)
    s.extra["approval"] = ApprovalRequest.objects.create(
        unit=unit,
        number=f"SP2026120{'1' if s.name == 'a' else '2'}9999",
        kind="sourcing",
        subject_id=900001 if s.name == "a" else 900002,
        subject_number=f"CG-{s.name}",
        title=s.marker("approval"),
        amount=Decimal("60000.00"),
        snapshot={"supplier": s.marker("approval-supplier"), "lines": [], "total": "60000.00"},
        snapshot_hash="0" * 64,
        budget_line=s.extra["budget_line"],
        rule=s.extra["approval_rule"],
        submitted_by=handler,
        steps_required=1,
    )
    world.extra_secrets += [
        Secret(s.marker(what), seen_by) for what in ("budget", "approval", "approval-supplier")
    ]


def _sourcing_event(world: World, s, unit) -> None:
    """An open 网上询价 of each side's unit, inviting the side's vendor, with the vendor's sealed
    response: the event is the side's buyer's and vendor's business; the response price nobody's
    but that vendor's (and, after the deadline, the unit's) — it is never shown here."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from shop.sourcing.models import (
        ResponseLine,
        SourcingEvent,
        SourcingInvite,
        SourcingLine,
        SupplierResponse,
    )
    from tests.factories.catalogue import CategoryFactory

    now = timezone.now()
    price = Decimal("12340.68") if s.name == "a" else Decimal("13579.24")
    event = SourcingEvent.objects.create(
        number=f"WX2026120{'1' if s.name == 'a' else '2'}9999",
        mode="inquiry",
        title=s.marker("sourcing"),
        unit=unit,
        buyer=s.buyer,
        category=CategoryFactory(name=f"智慧会议{s.name.upper()}"),
        delivery_place="长沙",
        delivery_date=(now + timedelta(days=40)).date(),
        invitation="invited",
        deadline=now + timedelta(days=7),
    )
    line = SourcingLine.objects.create(event=event, sequence=1, title="会议平板", quantity=2, unit="台")
    SourcingInvite.objects.create(event=event, partner=s.partner)
    response = SupplierResponse.objects.create(
        event=event, partner=s.partner, submitted_by=s.vendor, delivery_days=10, total=price * 2
    )
    ResponseLine.objects.create(response=response, line=line, unit_price=price)
    s.extra["sourcing"] = event
    world.extra_secrets += [
        Secret(s.marker("sourcing"), side_roles(s.name)),
        Secret(f"{price * 2:,.2f}", frozenset({f"vendor_{s.name}"})),
        Secret(f"{price:,.2f}", frozenset({f"vendor_{s.name}"})),
    ]


def _public_notice():
    """A published 成交公告: public, for everyone (it names no side's secrets)."""
    from decimal import Decimal

    from shop.notices.models import Notice

    return Notice.objects.create(
        kind="award",
        project_number="WX202611010001",
        title="公开的会议设备询价",
        unit_name="某公开采购单位",
        method="网上询价",
        items=[{"title": "会议平板", "quantity": 2, "unit": "台"}],
        supplier_name="某成交供应商",
        amount=Decimal("39800.00"),
    )
