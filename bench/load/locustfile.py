"""make load-test: 湘慧商城 under a mixed load (locust, headless; see bench/load/run.sh).

Three kinds of users against gunicorn on PostgreSQL with a real Celery worker:
- visitors (anonymous) browse: home, catalogue, categories, products, search;
- buyers log in, browse, add products to the quote list and submit quote requests, and place
  OEM orders (logo upload included);
- vendors log in and work in the dashboard: quote requests and OEM orders, list and detail.

Every submission answered with the success redirect is recorded; at the end the numbers are
written to $LOAD_RESULTS so reconcile.py can check each one is in the database and processed.
Setup data (accounts, URLs, products) comes from $LOAD_SETUP (bench/load/setup.py)."""

import io
import json
import os
import random
import re
import threading
from datetime import date, timedelta

from locust import HttpUser, between, events, task

SETUP = json.load(open(os.environ["LOAD_SETUP"], encoding="utf-8"))
PASSWORD = os.environ["LOAD_PASSWORD"]
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMBER_RE = re.compile(r"/(?:quotes|oem)/([A-Z]{2,3}\d+)/")
USCC = "91430100MA4L12345A"  # valid check digit (GB 32100-2015), not a real organisation's
SUBMITTED = {"quotes": [], "oem": []}
_lock = threading.Lock()
_accounts = {"buyers": list(SETUP["buyers"]), "vendors": list(SETUP["vendors"])}


def png_logo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


LOGO = png_logo()
ORGANISATION = {
    "org_name": "长沙市数据资源局（压测）",
    "org_uscc": USCC,
    "org_type": "party_gov",
    "province": "湖南省",
    "city": "长沙市",
    "county": "岳麓区",
    "invoice_type": "normal",
    "invoice_title": "长沙市数据资源局",
    "invoice_tax_no": USCC,
}


def take_account(kind: str) -> str:
    with _lock:
        pool = _accounts[kind]
        email = pool.pop(0)
        pool.append(email)  # more users than accounts: share round-robin
        return email


class Browsing:
    def browse(self):
        choice = random.random()
        if choice < 0.15:
            self.client.get("/", name="home")
        elif choice < 0.3:
            self.client.get("/catalogue/", name="catalogue")
        elif choice < 0.5:
            self.client.get(random.choice(SETUP["categories"]), name="category")
        elif choice < 0.8:
            self.client.get(random.choice(SETUP["products"]), name="product")
        else:
            self.client.get(random.choice(SETUP["searches"]), name="search")


class SignedIn(HttpUser):
    abstract = True
    kind = "buyers"

    def on_start(self):
        self.login(take_account(self.kind))

    def token(self, path: str, name: str) -> str | None:
        page = self.client.get(path, name=name)
        match = TOKEN_RE.search(page.text)
        return match.group(1) if match else self.client.cookies.get("csrftoken")

    def login(self, email: str):
        token = self.token("/accounts/login/", "login form")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "login-username": email,
                "login-password": PASSWORD,
                "login_submit": "1",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed: {response.status_code}")


class Visitor(Browsing, HttpUser):
    weight = 6
    wait_time = between(0.5, 2)

    @task
    def visit(self):
        self.browse()


