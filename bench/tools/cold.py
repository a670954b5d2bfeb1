"""Run inside our store's `manage.py shell`: each search and filtered category page rendered
cold — the catalogue version bumped before every request, so no page, fragment or cached
object answers and every query runs — one request at a time, in-process, after one unmeasured
request per page (templates compiled, as in a web worker that has served pages).

Reads the pages from $BENCH_SETUP (site_setup.py's JSON); writes TSV lines to $BENCH_OUT:
page, requests, status, median ms, slowest ms, SQL queries. $BENCH_COLD_REPEAT requests per
page (default 7)."""

import gc
import json
import os
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.storefront.cache import catalogue_changed
from shop.storefront.search import warm_up

repeat = int(os.environ.get("BENCH_COLD_REPEAT", "7"))
with open(os.environ["BENCH_SETUP"], encoding="utf-8") as fh:
    setup = json.load(fh)
warm_up()  # jieba's dictionary, as a web worker loads it at start,
gc.collect()  # and puts what it loaded out of the collector's reach (shop/storefront/apps.py)
gc.freeze()
client = Client()
lines = []
# one request per page first, not measured: a web worker that has served pages has compiled
# their templates; what is measured is the data, with nothing of it cached
for name, path in setup["pages"].items():
    if name.startswith("search") or name.endswith("筛选"):
        client.get(path)
gc.collect()  # and what those requests loaded, as a web worker does after its first requests
gc.freeze()
for name, path in setup["pages"].items():
    if not (name.startswith("search") or name.endswith("筛选")):
        continue
    timings, statuses, queries = [], set(), 0
    for _ in range(repeat):
        catalogue_changed()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
        queries = len(ctx.captured_queries)
    status = ",".join(str(s) for s in sorted(statuses))
    line = (
        f"{name} (cold)\t{repeat}\t{status}\t{statistics.median(timings):.1f}\t{max(timings):.1f}\t{queries}"
    )
    lines.append(line)
    print(line, flush=True)
with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as fh:
    fh.write("".join(line + "\n" for line in lines))
