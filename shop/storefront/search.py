"""Chinese product search on the database: substring matching, ranked, index-backed.

Chinese has no spaces: each run of Chinese characters in the query is cut into words with
jieba (会议一体机 → 会议 + 一体机; a stray single character is glued to its neighbour), runs of
Latin letters and digits (型号, 商品编号 such as XH-DISP-75) stay whole. A product matches when
every word occurs in its title, product number (UPC) or description, or the query is the
product number of one of its variants. Ranking: an exact product number, then the whole query
in the title or number, then every word in the title, then description-only matches; inside a rank,
the earlier the first word appears in the title and the shorter the title, the better.

PostgreSQL: ``pg_trgm`` GIN indexes on title, description and number (migrations) serve
``LIKE`` (terms without case, i.e. Chinese) and ``ILIKE`` (terms with Latin letters) for
words of three characters or more. One- and two-character Chinese words (most Chinese words)
have no trigram: a GIN index over the set of Chinese characters of each browsable product
(migration 0003) finds the products holding all of the word's characters, and ``LIKE`` keeps
those where they stand together — used when no word of the query has three characters (with
one, its trigram index narrows the rows and the short words are plain ``LIKE`` filters).
Short Latin words (``5G``) still scan. Matches are ranked on narrow rows (id and the sort
keys, total counted in the same query), then the page's 20 products are loaded: ranking whole
rows sorted every match's description. Results are cached per catalogue version like every
storefront page. SQLite: the same matching, scanned.
"""

from __future__ import annotations

import logging
import re

from django.db import connection
from django.db.models import BooleanField, Case, Count, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, StrIndex, Upper
from django.utils.functional import cached_property

from .selectors import Product, ProductPage, browsable_products, with_listing_data, with_purchase_info

MAX_QUERY_LENGTH = 100
MAX_TERMS = 5


def normalise_query(raw: str | None) -> str:
    text = re.sub(r"\s+", " ", (raw or "").replace("\u3000", " ")).strip()
    return text[:MAX_QUERY_LENGTH]


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_jieba_ready = False


