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
keys), then the page's 20 products are loaded: ranking whole rows sorted every match's
description. Results are cached per catalogue version like every storefront page. SQLite: the
same matching, scanned.

A broad query is not ranked whole: above ``RESULT_CAP`` (1,000) matches, the newest 1,000 and
any product-number match are ranked and the page says "超过 1000 件". Its newest matches are
read newest first along the id index, which stops at the 1,001st (``_walk_newest``); a rare
word goes through the indexes as before. At 1,000,000 products, ranking all 83,334 matches of
会议一体机 took 200–400 ms, the newest 1,000 take about 30.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Lower, StrIndex, Upper
from django.db.models.lookups import GreaterThan
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
        after_latin = match.start() > position
        if after_latin:
            words.append(term[position : match.start()])
        run = match.group(0)
        if len(run) == 1 and after_latin and term[match.start() - 1].isalnum():
            words[-1] += run  # a unit after a number or model stays with it: 86寸, 1000点
        else:
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


_UNIT_AFTER = re.compile(r"^(.*[0-9A-Za-z])([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])$")


def _forms(term: str) -> list[str]:
    """A unit glued to its number is also found written apart: 86寸 and 86 寸."""
    match = _UNIT_AFTER.match(term)
    return [term, f"{match[1]} {match[2]}"] if match else [term]


def _any_form(condition, term: str) -> Q:
    found = Q()
    for form in _forms(term):
        found |= condition(form)
    return found


def _matches(field: str, term: str) -> Q:
    """``LIKE`` for caseless (Chinese) terms, ``ILIKE`` otherwise; one trigram index serves both."""
    lookup = "trgm_icontains" if _has_case(term) else "contains"
    return _any_form(lambda form: Q(**{f"{field}__{lookup}": form}), term)


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


def _held(field: str, word: str) -> Q:
    """The word in the field, checked product by product (``strpos``): no index serves it, so
    a read in id order stays one. Latin letters without case, as ``ILIKE``."""
    if _has_case(word):
        return _any_form(lambda form: Q(GreaterThan(StrIndex(Lower(field), Value(form.lower())), 0)), word)
    return _any_form(lambda form: Q(GreaterThan(StrIndex(field, Value(form)), 0)), word)


def _title_position(word: str):
    """Where the word (its first form found) starts in the title; 0 when it is not there.
    Chinese has no case: no UPPER() of every matching title (slow for multibyte text)."""

    def at(form: str):
        return (
            StrIndex(Upper("title"), Upper(Value(form)))
            if _has_case(form)
            else StrIndex("title", Value(form))
        )

    first, *others = _forms(word)
    if not others:
        return at(first)
    return Case(When(GreaterThan(at(first), 0), then=at(first)), default=at(others[0]))


def _held_anywhere(word: str) -> Q:
    found = _held("title", word) | _held("description", word)
    return found | _held("upc", word) if not _CJK_RUN.search(word) else found


def _in_number(word: str) -> Q:
    """Part of a product number: only words with Latin letters or digits can be one."""
    return _matches("upc", word) if not _CJK_RUN.search(word) else Q(pk__in=[])


def _number_forms(terms: list[str]) -> list[str]:
    """The terms that can be a product number (no Chinese), as written and in upper case."""
    return sorted({f for t in terms if not _CJK_RUN.search(t) for f in (t, t.upper())})


def _numbers(forms: list[str]) -> Q:
    """Products whose number is one of the forms, or whose variant's number is.

    The variants are looked up first (one indexed query, only for terms that can be a
    number), so the main query is a plain OR of indexable conditions."""
    from .selectors import Product

    if not forms:
        return Q(pk__in=[])
    parents = list(
        Product.objects.filter(upc__in=forms, parent__isnull=False).values_list("parent_id", flat=True)[:100]
    )
    return Q(upc__in=forms) | Q(pk__in=parents)


class ParsedQuery:
    """A query cut into its terms and words, its product-number lookup made at most once."""

    def __init__(self, query: str):
        self.terms = raw_terms(query)
        self.words = query_terms(query)

    @cached_property
    def number_forms(self) -> list[str]:
        return _number_forms(self.terms)

    @cached_property
    def numbers(self) -> Q:
        return _numbers(self.number_forms)

    def matches(self, *, for_walk: bool = False) -> Q | None:
        """Products matching the query (None for an empty one). ``for_walk``: the same
        conditions for reading products one by one in id order, written so that no index can
        serve them; otherwise the planner's guess of how common a word is may make it collect
        every match through the trigram index first (all 83,334 of 会议一体机)."""
        if not self.words:
            return None
        if for_walk:
            every = Q()
            for word in self.words:
                every &= _held_anywhere(word)
            return self.numbers | every
        # The character index only when no word has a trigram index: mixed with a (lossy)
        # trigram bitmap, PostgreSQL would recompute the characters of every candidate; there
        # the trigram words narrow the rows and a short word is a plain LIKE on them.
        hanzi_index = not any(len(word) >= 3 for word in self.words)
        every = Q()
        for word in self.words:
            every &= _anywhere(word, hanzi_index=hanzi_index)
        return self.numbers | every


