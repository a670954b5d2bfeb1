"""Product cards and price lines written in Python (shop.storefront.cards): the markup the
listings show, every value escaped, and no query (these tests have no database: a query
would fail them)."""

from decimal import Decimal
from types import SimpleNamespace

from oscar.core.loading import get_model

from shop.apps.partner.strategy import CNYPrice, NoPrice, QuoteOnlyPrice
from shop.storefront.cards import price_line, product_card, product_cards

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")


def purchase(price):
    return SimpleNamespace(price=price)


def card_product(*, pk: int, title: str, price, structure: str = "standalone", children: int = 0, oem=True):
    """An unsaved product with what a listing loads for it: class, no photo, variants."""
    product = Product(pk=pk, slug=f"p{pk}", title=title, structure=structure, supports_oem=oem)
    product.product_class = ProductClass(pk=7, name="会议<平板>", slug="smart-display")
    product._prefetched_objects_cache = {"images": []}
    product._prefetched_public_children = [object()] * children
    product.purchase = purchase(price)
    return product


def test_price_lines_read_as_the_listings_show_them():
    # given a from-price with a unit, a plain price, a quote-only product and an unpriced one
    from_price = CNYPrice(incl_tax=Decimal("11800"), tax_rate=Decimal("0.13"), is_from_price=True, unit="台")
    plain = CNYPrice(incl_tax=Decimal("99.5"), tax_rate=Decimal("0.06"))
    # when their price lines are written / then each reads exactly so
    assert price_line(purchase(from_price)) == (
        '<span class="xh-price-line"><span class="xh-price">¥11,800</span> <span class="xh-from">起</span>'
        ' <span class="xh-unit">/ 台</span></span>'
    )
    # and compact (a variant's row) drops the unit
    assert price_line(purchase(from_price), compact=True) == (
        '<span class="xh-price-line"><span class="xh-price">¥11,800</span> <span class="xh-from">起</span></span>'
    )
    assert (
        price_line(purchase(plain))
        == '<span class="xh-price-line"><span class="xh-price">¥99.50</span></span>'
    )
    assert price_line(purchase(QuoteOnlyPrice())) == (
        '<span class="xh-price-line"><span class="xh-price xh-price-quote">面议</span>'
        ' <span class="xh-badge xh-badge-quote">仅询价</span></span>'
    )
    assert price_line(purchase(NoPrice())) == (
        '<span class="xh-price-line"><span class="xh-price xh-price-quote">面议</span></span>'
    )
    # and a missing purchase (a template variable that is not there) reads 面议
    assert (
        price_line("")
        == '<span class="xh-price-line"><span class="xh-price xh-price-quote">面议</span></span>'
    )


def test_a_card_shows_picture_title_price_and_badges_with_every_value_escaped():
    # given a parent product with three variants and a title written to break out of the markup
    product = card_product(
        pk=41,
        title='86 寸 "会议" <script>alert(1)</script>',
        price=CNYPrice(incl_tax=Decimal("11800"), tax_rate=Decimal("0.13"), is_from_price=True),
        structure="parent",
        children=3,
    )
    # when its card is written
    html = product_card(product)
    # then it is this markup: the class illustration, the escaped title twice over, the badges
    title = "86 寸 &quot;会议&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
    assert html == (
        '<article class="xh-card">\n'
        '    <a class="xh-card-image" href="/catalogue/p41_41/" tabindex="-1" aria-hidden="true">\n'
        f'        <img src="/static/shop/img/products/display.svg" alt="{title}" loading="lazy" class="xh-illustration">\n'
        "    </a>\n"
        '    <div class="xh-card-body">\n'
        f'        <h3 class="xh-card-title"><a href="/catalogue/p41_41/">{title}</a></h3>\n'
        '        <div class="xh-card-price"><span class="xh-price-line"><span class="xh-price">¥11,800</span>'
        ' <span class="xh-from">起</span></span></div>\n'
        '        <div class="xh-card-badges"><span class="xh-badge xh-badge-oem">支持 OEM</span>'
        '<span class="xh-badge">3 种规格</span><span class="xh-card-class">会议&lt;平板&gt;</span></div>\n'
        "    </div>\n"
        "</article>"
    )


def test_a_listing_writes_one_card_per_product_in_order():
    # given two products, the second without OEM and quote-only
    first = card_product(pk=1, title="麒麟信创产品", price=NoPrice())
    second = card_product(pk=2, title="城市交通大脑", price=QuoteOnlyPrice(), oem=False)
    # when the listing's cards are written
    html = product_cards([first, second])
    # then there are two cards, in order, each followed by a line break
    assert html == product_card(first) + "\n" + product_card(second) + "\n"
    assert html.count('<article class="xh-card">') == 2
    assert "支持 OEM" in product_card(first) and "支持 OEM" not in product_card(second)
