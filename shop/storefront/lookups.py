"""``trgm_icontains``: case-insensitive substring match that a pg_trgm index can serve.

Django's ``icontains`` on PostgreSQL is ``UPPER(col) LIKE UPPER(%s)``, which only an index on
``UPPER(col)`` could serve; ``col ILIKE %s`` is served by the plain ``gin_trgm_ops`` index
that also serves ``LIKE`` (``contains``), so one index per column does both. SQLite's LIKE
is already case-insensitive for Latin letters."""

from django.db.models import CharField, Lookup, TextField


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