def _ranking(parsed: ParsedQuery) -> dict:
    """The sort keys of a match, as annotations: ``rank`` (an exact product number 0, the whole
    query in the title or number 1, every word in the title 2, otherwise 3), where the first
    word starts in the title, and the title's length. Best first: ascending, then the id."""
    words = parsed.words
    all_in_title = Q()
    for word in words:
        all_in_title &= _in_title(word)
    whole = " ".join(parsed.terms)
    ranks = [
        When(parsed.numbers, then=Value(0)),
        When(_in_title(whole) | _in_number(whole), then=Value(1)),
    ]
    if words != [whole] or len(_forms(whole)) > 1:  # one word as written: rank 1 already
        ranks.append(When(all_in_title, then=Value(2)))
    return {
        "rank": Case(*ranks, default=Value(3), output_field=IntegerField()),
        "title_position": _title_position(words[0]),
        "title_length": Length("title"),
    }


SORT_KEYS = ("rank", "title_position", "title_length")
"""``_ranking``'s keys in the order they rank by; the id decides between equal keys."""

MATCH_ROW = (*SORT_KEYS, "pk")
"""What a match is read as when the page ranks it itself: its sort keys, then its id. Sorted as
tuples, such rows are in ``_ranked``'s order."""


def _ranked(parsed: ParsedQuery) -> QuerySet:
    """Every match, best first."""
    if not parsed.words:
        return browsable_products().none()
    return (
        browsable_products().filter(parsed.matches()).annotate(**_ranking(parsed)).order_by(*SORT_KEYS, "id")
    )


def search_queryset(query: str) -> QuerySet:
    """Browsable products matching ``query``, best first (``none()`` for an empty query)."""
    return _ranked(ParsedQuery(query))


RESULT_CAP = 1000
"""A search matching more products than this ranks the newest ``RESULT_CAP`` of them (and any
product whose number is the query) and says "超过 1000 件". Ranking every one of the 83,334
matches of 会议一体机 among 1,000,000 products read all their rows: 200–400 ms."""

PROBE_IDS = 2_000
"""The newest ids read one by one first (about 1 ms when none of them matches, 3.5 ms for a
product number, whose Latin letters are matched without case)."""

WALK_IDS = 100_000
"""How far back the walk goes when the probe found matches dense enough to reach the cap
within it (about 35 ms when none of them matches)."""


@dataclass(frozen=True)
class _Walk:
    found: list[tuple]
    """Matches, newest first, as ``MATCH_ROW`` rows: up to ``RESULT_CAP`` + 1."""
    complete: bool
    """Every product was read: ``found`` is every match (or the cap was passed)."""


def walk_in_id_order(parsed: ParsedQuery) -> QuerySet:
    """The matches, newest first, checked product by product along the id index."""
    return browsable_products().filter(parsed.matches(for_walk=True)).order_by("-pk")


class _WalkStatement:
    """The walk's query compiled once, run for the probe and again for the walk: the matches
    between two ids, newest first, as ``MATCH_ROW`` rows, at most a given number.

    Django builds and compiles the conditions (the visibility rule, the words, the sort keys);
    the two reads differ only in their bounds and limit, which are parameters here. Compiled
    as two querysets, and with Django's converters on every row of the 1,001, the walk spent
    more time in Python than in PostgreSQL."""

    def __init__(self, parsed: ParsedQuery):
        query = walk_in_id_order(parsed).annotate(**_ranking(parsed)).query
        compiler = query.get_compiler(connection=connection)
        try:
            where, params = compiler.compile(query.where)
        except EmptyResultSet:
            self.sql = None
            return
        keys, key_params = [], []
        for name in SORT_KEYS:
            sql, sql_params = compiler.compile(query.annotations[name])
            keys.append(sql)
            key_params += sql_params
        table = connection.ops.quote_name(Product._meta.db_table)
        pk = f"{table}.{connection.ops.quote_name(Product._meta.pk.column)}"
        self.sql = (
            f"SELECT {', '.join(keys)}, {pk} FROM {table} WHERE ({where}) AND {pk} > %s AND {pk} <= %s "
            f"ORDER BY {pk} DESC LIMIT %s"
        )
        self.params = [*key_params, *params]

    def rows(self, after: int, up_to: int, limit: int) -> list[tuple]:
        if self.sql is None or limit <= 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*self.params, after, up_to, limit])
            return cursor.fetchall()


