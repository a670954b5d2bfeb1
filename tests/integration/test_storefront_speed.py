"""Storefront speed and cache correctness on the real Redis and database.

Query counts are exact and the same with 20 and with 500 extra products, for anonymous
visitors and logged-in buyers; cached pages are invalidated exactly by catalogue writes and
never carry another visitor's CSRF token, messages or account; a page view writes nothing.
The buyer's own header is tested in test_storefront_personal.py."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from shop.storefront.cache import catalogue_changed
from tests.factories.accounts import UserFactory
from tests.factories.catalogue import ProductFactory
from tests.factories.storefront import add_bulk_products, load_real_catalogue

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
ProductRecord = get_model("analytics", "ProductRecord")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def catalogue():
    load_real_catalogue()


def pages() -> dict[str, str]:
    return {
        "home": "/",
        "catalogue": reverse("catalogue:index"),
        "category": Category.objects.get(name="党政企会议/教育一体机").get_absolute_url(),
        "product": Product.objects.get(upc="XH-DISP").get_absolute_url(),
        "search": reverse("search:search") + "?q=%E4%BC%9A%E8%AE%AE%E4%B8%80%E4%BD%93%E6%9C%BA",
    }


def queries_for(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def cold_counts(client) -> dict[str, int]:
    """Queries of each page with nothing cached (each page renders everything it shows)."""
    counts = {}
    for name, url in pages().items():
        cache.clear()
        counts[name] = len(queries_for(client, url))
    return counts


def text_of(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- query counts --------------------------------------------------------------------------

# every listing loads its cards' products, pictures and stock records (3), and variants only
# when one of them has some (none here);
# search: the newest and oldest id, the newest products read one by one with their sort keys
# (the probe; here it reads them all, so it has every match), then the page's 20 are loaded;
# category: the page's own 7 (the listing's total is the size of the facets' selection, not
# counted again), the category tree (1) and the facets: their stored counts looked up (1, none
# stored here; with them the page costs 9, tests/integration/test_facet_counts.py), then
# counted (selection with list prices, attribute values, sellers: 3)
ANONYMOUS_COLD = {"home": 7, "catalogue": 6, "category": 12, "product": 8, "search": 7}


def test_anonymous_query_counts_are_exact_and_do_not_grow_with_the_catalogue(client, catalogue):
    add_bulk_products(20)
    with_20 = cold_counts(client)
    add_bulk_products(480, prefix="MORE")
    with_500 = cold_counts(client)

    assert with_20 == ANONYMOUS_COLD
    assert with_500 == ANONYMOUS_COLD


def test_a_cached_anonymous_page_costs_no_query(client, catalogue):
    add_bulk_products(20)
    for name, url in pages().items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response["X-Storefront-Cache"] == "hit", name
        assert len(ctx.captured_queries) == 0, name


def test_logged_in_buyer_pages_cost_no_query_however_large_the_catalogue(client, catalogue):
    """The shared copy of the page serves the catalogue part, the buyer's header comes from
    the cache, and so does the signed-in user's row on a GET (shop/core/usercache.py)."""
    client.force_login(UserFactory())
    add_bulk_products(20)
    for url in pages().values():
        client.get(url)  # warm the shared pages and the buyer's header
    with_20 = {name: queries_for(client, url) for name, url in pages().items()}
    add_bulk_products(480, prefix="MORE")
    for url in pages().values():
        client.get(url)
    with_500 = {name: queries_for(client, url) for name, url in pages().items()}

    none_each = dict.fromkeys(pages(), 0)
    assert {n: len(q) for n, q in with_20.items()} == none_each
    assert {n: len(q) for n, q in with_500.items()} == none_each


def test_a_logged_in_page_after_a_catalogue_change_costs_the_anonymous_page(client, catalogue):
    """Re-rendering the shared copy for a buyer costs what it costs for an anonymous visitor
    (the buyer's row and header come from the cache)."""
    client.force_login(UserFactory())
    add_bulk_products(20)
    for url in pages().values():
        client.get(url)  # the buyer's header is cached
    counts = {}
    for name, url in pages().items():
        catalogue_changed()
        counts[name] = len(queries_for(client, url))

    assert counts == ANONYMOUS_COLD


# --- cache round trips ------------------------------------------------------------------------


def cache_round_trips(client, url: str, monkeypatch) -> int:
    """Commands (a pipeline counts once) sent to Redis while ``url`` is served."""
    from redis.connection import AbstractConnection

    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    with monkeypatch.context() as patch:
        patch.setattr(AbstractConnection, "send_packed_command", counting)
        response = client.get(url)
    assert response.status_code == 200, url
    return len(sent)


