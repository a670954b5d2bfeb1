"""A search with more matches than it ranks (shop.storefront.search): the newest
``RESULT_CAP`` matches are ranked, the page says there are more, and a product-number match is
never left out. Three ways find the newest matches (the probe reads the whole catalogue, the
walk in id order goes on past the probe, the indexes); each is forced here by the sizes it
depends on, and all three must show the same page."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from oscar.core.loading import get_model

from shop.storefront import search
from tests.factories.catalogue import ProductFactory
from tests.factories.storefront import add_bulk_products, load_real_catalogue

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

# (PROBE_IDS, WALK_IDS): the whole catalogue in the probe; a probe of 30 ids (the 24 newest
# are variants, which are not listed: 6 matches) then the walk; the indexes (the probe of 1 id
# finds no match to walk on)
WAYS = {"probe": (10**9, 10**9), "walk": (30, 10**9), "indexes": (1, 1)}


@pytest.fixture
def catalogue():
    load_real_catalogue()


@pytest.fixture
def bulk(catalogue):
    return add_bulk_products(60)  # titles 批量<category><i>, upc BULK-000<i>


def use(monkeypatch, way: str, cap: int) -> None:
    probe, walk = WAYS[way]
    monkeypatch.setattr(search, "PROBE_IDS", probe)
    monkeypatch.setattr(search, "WALK_IDS", walk)
    monkeypatch.setattr(search, "RESULT_CAP", cap)


def results(client, query: str, page: int = 1):
    response = client.get(reverse("search:search"), {"q": query, "page": page})
    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r'<h3 class="xh-card-title"><a href="[^"]+">([^<]+)</a>', html)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return titles, text


@pytest.mark.parametrize("way", WAYS)
def test_a_broad_search_ranks_the_newest_matches_and_says_there_are_more(client, bulk, monkeypatch, way):
    # given 60 products titled 批量…, and a search that ranks at most 25
    use(monkeypatch, way, cap=25)
    newest = sorted(bulk, key=lambda p: p.pk)[-25:]

    # when a buyer searches 批量 and pages through
    first, text = results(client, "批量")
    second, _ = results(client, "批量", page=2)
    third, third_text = results(client, "批量", page=3)

    # then the page says there are more than 25 and lists the newest 25, best first (all hold
    # the whole query at the start of the title: the shorter title, then the older product)
    assert "找到超过 25 件相关商品，按相关度列出其中最新上架的 25 件" in text
    assert "加上品牌、尺寸或型号" in text
    assert len(first) == 20 and len(second) == 5
    ranked = [p.title for p in sorted(newest, key=lambda p: (len(p.title), p.pk))]
    assert first + second == ranked
    assert third == [] and "这一页没有结果了。" in third_text


@pytest.mark.parametrize("way", WAYS)
def test_at_the_cap_every_match_is_ranked_and_counted(client, bulk, monkeypatch, way):
    # given 60 matches and a cap of exactly 60
    use(monkeypatch, way, cap=60)

    # when a buyer searches
    first, text = results(client, "批量")

    # then all 60 are counted and the oldest can be on the first page
    assert "找到 60 件相关商品" in text
    assert "超过" not in text
    ranked = sorted(bulk, key=lambda p: (len(p.title), p.pk))
    assert first == [p.title for p in ranked[:20]]


@pytest.mark.parametrize("way", WAYS)
def test_a_product_number_match_comes_first_however_old(client, catalogue, monkeypatch, way):
    # given a product numbered QZX, then 60 newer ones whose description names QZX
    ProductFactory(upc="QZX", title="老款会议终端")
    bulk = add_bulk_products(60)
    Product.objects.filter(pk__in=[p.pk for p in bulk]).update(description="<p>兼容 QZX 系列。</p>")
    use(monkeypatch, way, cap=25)

    # when a buyer searches the number in lower case
    first, text = results(client, "qzx")

    # then the numbered product leads the page, before the newest matches
    assert "找到超过 25 件相关商品" in text
    assert first[0] == "老款会议终端"
    assert len(first) == 20


@pytest.mark.parametrize("way", WAYS)
def test_latin_words_match_without_case_in_every_way(client, bulk, monkeypatch, way):
    # given BULK-00050 … BULK-00059, and a cap of 5
    use(monkeypatch, way, cap=5)

    # when a buyer searches part of the numbers in lower case
    first, text = results(client, "bulk-0005")

    # then the newest five of the ten are listed
    assert "找到超过 5 件相关商品" in text
    newest = [p for p in sorted(bulk, key=lambda p: p.pk) if p.upc.startswith("BULK-0005")][-5:]
    assert sorted(first) == sorted(p.title for p in newest)


def test_the_walk_in_id_order_cannot_be_turned_into_a_trigram_lookup(bulk):
    """The walk's conditions are written so that no index serves them (``strpos``, not
    ``LIKE``): offered only bitmap lookups, PostgreSQL still takes no trigram or character
    index for them. With ``LIKE``, its guess of how common a word is could make it collect
    every match through the trigram index before the first is returned."""
    parsed = search.ParsedQuery("会议一体机 86寸 xh")
    statement = search._WalkStatement(parsed)
    indexed = search.browsable_products().filter(parsed.matches()).values_list("pk", flat=True)

    where = statement.sql.upper().split(" WHERE ", 1)[1]
    assert "LIKE" not in where and "@>" not in where
    # 会议 and 一体机 in title and description; 86寸 and 86 寸 in both; xh in the number too
    assert where.count("STRPOS(") == 11
    assert "LIKE" in str(indexed.query).upper()

    if connection.vendor != "postgresql":
        return
    newest = max(p.pk for p in bulk)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + statement.sql, [*statement.params, 0, newest, 1001])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = DEFAULT")
        cursor.execute("SET LOCAL enable_indexscan = DEFAULT")
    assert "trgm" not in plan and "hanzi" not in plan


@pytest.mark.parametrize("way", WAYS)
def test_the_page_ranks_the_matches_as_the_ranked_query_does(bulk, monkeypatch, way):
    """The page reads the matches with their sort keys and ranks them itself (no query sends
    the ids back to be ranked): its order is exactly the order of the ranked queryset."""
    # given titles where each sort key decides: the word's place against the title's length,
    # equal keys (the id decides), the word only in the description
    for title in ["预装麒麟的终端", "麒麟终端旗舰版套装", "麒麟终端", "国产麒麟", "国产麒麟", "终端 麒麟"]:
        ProductFactory(title=title)
    ProductFactory(title="信创终端", description="<p>预装麒麟操作系统。</p>")
    use(monkeypatch, way, cap=1000)

    for query in ["批量", "会议一体机", "麒麟", "麒麟 终端", "会议一体机 86寸", "bulk-0005", "XH"]:
        expected = list(search.search_queryset(query).values_list("pk", flat=True))

        # when the buyer pages through the results
        shown = []
        for number in range(1, 5):
            shown += [p.pk for p in search.search_page(query=query, page=number).products]

        # then the pages list the ranked query's first 80, in its order
        assert expected and shown == expected[:80], query


def test_the_ranking_weighs_rank_then_place_then_length_then_age(catalogue):
    # given titles where each sort key decides
    made = {
        t: ProductFactory(title=t) for t in ["预装麒麟的终端", "麒麟终端旗舰版套装", "麒麟终端", "国产麒麟"]
    }
    twin = ProductFactory(title="国产麒麟")
    described = ProductFactory(title="信创终端", description="<p>预装麒麟操作系统。</p>")

    # when a buyer searches 麒麟
    page = search.search_page(query="麒麟", page=1)
    mine = {p.pk for p in [*made.values(), twin, described]}
    shown = [p.pk for p in page.products if p.pk in mine]

    # then: in the title before the description only; the word at the start before later;
    # the shorter title first; the older of two equal titles first
    assert shown == [
        made["麒麟终端"].pk,
        made["麒麟终端旗舰版套装"].pk,
        made["国产麒麟"].pk,
        twin.pk,
        made["预装麒麟的终端"].pk,
        described.pk,
    ]


def test_a_catalogue_read_whole_by_the_probe_or_the_walk_needs_no_index_lookup(bulk, monkeypatch):
    """Once the probe or the walk has read every product, its matches are every match: the
    page ranks them without asking the indexes for them again."""
    from django.test.utils import CaptureQueriesContext

    def queries(way: str) -> list[str]:
        use(monkeypatch, way, cap=1000)
        with CaptureQueriesContext(connection) as ctx:
            page = search.search_page(query="批量", page=1)
            assert page.count == 60 and not page.capped and len(page.products) == 20
        return [q["sql"] for q in ctx.captured_queries]

    # then: the newest and oldest id; the probe, which reads the matches with their sort keys;
    # the 20 products with their pictures and stock records (4; none has variants)
    assert len(queries("probe")) == 6
    # the probe and the walk, then the same
    assert len(queries("walk")) == 7
    # the probe, which finds too few to walk on, then the indexes' newest matches
    assert len(queries("indexes")) == 7


@pytest.mark.parametrize("way", WAYS)
def test_a_size_glued_to_its_number_is_found_written_either_way(client, monkeypatch, way):
    # given displays whose size is written 86寸 or 86 寸, and one with 86 and 寸 apart
    ProductFactory(title="会议平板 86寸")
    ProductFactory(title="会议平板", description="<p>屏幕 86 寸，4K。</p>")
    ProductFactory(title="会议平板 86 寸 旗舰")
    ProductFactory(title="会议平板 型号 86", description="<p>寸土寸金的会议室。</p>")
    use(monkeypatch, way, cap=1000)

    # when a buyer searches 86寸
    titles, text = results(client, "86寸")

    # then the size is found written either way: in the title as typed, in the title written
    # apart, then in the description; the 86 and the 寸 apart are not a size
    assert titles == ["会议平板 86寸", "会议平板 86 寸 旗舰", "会议平板"]
    assert "找到 3 件相关商品" in text
