"""Storefront helpers without a database: ¥ formatting, description text, query words, and
the CSRF scrubbing of cached pages."""

from decimal import Decimal

from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import RequestFactory

from shop.storefront.cache import CSRF_PLACEHOLDER, _strip_tokens, request_is_cacheable
from shop.storefront.search import normalise_query, query_terms
from shop.storefront.templatetags.storefront_tags import paragraphs, percent, yuan


def test_yuan_formats_whole_yuan_without_decimals_and_groups_thousands():
    assert yuan(Decimal("11800.00")) == "¥11,800"
    assert yuan(Decimal("1000000")) == "¥1,000,000"
    assert yuan(Decimal("99.5")) == "¥99.50"
    assert yuan(Decimal("0.005")) == "¥0.01"
    assert yuan(None) == ""
    assert yuan("not a number") == ""


def test_percent_shows_tax_rates_as_whole_percentages():
    assert percent(Decimal("0.13")) == "13%"
    assert percent(Decimal("0.06")) == "6%"
    assert percent(Decimal("0.065")) == "6.5%"
    assert percent(None) == ""


def test_paragraphs_keeps_text_and_drops_markup():
    html = "<p>4K 高清，I5/8G/256G</p><p>支持 OEM。<script>alert(1)</script></p>x &amp; y<br>z"
    assert paragraphs(html) == ["4K 高清，I5/8G/256G", "支持 OEM。alert(1)", "x & y", "z"]
    assert paragraphs("") == []


def test_chinese_queries_are_cut_into_words_latin_runs_stay_whole():
    assert query_terms("会议一体机") == ["会议", "一体机"]
    assert query_terms("麒麟") == ["麒麟"]
    assert query_terms("交通大脑") == ["交通", "大脑"]
    assert query_terms("咨询") == ["咨询"]
    assert query_terms("XH-DISP-86") == ["XH-DISP-86"]
    assert query_terms("小间距LED") == ["小间距", "LED"]
    assert query_terms("人才开发外包") == ["人才", "开发", "外包"]
    assert query_terms("华为  信创 华为") == ["华为", "信创"]


def test_a_unit_written_after_a_number_or_model_stays_with_it():
    assert query_terms("会议一体机 86寸") == ["会议", "一体机", "86寸"]
    assert query_terms("会议一体机86寸") == ["会议", "一体机", "86寸"]
    assert query_terms("1000点 交通大脑") == ["1000点", "交通", "大脑"]
    # apart, or before two characters, they stay words of their own
    assert query_terms("86 寸") == ["86", "寸"]
    assert query_terms("麒麟V10") == ["麒麟", "V10"]
    assert query_terms("86英寸") == ["86", "英寸"]


def test_queries_are_trimmed_and_capped():
    assert normalise_query("\u3000 麒麟 \t V10 ") == "麒麟 V10"
    assert len(normalise_query("测" * 500)) == 100
    assert normalise_query(None) == ""


def test_cached_html_keeps_no_csrf_token_of_the_visitor_who_rendered_it():
    request = RequestFactory().get("/")
    token = get_token(request)
    other = get_token(request)  # Django masks each call differently
    html = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        f'<meta name="csrf-token" content="{other}"><span>{"a" * 64}</span>'
    )
    stripped = _strip_tokens(html, request)
    assert token not in stripped and other not in stripped
    assert stripped.count(CSRF_PLACEHOLDER) == 2
    assert "a" * 64 in stripped  # an unrelated 64-character string is left alone
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_only_cookieless_visitors_get_shared_pages():
    factory = RequestFactory()
    assert request_is_cacheable(factory.get("/"))
    csrf_only = factory.get("/")
    csrf_only.COOKIES = {"csrftoken": "x"}
    assert request_is_cacheable(csrf_only)
    with_session = factory.get("/")
    with_session.COOKIES = {"csrftoken": "x", "sessionid": "y"}
    assert not request_is_cacheable(with_session)
    with_messages = factory.get("/")
    with_messages.COOKIES = {"messages": "m"}
    assert not request_is_cacheable(with_messages)
    assert not request_is_cacheable(factory.post("/"))


def test_a_price_falls_in_the_range_whose_lower_edge_it_reaches():
    from shop.storefront.facets import price_range_of

    assert [
        price_range_of(p)
        for p in (
            None,
            Decimal("-1"),
            0,
            Decimal("999.99"),
            1000,
            Decimal("49999.99"),
            50000,
            1_000_000,
            10**9,
        )
    ] == ["", "", "0-1000", "0-1000", "1000-5000", "10000-50000", "50000-100000", "1000000-", "1000000-"]


def test_a_stored_page_is_cut_once_then_filled_with_the_visitors_regions_and_a_token(monkeypatch):
    from shop.storefront import cache as page_cache
    from shop.storefront import personal

    # given a stored page with two personal regions and a CSRF placeholder between them
    monkeypatch.setattr(personal, "render_region", lambda name, visitor: f"<{name}：{visitor}>")
    marker = page_cache.region_marker
    entry = {"body": f"<a>{marker('account')}<b>{CSRF_PLACEHOLDER}<c>{marker('basket')}".encode()}
    request = RequestFactory().get("/")

    class Buyer:
        csrf_token = get_token(request)  # the token the regions' forms get (Visitor.csrf_token)

        def __str__(self):
            return "买家"

    # when it is served to a buyer
    body = page_cache._page_body(request, entry, Buyer()).decode()
    # then the regions are the buyer's and the token is one of this request's: the regions' own
    head, token, tail = body.partition("<b>")[0], body.split("<b>")[1][:64], body.split("<c>")[1]
    assert (head, tail) == ("<a><account：买家>", "<basket：买家>")
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert token == Buyer.csrf_token
    # and the page was cut once, kept on this copy of the entry
    assert entry["_pieces"] == (b"<a>", "account", b"<b>", None, b"<c>", "basket", b"")
    # when it is served without a visitor (the cookieless copy) the region markers stay
    assert page_cache._page_body(request, entry, None).decode().endswith(f"<c>{marker('basket')}")
    # and a page with nothing to fill is sent as it is stored
    plain = {"body": b"<p>no markers</p>"}
    assert page_cache._page_body(request, plain, None) is plain["body"]
