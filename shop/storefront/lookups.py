"""Lookups the storefront's queries need.

``trgm_icontains``: case-insensitive substring match that a pg_trgm index can serve.

Django's ``icontains`` on PostgreSQL is ``UPPER(col) LIKE UPPER(%s)``, which only an index on
``UPPER(col)`` could serve; ``col ILIKE %s`` is served by the plain ``gin_trgm_ops`` index
that also serves ``LIKE`` (``contains``), so one index per column does both. SQLite's LIKE
is already case-insensitive for Latin letters.

``in_array``: ``id IN (subquery)`` written as ``id = ANY(ARRAY(subquery))`` on PostgreSQL. The
subquery runs first, once, and its ids are looked up in the index one by one, in order. As a
plain ``IN``, the planner hashed the subquery's rows and read every row of the other side (all
400,000 products in a price range of a catalogue of 1,000,000, for a category of 16,667)."""

from django.db.models import CharField, IntegerField, Lookup, TextField
from django.db.models.sql.query import Query


class TrigramIContains(Lookup):
    lookup_name = "trgm_icontains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


CharField.register_lookup(TrigramIContains)
TextField.register_lookup(TrigramIContains)


class InArray(Lookup):
    lookup_name = "in_array"

    def get_prep_lookup(self):
        if isinstance(self.rhs, Query):  # as ``__in`` does: a subquery's order is of no use
            self.rhs.clear_ordering(clear_default=True)
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]


IntegerField.register_lookup(InArray)
