"""Run inside a shop's `manage.py shell`: SQL queries (and writes) per page, warm.

Reads the pages from $BENCH_SETUP (site_setup.py's JSON); appends TSV lines to $BENCH_OUT:
page, anonymous|buyer, status, queries, writes. Each page is requested once to warm caches
and the session, then counted on the second request, like the peer's query_counts.py."""

import json
import os

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

WRITE = ("INSERT", "UPDATE", "DELETE")

with open(os.environ["BENCH_SETUP"], encoding="utf-8") as fh:
    setup = json.load(fh)
buyer = get_user_model().objects.get(username="benchbuyer")
lines = []
for mode in ("anonymous", "buyer"):
    pages = dict(setup["pages"])
    # searches once more with a fresh URL, so no page cache answers (bench/tools/uncached.lua)
    pages.update(
        {
            f"{n} (uncached)": f"{p}&nocache=qc-{mode}"
            for n, p in setup["pages"].items()
            if n.startswith("search")
        }
    )
    for name, path in pages.items():
        client = Client()
        if mode == "buyer":
            client.force_login(buyer)
        if not name.endswith("(uncached)"):
            client.get(path)  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
        writes = sum(1 for s in sql if s.startswith(WRITE))
        lines.append(f"{name}\t{mode}\t{response.status_code}\t{len(sql)}\t{writes}")
with open(os.environ["BENCH_OUT"], "a", encoding="utf-8") as fh:
    fh.write("".join(line + "\n" for line in lines))
print("\n".join(lines))