class Buyer(Browsing, SignedIn):
    weight = 3
    wait_time = between(1, 3)

    @task(4)
    def look_around(self):
        self.browse()

    @task(2)
    def request_quote(self):
        product = random.choice(SETUP["quotable"])
        token = self.token(product["url"], "product (buyer)")
        with self.client.post(
            "/quotes/list/add/",
            data={
                "csrfmiddlewaretoken": token,
                "product": product["pk"],
                "quantity": random.randint(1, 20),
                "next": "/quotes/list/",
            },
            name="add to quote list",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"add: {response.status_code}")
                return
        with self.client.get("/quotes/list/", name="quote list", catch_response=True) as response:
            if "已加入询价单" not in response.text:
                inner = re.search(r'class="alertinner[^"]*">(.*?)</div>', response.text, re.S)
                message = re.sub(r"<[^>]+>|\s+", " ", inner.group(1)).strip() if inner else "?"
                response.failure(f"not added: {message}")
                return
        token = self.token("/quotes/submit/", "quote form")
        data = {
            "csrfmiddlewaretoken": token,
            **ORGANISATION,
            "contact_name": "压测采购员",
            "contact_mobile": "13800000000",
            "contact_email": "load@example.com",
            "delivery_region": "湖南省长沙市岳麓区",
            "delivery_address": "麓谷大道 1 号",
            "needed_by": (date.today() + timedelta(days=30)).isoformat(),
            "budget": "",
            "procurement_method": "negotiated",
            "remark": "压测",
        }
        with self.client.post(
            "/quotes/submit/", data=data, name="submit quote", allow_redirects=False, catch_response=True
        ) as response:
            match = NUMBER_RE.search(response.headers.get("Location", ""))
            if response.status_code == 302 and match and response.headers["Location"].endswith("/submitted/"):
                with _lock:
                    SUBMITTED["quotes"].append(match.group(1))
                response.success()
            else:
                response.failure(f"submit: {response.status_code}")

    @task(1)
    def order_oem(self):
        if not SETUP["oem"]:
            return
        product = random.choice(SETUP["oem"])
        page = self.client.get(f"/oem/new/{product['pk']}/", name="OEM form")
        match = TOKEN_RE.search(page.text)
        if not match:
            return
        data = {
            "csrfmiddlewaretoken": match.group(1),
            **ORGANISATION,
            "quantity": str(product["moq"] + random.randint(0, 50)),
            "brand_name": "星城智联",
            "target_date": (date.today() + timedelta(days=90)).isoformat(),
            "delivery_contact": "李工",
            "delivery_phone": "0731-88886666",
            "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        }
        variant = re.search(r'<select name="variant"[^>]*>\s*<option value="(\d+)"', page.text)
        if variant:
            data["variant"] = variant.group(1)
        customisation = re.search(r'name="(cust_[a-z_]+?)"(?![^>]*_detail)', page.text)
        if customisation:
            data[customisation.group(1)] = "on"
            data[f"{customisation.group(1)}_detail"] = "开机画面显示星城智联"
        with self.client.post(
            f"/oem/new/{product['pk']}/",
            data=data,
            files={"logo": ("logo.png", LOGO, "image/png")},
            name="submit OEM order",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            match = NUMBER_RE.search(response.headers.get("Location", ""))
            if response.status_code == 302 and match:
                with _lock:
                    SUBMITTED["oem"].append(match.group(1))
                response.success()
            else:
                response.failure(f"OEM: {response.status_code}")


class Vendor(SignedIn):
    weight = 1
    kind = "vendors"
    wait_time = between(1, 4)

    @task(3)
    def quote_requests(self):
        page = self.client.get("/dashboard/quotes/", name="dashboard: quote requests")
        ids = re.findall(r'href="/dashboard/quotes/(\d+)/"', page.text)
        if ids:
            self.client.get(f"/dashboard/quotes/{random.choice(ids)}/", name="dashboard: quote request")

    @task(2)
    def oem_orders(self):
        page = self.client.get("/dashboard/oem/", name="dashboard: OEM orders")
        numbers = re.findall(r'href="/dashboard/oem/([A-Z]{2,3}\d+)/"', page.text)
        if numbers:
            self.client.get(f"/dashboard/oem/{random.choice(numbers)}/", name="dashboard: OEM order")

    @task(1)
    def dashboard(self):
        self.client.get("/dashboard/", name="dashboard: home")


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as fh:
        json.dump(SUBMITTED, fh)
    # The scenario passes with under 1% failed requests (locust alone fails on any failure).
    environment.process_exit_code = 1 if environment.stats.total.fail_ratio >= 0.01 else 0