def _id_range() -> tuple[int, int] | None:
    """The newest and the oldest product id, of every product (ids only grow): two reads of the
    id index's ends."""
    table = connection.ops.quote_name(Product._meta.db_table)
    pk = connection.ops.quote_name(Product._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}), MIN({pk}) FROM {table}")
        newest, oldest = cursor.fetchone()
    return None if newest is None else (newest, oldest)


def _walk_newest(parsed: ParsedQuery) -> _Walk:
    """The newest matches, read newest first, product by product, with their sort keys.

    The newest ``PROBE_IDS`` ids are read first. When the matches there are dense enough to
    pass the cap within the newest ``WALK_IDS`` ids, the walk goes on there. A rare word costs
    only the probe; the indexes find its matches. A small catalogue is read whole by the probe,
    or by the walk: then ``found`` is every match."""
    ids = _id_range()
    if ids is None:
        return _Walk([], complete=True)
    newest, oldest = ids
    statement = _WalkStatement(parsed)
    need = RESULT_CAP + 1
    found = statement.rows(newest - PROBE_IDS, newest, need)
    if len(found) == need or oldest > newest - PROBE_IDS:
        return _Walk(found, complete=True)
    if found and len(found) * WALK_IDS >= need * PROBE_IDS:
        found += statement.rows(newest - WALK_IDS, newest - PROBE_IDS, need - len(found))
        return _Walk(found, complete=len(found) == need or oldest > newest - WALK_IDS)
    return _Walk(found, complete=False)


class SearchPage(ProductPage):
    """A page of results.

    Up to ``RESULT_CAP`` matches, every match is ranked; above it, the newest ``RESULT_CAP``
    matches and the product-number matches are, and the page says there are more. A broad
    query's newest matches are read newest first along the id index (``_walk_newest``);
    otherwise the indexes give the newest cap + 1.

    The matches are read as narrow rows (the sort keys and the id, ``MATCH_ROW``) and ranked here,
    then the page's products are loaded with everything a card shows: ranking whole rows made
    PostgreSQL sort (and spill) every match's description, and sending the 1,000 ids found back
    to be ranked cost a query of its own (6 ms at 1,000,000 products)."""

    @property
    def result_cap(self) -> int:
        return RESULT_CAP

    def __init__(self, query: str, number: int):
        self.parsed = ParsedQuery(query)
        # The page ranks the ids ``_results`` finds, not a queryset of every match.
        super().__init__(Product.objects.none(), number)

    @cached_property
    def _results(self) -> tuple[int, bool, list[int]]:
        """The count shown, whether there are more matches, and the page's ids."""
        parsed = self.parsed
        if not parsed.words:
            return 0, False, []
        walked = _walk_newest(parsed)
        newest = walked.found
        if not walked.complete:
            # The indexes: the newest cap + 1 matches (every match is read, but they are not
            # many here: the probe found them sparse).
            matches = browsable_products().filter(parsed.matches()).annotate(**_ranking(parsed))
            newest = list(matches.order_by("-pk").values_list(*MATCH_ROW)[: RESULT_CAP + 1])
        count = min(len(newest), RESULT_CAP)
        capped = len(newest) > RESULT_CAP
        start = (self.number - 1) * self.per_page
        if start >= count:
            return count, capped, []
        ranked = {row[-1]: row for row in newest[:RESULT_CAP]}
        if capped and parsed.number_forms:
            # a product-number match older than the newest cap (below it, every match is there):
            # a number is unique, and a variant's number names at most 100 parents (_numbers)
            numbered = browsable_products().filter(parsed.numbers).annotate(**_ranking(parsed))
            ranked.update((row[-1], row) for row in numbered.values_list(*MATCH_ROW))
        page = sorted(ranked.values())[start : start + self.per_page]  # best first (MATCH_ROW)
        return count, capped, [row[-1] for row in page]

    @property
    def capped(self) -> bool:
        """More matches than are ranked."""
        return self._results[1]

    @property
    def count(self) -> int:
        return self._results[0]

    @cached_property
    def products(self) -> list:
        ids = self._results[2]
        if not ids:
            return []
        found = {p.pk: p for p in with_listing_data(Product.objects.filter(pk__in=ids))}
        return with_purchase_info([found[pk] for pk in ids if pk in found])


def search_page(*, query: str, page: int = 1) -> ProductPage:
    return SearchPage(query, page)