def warm_up() -> None:
    """Load jieba's dictionary (a second or two, once per process)."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba_ready = True


def _cut(text: str) -> list[str]:
    import jieba

    warm_up()
    return [w for w in jieba.lcut(text) if w.strip()]


def _glue_single_characters(words: list[str]) -> list[str]:
    """A lone character is too broad a term: join it to its neighbour (外 包 → 外包)."""
    out: list[str] = []
    pending = ""
    for word in words:
        if len(word) == 1:
            pending += word
            continue
        if pending:
            word = pending + word if len(pending) == 1 else word
            if len(pending) > 1:
                out.append(pending)
            pending = ""
        out.append(word)
    if pending:
        if len(pending) == 1 and out:
            out[-1] += pending
        else:
            out.append(pending)
    return out


def _segment(term: str) -> list[str]:
    words: list[str] = []
    position = 0
    for match in _CJK_RUN.finditer(term):
        if match.start() > position:
            words.append(term[position : match.start()])
        run = match.group(0)
        words.extend(_glue_single_characters(_cut(run)) if len(run) > 2 else [run])
        position = match.end()
    if position < len(term):
        words.append(term[position:])
    return [w.strip() for w in words if w.strip()]


def raw_terms(query: str) -> list[str]:
    """The whitespace-separated terms of the query (at most five, no repeats)."""
    terms: list[str] = []
    for term in query.split(" "):
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """The words every match must contain."""
    words: list[str] = []
    for term in raw_terms(query):
        for word in _segment(term):
            if word not in words:
                words.append(word)
    return words


def _has_case(term: str) -> bool:
    return term.lower() != term.upper()


def _matches(field: str, term: str) -> Q:
    """``LIKE`` for caseless (Chinese) terms, ``ILIKE`` otherwise; one trigram index serves both."""
    lookup = "trgm_icontains" if _has_case(term) else "contains"
    return Q(**{f"{field}__{lookup}": term})


def _in_title(term: str) -> Q:
    return _matches("title", term)


def _in_description(term: str) -> Q:
    return _matches("description", term)


# The Chinese characters of a browsable product's title and description, written exactly as
# the GIN index of migration 0003 is, so PostgreSQL uses it.
HANZI_DOCUMENT = (
    'string_to_array(regexp_replace("catalogue_product"."title"::text || \' \' || '
    "\"catalogue_product\".\"description\", '[^\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff]+', '', 'g'), NULL)"
)


def _uses_hanzi_index(word: str) -> bool:
    """One or two Chinese characters have no trigram: the character index serves them."""
    return len(word) <= 2 and _CJK_RUN.fullmatch(word) is not None and connection.vendor == "postgresql"


def _anywhere(word: str, *, hanzi_index: bool) -> Q:
    """The word occurs in the title, the product number or the description."""
    found = _in_title(word) | _in_number(word) | _in_description(word)
    if hanzi_index and _uses_hanzi_index(word):
        chars = sorted(set(word))
        has_chars = RawSQL(f"{HANZI_DOCUMENT} @> %s::text[]", [chars], output_field=BooleanField())
        return Q(has_chars) & found
    return found


def _in_number(word: str) -> Q:
    """Part of a product number: only words with Latin letters or digits can be one."""
    return _matches("upc", word) if not _CJK_RUN.search(word) else Q(pk__in=[])


def _numbers(terms: list[str]) -> Q:
    """Products whose number is one of the terms, or whose variant's number is.

    The variants are looked up first (one indexed query, only for terms that can be a
    number), so the main query is a plain OR of indexable conditions."""
    from .selectors import Product

    forms = sorted({f for t in terms if not _CJK_RUN.search(t) for f in (t, t.upper())})
    if not forms:
        return Q(pk__in=[])
    parents = list(
        Product.objects.filter(upc__in=forms, parent__isnull=False).values_list("parent_id", flat=True)[:100]
    )
    return Q(upc__in=forms) | Q(pk__in=parents)


def search_queryset(query: str) -> QuerySet:
    """Browsable products matching ``query``, best first (``none()`` for an empty query)."""
    terms = raw_terms(query)
    words = query_terms(query)
    if not words:
        return browsable_products().none()
    numbers = _numbers(terms)
    all_words = Q()
    all_in_title = Q()
    # The character index only when no word has a trigram index: mixed with a (lossy) trigram
    # bitmap, PostgreSQL would recompute the characters of every candidate; there the trigram
    # words narrow the rows and a short word is a plain LIKE on them.
    hanzi_index = not any(len(word) >= 3 for word in words)
    for word in words:
        all_words &= _anywhere(word, hanzi_index=hanzi_index)
        all_in_title &= _in_title(word)
    whole = " ".join(terms)
    ranks = [
        When(numbers, then=Value(0)),
        When(_in_title(whole) | _in_number(whole), then=Value(1)),
    ]
    if words != [whole]:  # one word: "every word in the title" is rank 1 already
        ranks.append(When(all_in_title, then=Value(2)))
    first = words[0]
    # Chinese has no case: no UPPER() of every matching title (slow for multibyte text).
    position = (
        StrIndex(Upper("title"), Upper(Value(first))) if _has_case(first) else StrIndex("title", Value(first))
    )
    return (
        browsable_products()
        .filter(numbers | all_words)
        .annotate(
            rank=Case(*ranks, default=Value(3), output_field=IntegerField()),
            title_position=position,
            title_length=Length("title"),
        )
        .order_by("rank", "title_position", "title_length", "id")
    )


class SearchPage(ProductPage):
    """A page of results ranked on narrow rows: the first query orders every match by id and
    rank alone and counts them (``COUNT(*) OVER ()``), the second loads the page's products
    with everything a card shows. Ranking whole rows made PostgreSQL sort (and spill) every
    match's description."""

    @cached_property
    def _ranked(self) -> list[tuple[int, int]]:
        start = (self.number - 1) * self.per_page
        ranked = self.queryset.annotate(total_matches=Window(Count("pk"))).values_list("pk", "total_matches")
        return list(ranked[start : start + self.per_page])

    @cached_property
    def products(self) -> list:
        ids = [pk for pk, _ in self._ranked]
        if not ids:
            return []
        found = {p.pk: p for p in with_listing_data(Product.objects.filter(pk__in=ids))}
        return with_purchase_info([found[pk] for pk in ids if pk in found])

    @cached_property
    def count(self) -> int:
        if self._ranked:
            return self._ranked[0][1]
        return 0 if self.number == 1 else self.queryset.count()


def search_page(*, query: str, page: int = 1) -> ProductPage:
    return SearchPage(search_queryset(query), page)