# After a catalogue change (made by this process), an anonymous page first reads up to Redis's
# reports of changes (1, a PING: the near copy's barrier after a write, shop/core/nearcache.py),
# reads the version (1), its stored entry (1: this process holds an older copy), each fragment it
# shows (home and catalogue 2, category 6 with the category itself, product 3 with the product
# itself, search 2), the suspensions' next moments (1, once for all the fragments), then writes
# the page and its fragments together (1; a search page goes into its bounded group, and its
# fragments in one more).
COLD_ROUND_TRIPS = {"home": 7, "catalogue": 7, "category": 11, "product": 8, "search": 8}


def test_a_page_after_a_catalogue_change_reads_each_thing_once_and_writes_once(
    client, catalogue, monkeypatch
):
    add_bulk_products(20)
    for url in pages().values():
        client.get(url)  # this process holds a copy of each page
    cold, stored = {}, {}
    for name, url in pages().items():
        catalogue_changed()
        cold[name] = cache_round_trips(client, url, monkeypatch)
        stored[name] = cache_round_trips(client, url, monkeypatch)

    assert cold == COLD_ROUND_TRIPS
    # the barrier after the cold page's writes; the version is in the near copy and the page is
    # this process's copy
    assert stored == dict.fromkeys(pages(), 1)


def test_fragments_made_for_a_page_are_stored_when_it_is_done(client, catalogue):
    client.get(pages()["category"])
    catalogue_changed()
    version = cache.get("sf:catalogue-version")

    client.get(pages()["category"])

    names = {key.split(":")[4] for key in cache.keys(f"sf:frag:{version}:*")}
    assert {"category", "category-tree", "category-head", "category-menu", "category-facets"} <= names


# --- no writes on a view ---------------------------------------------------------------------


