"""The quote steps under load: N concurrent buyers add a product to their quote list and submit.

    DJANGO_SETTINGS_MODULE=bench.settings python bench/tools/quote_client.py --base URL \
        --duration 8 --buyers 8 --out quote.tsv

Each buyer is a real account with a logged-in session; the client speaks plain HTTP (CSRF
cookie and form token like a browser) to the gunicorn under test, one request at a time per
buyer, for ``--duration`` seconds. It times the two POSTs (加入询价单, 提交询价; redirects not
followed), then checks that every submission answered with a redirect is in the database.
Writes TSV lines: action, requests, errors, req/s, p50 ms, p99 ms."""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402

from shop.quotes.models import QuoteRequest  # noqa: E402

Product = get_model("catalogue", "Product")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A syntactically valid 统一社会信用代码 (check digit per GB 32100-2015), not a real organisation's.
USCC = "91430100MA4L12345A"


def submit_form() -> dict:
    return {
        "org_name": "长沙市数据资源局（压测）",
        "org_uscc": USCC,
        "org_type": "party_gov",
        "province": "湖南省",
        "city": "长沙市",
        "county": "岳麓区",
        "contact_name": "压测采购员",
        "contact_mobile": "13800000000",
        "contact_email": "bench@example.com",
        "delivery_region": "湖南省长沙市岳麓区",
        "delivery_address": "麓谷大道 1 号",
        "needed_by": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "budget": "",
        "procurement_method": "negotiated",
        "remark": "",
        "invoice_type": "normal",
        "invoice_title": "长沙市数据资源局",
        "invoice_tax_no": USCC,
        "invoice_address": "",
        "invoice_phone": "",
        "invoice_bank": "",
        "invoice_account": "",
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def buyer_sessions(count: int) -> list[str]:
    User = get_user_model()
    keys = []
    for n in range(1, count + 1):
        user, _ = User.objects.get_or_create(
            username=f"benchquote{n}", defaults={"email": f"benchquote{n}@example.com"}
        )
        client = Client()
        client.force_login(user)
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return keys


class Buyer(threading.Thread):
    def __init__(self, *, base: str, session_key: str, products: list, deadline: float, timings: dict):
        super().__init__(daemon=True)
        self.base, self.products, self.deadline, self.timings = base, products, deadline, timings
        self.http = requests.Session()
        self.http.cookies.set(settings.SESSION_COOKIE_NAME, session_key, domain="127.0.0.1")
        self.submitted: list[str] = []
        self.lock = threading.Lock()

    def timed(
        self, action: str, method: str, path: str, *, expect: str, **kwargs
    ) -> requests.Response | None:
        """One timed request; ok when it redirects to a URL containing ``expect``."""
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=30, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            response = None
        elapsed = (time.perf_counter() - started) * 1000
        ok = (
            response is not None
            and response.status_code == 302
            and expect in response.headers.get("Location", "")
        )
        self.timings[action].append((elapsed, ok))
        return response

    def run(self):
        product = self.products[0]
        page = self.http.get(self.base + product.get_absolute_url(), timeout=30)
        match = TOKEN_RE.search(page.text)
        token = match.group(1) if match else self.http.cookies.get(settings.CSRF_COOKIE_NAME, "")
        headers = {"Referer": self.base + "/"}
        i = 0
        while time.monotonic() < self.deadline:
            product = self.products[i % len(self.products)]
            i += 1
            self.timed(
                "加入询价单 (POST /quotes/list/add/)",
                "POST",
                reverse("quotes:list-add"),
                expect="/quotes/list/",
                data={
                    "csrfmiddlewaretoken": token,
                    "product": product.pk,
                    "quantity": 2,
                    "next": "/quotes/list/",
                },
                headers=headers,
            )
            response = self.timed(
                "提交询价 submit (POST /quotes/submit/)",
                "POST",
                reverse("quotes:submit"),
                expect="/submitted/",
                data={"csrfmiddlewaretoken": token, **submit_form()},
                headers=headers,
            )
            if response is not None and response.headers.get("Location", "").endswith("/submitted/"):
                self.submitted.append(response.headers["Location"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--buyers", type=int, default=8)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    products = list(
        Product.objects.filter(upc__startswith="XH-", stockrecords__isnull=False).order_by("upc")[:20]
    )
    before = QuoteRequest.objects.count()
    timings: dict[str, list] = {
        "加入询价单 (POST /quotes/list/add/)": [],
        "提交询价 submit (POST /quotes/submit/)": [],
    }
    sessions = buyer_sessions(args.buyers)
    started = time.monotonic()
    deadline = started + args.duration
    buyers = [
        Buyer(base=args.base, session_key=key, products=products, deadline=deadline, timings=timings)
        for key in sessions
    ]
    for buyer in buyers:
        buyer.start()
    for buyer in buyers:
        buyer.join(timeout=args.duration + 60)
    elapsed = time.monotonic() - started

    lines = []
    for action, samples in timings.items():
        durations = [ms for ms, _ok in samples]
        errors = sum(1 for _ms, ok in samples if not ok)
        lines.append(
            f"{action}\t{len(samples)}\t{errors}\t{len(samples) / elapsed:.1f}\t"
            f"{percentile(durations, 0.50):.1f}\t{percentile(durations, 0.99):.1f}"
        )
    with open(args.out, "a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
    print("\n".join(lines))
    answered = sum(len(b.submitted) for b in buyers)
    stored = QuoteRequest.objects.count() - before
    print(f"提交成功（302）{answered} 次，数据库新增询价 {stored} 条")
    return 0 if answered == stored else 1


if __name__ == "__main__":
    sys.exit(main())
