"""Print the benchmark table (markdown) from the TSV files bench/run.sh wrote, and the targets.

    python bench/tools/report.py OUT_DIR

OUT_DIR holds wrk.tsv (site, page, visitor, status, req/s, p50, p99, non-2xx, socket errors,
the time of one request alone, and the req/s of our /hello/ measured right before the page),
queries-ours.tsv / queries-peer.tsv (page, visitor, status, queries, writes), optionally
quote.tsv (action, requests, errors, req/s, p50 ms, p99 ms), and with BENCH_SCALE: scale.txt
(the number of products), scale.tsv (same columns as wrk.tsv; search100k.tsv in older runs),
imports.tsv (store, products, seconds, peak MB, summary) and cold.tsv (page, requests, status,
median ms, slowest ms, SQL queries)."""

import csv
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text: str) -> float | None:
    if not text:
        return None
    for unit in ("us", "ms", "s", "m"):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return float(text[: -len(unit)]) * UNITS[unit]
    return None


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return (
        f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"
    )


def fmt_rps(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def read(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [row for row in csv.reader(fh, delimiter="\t") if row]


def main(out: Path) -> int:
    wrk = {}
    for site, page, visitor, status, rps, p50, p99, non2xx, errors, *rest in read(out / "wrk.tsv"):
        single, before = (rest + ["", ""])[:2]
        wrk[(site, page, visitor)] = {
            "status": status,
            "rps": float(rps) if rps and float(rps) > 0 else None,
            "p50": ms(p50) or None,
            "p99": ms(p99) or None,
            "bad": int(non2xx or 0) + int(errors or 0),
            # one warm request timed alone (curl), for pages too slow for wrk's run to finish any
            "single": float(single) * 1000 if single else None,
            # our /hello/ right before this page (bench/run.sh CEILING_EACH): its own ceiling
            "ceiling": float(before) if before and float(before) > 0 else None,
        }
    queries = {}
    for site in ("ours", "peer"):
        for page, visitor, status, count, writes in read(out / f"queries-{site}.tsv"):
            queries[(site, page, visitor)] = (int(count), int(writes), status)

    ceiling = {site: (wrk.get((site, "hello", "anonymous")) or {}).get("rps") for site in ("ours", "peer")}
    pages = []
    for _site, page, visitor in wrk:
        if page != "hello" and (page, visitor) not in pages:
            pages.append((page, visitor))

    lines = [
        "| page | visitor | 湘慧商城 req/s | p50 | p99 | SQL | stock Oscar req/s | p50 | p99 | SQL | × stock | % of ceiling |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def sql(site, page, visitor):
        q = queries.get((site, page, visitor)) or queries.get(
            (site, page.removesuffix(" (uncached)"), visitor)
        )
        if not q:
            return "–"
        return f"{q[0]}" + (f" ({q[1]} write{'s' if q[1] > 1 else ''})" if q[1] else "")

    hello_o, hello_p = wrk.get(("ours", "hello", "anonymous")), wrk.get(("peer", "hello", "anonymous"))
    if hello_o or hello_p:
        o, p = hello_o or {}, hello_p or {}
        lines.append(
            f"| /hello/ (ceiling: same middleware, no DB) | anonymous | {fmt_rps(o.get('rps'))} | {fmt_ms(o.get('p50'))} "
            f"| {fmt_ms(o.get('p99'))} | 0 | {fmt_rps(p.get('rps'))} | {fmt_ms(p.get('p50'))} | {fmt_ms(p.get('p99'))} "
            f"| 0 | | 100% |"
        )

    def rate(d: dict) -> str:
        """req/s; for a page so slow that wrk finished (almost) nothing, its single-request time."""
        if (d.get("rps") or 0) < 1 and d.get("single"):
            return f"{fmt_ms(d['single'])} per request"
        return fmt_rps(d.get("rps"))

    findings = []
    for page, visitor in pages:
        o = wrk.get(("ours", page, visitor), {})
        # the peer has no page cache: its row for the same page is the uncached comparison
        p = wrk.get(("peer", page.removesuffix(" (uncached)"), visitor), {})
        ratio = f"{o['rps'] / p['rps']:,.1f}×" if o.get("rps") and p.get("rps") else "–"
        # the share of the ceiling measured right before the page, else of the run's first
        first = o["rps"] / ceiling["ours"] if o.get("rps") and ceiling["ours"] else None
        share = o["rps"] / o["ceiling"] if o.get("rps") and o.get("ceiling") else first
        flag = lambda d: " ⚠" if d.get("bad") or (d.get("status") and d["status"] != "200") else ""  # noqa: E731
        lines.append(
            f"| {page} | {visitor} | {rate(o)}{flag(o)} | {fmt_ms(o.get('p50'))} | {fmt_ms(o.get('p99'))} "
            f"| {sql('ours', page, visitor)} | {rate(p)}{flag(p)} | {fmt_ms(p.get('p50'))} "
            f"| {fmt_ms(p.get('p99'))} | {sql('peer', page, visitor)} | {ratio} "
            f"| {'–' if share is None else f'{share:.0%}'}"
            f"{f' ({first:.0%})' if first is not None and o.get('ceiling') else ''} |"
        )
        findings.append((page, visitor, o, share))
    print("\n".join(lines))
    print("\n⚠ = non-2xx responses or socket errors/timeouts during the run, or a non-200 page.")
    if any(o.get("ceiling") for _p, _v, o, _s in findings):
        print(
            "% of ceiling: of our /hello/ measured right before the page (the machine's speed drifts"
            " over a run); in brackets, of the run's first /hello/ (the table's first line)."
        )

    quote = read(out / "quote.tsv")
    if quote:
        print("\n| quote step (8 concurrent buyers) | requests | errors | req/s | p50 | p99 |")
        print("|---|--:|--:|--:|--:|--:|")
        for action, count, errors, rps, p50, p99 in quote:
            print(
                f"| {action} | {count} | {errors} | {float(rps):,.1f} | {fmt_ms(float(p50))} | {fmt_ms(float(p99))} |"
            )

    scale_rows = read(out / "scale.tsv") or read(out / "search100k.tsv")
    scale_file = out / "scale.txt"
    scale = int(scale_file.read_text().strip()) if scale_file.exists() else 100_000
    at = f"at {scale:,} products"
    imports = read(out / "imports.tsv")
    if imports:
        print("\n| import (manage.py import_products) | products | wall time | peak memory (RSS) |")
        print("|---|--:|--:|--:|")
        for store, size, seconds, peak, *_summary in imports:
            if seconds == "skipped":
                print(f"| {store} | {int(size):,} | skipped (above 100,000 products) | |")
                continue
            print(f"| {store} | {int(size):,} | {float(seconds):.1f} s | {peak or '–'} MB |")
    facet_counts = out / "facet-counts.txt"
    if facet_counts.exists():
        print(
            f"\nStored facet counts {at} (`manage.py rebuild_facet_counts`): {facet_counts.read_text().strip()}"
        )
    if scale_rows:
        print(f"\n| search and facets {at} | visitor | req/s | p50 | p99 |")
        print("|---|---|--:|--:|--:|")
        for _site, page, visitor, _status, rps, p50, p99, _bad, _err, *_single in scale_rows:
            print(
                f"| {page} | {visitor} | {fmt_rps(float(rps) if rps else None)} | {fmt_ms(ms(p50))} | {fmt_ms(ms(p99))} |"
            )
        print(
            "\n(uncached) = a new URL per request: the page is rendered, but the search results and"
            " facet fragments of the same words and filters come from the cache."
        )
    cold = read(out / "cold.tsv")
    if cold:
        print(
            f"\n| cold page {at}: nothing cached, one request at a time | requests | median | slowest | SQL |"
        )
        print("|---|--:|--:|--:|--:|")
        for page, count, status, median, slowest, queries in cold:
            flag = "" if status == "200" else f" ⚠ {status}"
            print(
                f"| {page}{flag} | {count} | {fmt_ms(float(median))} | {fmt_ms(float(slowest))} | {queries} |"
            )

    # Targets: pages close to the framework's ceiling, search and facets fast at scale -----------
    print("\nTargets:")
    checks = []
    if ceiling["ours"] and ceiling["peer"]:
        checks.append(
            (
                "our /hello/ ≥ 95% of stock Oscar's /hello/",
                ceiling["ours"] / ceiling["peer"],
                0.95,
                None,
                None,
            )
        )
    for page, visitor, o, share in findings:
        p99 = o.get("p99")
        if page.endswith("(uncached)"):
            continue
        if visitor == "anonymous" and page in ("home", "category", "product"):
            checks.append(
                (f"{page} anonymous (cached) ≥ 70% of the /hello/ ceiling", share, 0.70, None, None)
            )
        elif visitor == "buyer":
            checks.append((f"{page} logged-in ≥ 50% of the /hello/ ceiling", share, 0.50, None, None))
    for _s, page, visitor, status, _rps, _p50, p99, bad, errors, *_single in scale_rows:
        # a page that answered an error (or timed out) during the run has no valid figure
        valid = status == "200" and not int(bad or 0) and not int(errors or 0)
        checks.append(
            (f"{page} {visitor} {at}: p99 ≤ 50 ms", None, None, ms(p99) if valid else None, 50.0001)
        )
    for page, _count, status, _median, slowest, _queries in cold:
        measured = float(slowest) if status == "200" else None
        checks.append((f"{page} {at}, one at a time: slowest ≤ 50 ms", None, None, measured, 50.0001))
    pg_imports = {int(size): row for store, size, *row in imports if store == "PostgreSQL"}
    for size, (seconds, _peak, *_r) in sorted(pg_imports.items()):
        if size >= 1_000_000 and seconds != "skipped":
            checks.append(
                (
                    f"import of {size:,} products into PostgreSQL < 5 min",
                    None,
                    None,
                    float(seconds) * 1000,
                    300_000,
                )
            )
    if 100_000 in pg_imports and len(pg_imports) > 1:
        largest = max(pg_imports)
        small, big = pg_imports[100_000][1], pg_imports[largest][1]
        share = float(small) / float(big) if small and big else None
        checks.append(
            (
                f"import peak memory at {largest:,} products ({big} MB) within 10% of at 100,000 ({small} MB)",
                share,
                1 / 1.1,
                None,
                None,
            )
        )
    for action, count, errors, _r, _p50, p99 in quote:
        if "submit" in action:
            measured = float(p99) if int(count) and not int(errors) else None
            checks.append((f"{action}: p99 < 150 ms with 8 buyers, no errors", None, None, measured, 150))
    for label, share, need, p99, limit in checks:
        ok = (need is None or (share is not None and share >= need)) and (
            limit is None or (p99 is not None and p99 < limit)
        )
        got = []
        if need is not None and "peak memory" in label:
            got.append("–" if share is None else f"{1 / share:.2f}× the 100,000-product import's")
        elif need is not None:
            where = "of stock Oscar's" if "stock Oscar" in label else "of ceiling"
            got.append("–" if share is None else f"{share:.0%} {where}")
        if limit is not None:
            what = "slowest" if "one at a time" in label else "took" if "import" in label else "p99"
            got.append(f"{what} {fmt_ms(p99)}")
        print(f"  {'met   ' if ok else 'MISSED'} {label}: {', '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