def test_viewing_a_product_writes_nothing(client, catalogue):
    buyer = Client()
    buyer.force_login(UserFactory())
    url = pages()["product"]

    statements = queries_for(client, url) + queries_for(buyer, url) + queries_for(buyer, url)

    writes = [s for s in statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert ProductRecord.objects.count() == 0
    assert Basket.objects.count() == 0  # no empty basket is opened for a page view either


# --- exact invalidation ------------------------------------------------------------------------


def test_a_price_change_shows_on_the_next_anonymous_page(client, catalogue):
    url = Product.objects.get(upc="XH-DISP").get_absolute_url()
    assert "¥11,800 起" in text_of(client.get(url))
    assert client.get(url)["X-Storefront-Cache"] == "hit"

    record = StockRecord.objects.get(product__upc="XH-DISP-75")
    record.price = Decimal("10900.00")
    record.save()

    response = client.get(url)
    assert response["X-Storefront-Cache"] == "miss"
    assert "参考价（含税） ¥10,900 起" in text_of(response)
    assert "¥10,900 – ¥29,800" in text_of(client.get("/"))


def test_a_hidden_product_leaves_listings_search_and_its_page(client, catalogue):
    traffic = Product.objects.get(upc="XH-TRAFFIC-BRAIN")
    category_url = Category.objects.get(name="交通大脑").get_absolute_url()
    search_url = reverse("search:search") + "?q=%E4%BA%A4%E9%80%9A%E5%A4%A7%E8%84%91"
    for url in ("/catalogue/?page=2", category_url, search_url):
        assert "交通大脑 ¥1,000,000 起" in text_of(client.get(url)), url
    assert "参考价（含税） ¥1,000,000 起" in text_of(client.get(traffic.get_absolute_url()))

    traffic.is_public = False
    traffic.save()

    assert "交通大脑 ¥1,000,000 起" not in text_of(client.get("/catalogue/?page=2"))
    assert "共 0 件商品" in text_of(client.get(category_url))
    assert "没有找到与“交通大脑”相关的商品。" in text_of(client.get(search_url))
    assert client.get(traffic.get_absolute_url()).status_code == 404


def test_a_new_product_appears_on_the_next_anonymous_page(client, catalogue):
    category = Category.objects.get(name="远程医疗")
    assert "共 1 件商品" in text_of(client.get(category.get_absolute_url()))
    assert "共 36 件商品" in text_of(client.get("/catalogue/"))

    ProductFactory(title="远程会诊推车", price=Decimal("26800.00"), categories=[category])

    assert "共 2 件商品" in text_of(client.get(category.get_absolute_url()))
    assert "共 37 件商品" in text_of(client.get("/catalogue/"))
    assert "远程会诊推车" in text_of(client.get(reverse("search:search"), {"q": "会诊"}))


def test_category_and_image_changes_show_on_the_next_anonymous_page(client, catalogue):
    product = Product.objects.get(upc="XH-TRAFFIC-BRAIN")
    assert "城市交通大脑" not in text_of(client.get("/"))
    client.get(product.get_absolute_url())

    category = Category.objects.get(name="交通大脑")
    category.name = "城市交通大脑"
    category.save()
    ProductImage.objects.create(product=product, original=SimpleUploadedFile("traffic.png", TINY_PNG))

    assert "城市交通大脑" in text_of(client.get("/"))
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'id="xh-gallery-main"' in html
    assert "城市交通大脑" in html


# --- nothing personal in shared pages ------------------------------------------------------------


def test_each_visitor_of_a_cached_page_gets_its_own_working_csrf_token(catalogue):
    url = Product.objects.get(upc="XH-DISP").get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token_re = r'name="csrfmiddlewaretoken" value="([^"]+)"'

    first_html = first.get(url).content.decode()
    second_response = second.get(url)
    second_html = second_response.content.decode()

    assert second_response["X-Storefront-Cache"] == "hit"
    first_tokens, second_tokens = (
        set(re.findall(token_re, first_html)),
        set(re.findall(token_re, second_html)),
    )
    assert first_tokens and second_tokens and not first_tokens & second_tokens
    secret = second.cookies["csrftoken"].value
    assert {_unmask_cipher_token(t) for t in second_tokens} == {secret}
    child = Product.objects.get(upc="XH-DISP-86")
    added = second.post(
        reverse("basket:add", kwargs={"pk": child.parent_id}),
        {"csrfmiddlewaretoken": second_tokens.pop(), "quantity": 1, "child_id": child.pk},
    )
    assert added.status_code == 302


def test_messages_and_accounts_never_reach_the_shared_page_cache(catalogue):
    # an item at a fixed price (the catalogue's displays are 起价: not for the basket)
    fixed = ProductFactory(title="会议平板（定价）", price=Decimal("8800.00"))
    url = pages()["catalogue"]
    visitor, buyer = Client(), Client()
    visitor.get(url)  # the shared copy now exists
    buyer.force_login(UserFactory(username="wang"))
    buyer.post(reverse("basket:add", kwargs={"pk": fixed.pk}), {"quantity": 1})

    buyer_page = buyer.get(url)
    visitor_page = visitor.get(url)

    assert buyer_page["X-Storefront-Cache"] == "hit"  # the shared copy, with the buyer's regions
    assert "alert-success" in buyer_page.content.decode()
    assert "退出" in text_of(buyer_page)
    assert 'xh-badge-count">1<' in buyer_page.content.decode()
    assert visitor_page["X-Storefront-Cache"] == "hit"
    assert "alert-" not in visitor_page.content.decode()
    assert "退出" not in text_of(visitor_page)
    assert "登录/注册" in text_of(visitor_page)
    assert "xh-badge-count" not in visitor_page.content.decode()


def test_made_up_query_parameters_are_served_from_the_fragments_but_never_stored(client, catalogue):
    url = pages()["search"]
    client.get(url)  # the results fragment is cached

    first = client.get(url + "&nocache=1")
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url + "&nocache=2")

    assert (first["X-Storefront-Cache"], second["X-Storefront-Cache"]) == ("not-stored", "not-stored")
    assert len(ctx.captured_queries) == 0
    assert text_of(second) == text_of(client.get(url))
    assert client.get(url + "&nocache=1")["X-Storefront-Cache"] == "not-stored"


def test_a_stored_page_answers_a_cookieless_visitor_above_sessions_and_auth(client, catalogue, settings):
    # given a product page stored by a first visit
    url = Product.objects.get(upc="XH-DISP").get_absolute_url()
    client.get(url)
    # when a cookieless visitor asks for it
    fresh = Client()
    response = fresh.get(url)
    # then it is answered before the session and authentication middleware ran, with the
    # headers they and the locale, CSRF and frame middleware would have given it
    assert response["X-Storefront-Cache"] == "hit"
    assert not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")
    assert (response["Content-Language"], response["X-Frame-Options"]) == ("zh-hans", "DENY")
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "csrftoken" in fresh.cookies and "Content-Security-Policy" in response
    # when the early answer is switched off, then the same page comes through the whole stack
    settings.STOREFRONT_EARLY_PAGES = False
    late = Client().get(url)
    assert late["X-Storefront-Cache"] == "hit" and hasattr(late.wsgi_request, "session")
    assert late.content.decode().count("csrfmiddlewaretoken") == response.content.decode().count(
        "csrfmiddlewaretoken"
    )
