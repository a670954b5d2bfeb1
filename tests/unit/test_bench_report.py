"""bench/tools/report.py: a page's share of the ceiling is taken against the /hello/ measured
right before it when the run measured one (bench/run.sh CEILING_EACH), else the run's first."""

import io
from contextlib import redirect_stdout

from bench.tools.report import main

HELLO = "ours\thello\tanonymous\t200\t4000\t1.80ms\t2.90ms\t0\t0\t0.002\n"


def _report(tmp_path, rows: str) -> str:
    (tmp_path / "wrk.tsv").write_text(HELLO + rows, encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out):
        main(tmp_path)
    return out.getvalue()


def test_a_page_measured_after_its_own_hello_is_a_share_of_that_one(tmp_path):
    # given a home page at 3,000 req/s, measured right after a /hello/ at 3,800
    text = _report(tmp_path, "ours\thome\tanonymous\t200\t3000\t2.50ms\t4.00ms\t0\t0\t0.003\t3800\n")
    # then its share is 3,000 / 3,800, with the share of the first /hello/ (4,000) beside it
    assert "| home | anonymous | 3,000 |" in text
    assert "| 79% (75%) |" in text
    assert "met    home anonymous (cached) ≥ 70% of the /hello/ ceiling: 79% of ceiling" in text


def test_a_run_without_the_hello_before_each_page_uses_the_first(tmp_path):
    # given lines written before the column existed, and one with it empty
    text = _report(
        tmp_path,
        "ours\thome\tbuyer\t200\t1960\t3.50ms\t5.00ms\t0\t0\t0.004\n"
        "ours\tproduct\tbuyer\t200\t2040\t3.50ms\t5.00ms\t0\t0\t0.004\t\n",
    )
    # then each share is of the first /hello/, with nothing in brackets
    assert "MISSED home logged-in ≥ 50% of the /hello/ ceiling: 49% of ceiling" in text
    assert "met    product logged-in ≥ 50% of the /hello/ ceiling: 51% of ceiling" in text
    assert "(" not in text.split("| product | buyer |")[1].splitlines()[0]
