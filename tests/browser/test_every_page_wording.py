"""Every page a role can reach reads as a Chinese procurement mall and fits a phone.

Given the security world (two of every party, tests/security/world.py) plus an 审批人 of unit A,
each role starts at its own start pages and follows every link it is shown (GET, each request
rolled back), visiting each distinct URL pattern once. Then:

- the visible text of every page holds no English UI word (brand names, units and product
  terms are allowed, the world's own data is not UI) and none of the consumer-shop or
  technical terms a buyer must not read;
- Chromium at 375 px wide shows every such page without sideways scrolling, and the header
  takes at most a fifth of the screen height.
"""

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from tests.security.world import build_world

from .wording_allowlist import ALLOWED_WORDS, CONSUMER_TERMS, DATA_PATTERNS, EXPECTED_ELSEWHERE, data_texts

ROLES = ("anonymous", "buyer_a", "unit_handler", "unit_approver", "vendor_a", "operator")
START_PAGES = {
    "anonymous": ("/", "/accounts/login/"),
    "buyer_a": ("/", "/accounts/", "/buyers/unit/", "/basket/", "/checkout/preview/"),
    "unit_handler": ("/", "/accounts/", "/buyers/unit/"),
    "unit_approver": ("/", "/accounts/", "/buyers/unit/"),
    "vendor_a": ("/", "/dashboard/"),
    "operator": ("/", "/dashboard/"),
}
# links a crawler must not follow: they end the session or leave the pages people read
SKIP_PATH = re.compile(
    r"(^/admin/|^/static/|^/media/|^/i18n/|^/health/|logout|/api/|\.(pdf|csv|xlsx|zip|png|jpg|svg)$)"
)
MAX_PAGES_PER_ROLE = 400


# --- visible text -----------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script/style/template, plus the placeholders,
    alt texts, tooltips and button labels (not aria-labels: those are read aloud, not shown).
    ``<code>`` is left out: it shows what an operator types literally (``{{ order.number }}``)."""

    HIDDEN = {"script", "style", "template", "noscript", "code"}
    ATTRS = ("placeholder", "alt", "title")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden_depth += 1
            return
        attrs = dict(attrs)
        for name in self.ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset"):
            if attrs.get("value"):
                self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


WORD = re.compile(r"(?<![A-Za-z0-9_.@/-])[A-Za-z][A-Za-z'’]*[A-Za-z](?![A-Za-z0-9_@/-])")
SNAKE = re.compile(r"\b[a-z]+(?:[_.][a-z]+)+\b")  # payment_intent.succeeded, is_active


def wording_findings(text: str, *, data: tuple[str, ...] = ()) -> list[str]:
    """English UI words and forbidden terms in a page's visible text. ``data``: texts the
    world itself stored (names, titles, codes): they are content, not UI."""
    for item in sorted(data, key=len, reverse=True):  # Oscar lower-cases names in descriptions
        text = re.sub(rf"(?<![A-Za-z]){re.escape(item)}(?![A-Za-z])", " ", text, flags=re.I)
    for pattern in DATA_PATTERNS:
        text = re.sub(pattern, " ", text, flags=re.I)
    found = [f"用语 {label}" for label, pattern in CONSUMER_TERMS if re.search(pattern, text)]
    for match in SNAKE.finditer(text):
        around = " ".join(text[max(0, match.start() - 12) : match.end() + 12].split())
        found.append(f"技术词 {match.group()!r} «{around}»")
    text = SNAKE.sub(" ", text)
    for match in WORD.finditer(text):
        if match.group() not in ALLOWED_WORDS and not any(
            f.startswith(f"英文 {match.group()!r}") for f in found
        ):
            around = " ".join(text[max(0, match.start() - 12) : match.end() + 12].split())
            found.append(f"英文 {match.group()!r} «{around}»")
    return sorted(set(found))


# --- the crawl --------------------------------------------------------------------------------


@dataclass
class Page:
    role: str
    url: str
    key: str
    html: str


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)  # (role, url) -> status of what was not a page

    def of(self, role: str) -> list[Page]:
        return [p for p in self.pages if p.role == role]


def route_key(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name or match.route


def links(html: str, base: str) -> list[str]:
    out = []
    for href in re.findall(r"""<a\b[^>]*?\shref\s*=\s*["']([^"'#][^"']*)["']""", html, re.I):
        href = href.replace("&amp;", "&")
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "testserver"):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def add_approver(world) -> None:
    """Unit A gets an 审批人 (the world's buyer holds the other roles)."""
    from tests.factories.accounts import UserFactory
    from tests.factories.buyers import UnitMemberFactory

    unit = world.a.extra["unit_member"].unit
    approver = UserFactory(username="unit_approver_a", first_name="审批人甲")
    UnitMemberFactory(unit=unit, user=approver, roles=["approver"])
    world.unit_approver = approver


def role_user(world, role: str):
    if role == "unit_handler":
        return world.a.extra["unit_member"].user
    if role == "unit_approver":
        return world.unit_approver
    return world.user(role)


def prime_checkout(client, user) -> None:
    """A buyer with a non-empty 采购车 chooses its first saved address in the checkout, as a
    buyer does by pressing 送货到此地址 (a POST the crawl does not follow), so the shipping,
    payment and preview steps of the checkout can be reached by GET."""
    from oscar.core.loading import get_model

    Basket = get_model("basket", "Basket")
    UserAddress = get_model("address", "UserAddress")
    basket = Basket.open.filter(owner=user).first()
    address = UserAddress.objects.filter(user=user).order_by("pk").first()
    if basket is None or basket.is_empty or address is None:
        return
    response = client.post("/checkout/shipping-address/", {"address_id": address.pk, "action": "ship_to"})
    assert response.status_code == 302, response.status_code
    client.get("/checkout/shipping-method/")  # the one method is chosen and kept in the session


def crawl_role(world, role: str, crawl: Crawl) -> None:
    from django.test import Client

    client = Client(raise_request_exception=False)
    user = role_user(world, role)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        prime_checkout(client, user)
    seen_keys: set[str] = set()
    queue = deque(START_PAGES[role])
    queued = set(queue)
    while queue and len(crawl.of(role)) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        path = urlsplit(url).path
        if SKIP_PATH.search(path):
            continue
        key = route_key(path)
        if key is None or key in seen_keys:
            continue
        seen_keys.add(key)
        if user is not None and not client.cookies.get("sessionid"):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        with transaction.atomic():  # a GET that writes cannot change what the next pages show
            response = client.get(url)
            transaction.set_rollback(True)
        client.cookies.pop("messages", None)
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(response["Location"])
            next_url = target.path + (f"?{target.query}" if target.query else "")
            seen_keys.discard(key) if route_key(target.path) != key else None
            if next_url not in queued:
                queued.add(next_url)
                queue.append(next_url)
            crawl.statuses[(role, url)] = response.status_code
            continue
        content_type = response.get("Content-Type", "")
        if (
            response.status_code != 200
            or "text/html" not in content_type
            or getattr(response, "streaming", False)
        ):
            crawl.statuses[(role, url)] = response.status_code
            continue
        html = response.content.decode("utf-8", "replace")
        crawl.pages.append(Page(role=role, url=url, key=key, html=html))
        for link in links(html, url):
            if link not in queued:
                queued.add(link)
                queue.append(link)


def crawl_world() -> tuple[object, Crawl]:
    world = build_world()
    add_approver(world)
    crawl = Crawl()
    for role in ROLES:
        crawl_role(world, role, crawl)
    return world, crawl


def world_data() -> tuple[str, ...]:
    return tuple(data_texts())


# --- the detector can fail ---------------------------------------------------------------------


def test_the_detector_flags_english_words_and_consumer_terms():
    # given a page with Oscar's stock English, a consumer-shop basket and a technical term
    html = """<html><head><title>湘慧商城</title><script>var Actions = 1;</script></head><body>
      <h1>购物篮</h1><table><tr><th>Actions</th><th>Name</th><td>True</td></tr></table>
      <p>2的政企咨询服务包 啊呀！</p><p>PaymentIntent 幂等键 payment_intent.succeeded</p>
      <input type="submit" value="Filters"><input placeholder="Search">
      <p>支持 OEM，4K 屏，Intel CPU，PDF 下载，型号 MKA-product</p></body></html>"""
    # when its visible text is checked, with the world's data text removed
    findings = [f.split(" «")[0] for f in wording_findings(visible_text(html), data=("MKA-product",))]
    # then every English UI word and every forbidden term is reported, nothing else
    assert findings == sorted(
        [
            "用语 购物篮",
            "用语 数字+的",
            "用语 啊呀",
            "用语 PaymentIntent",
            "用语 幂等键",
            "用语 True/False",
            "技术词 'payment_intent.succeeded'",
            "英文 'Actions'",
            "英文 'Name'",
            "英文 'True'",
            "英文 'Filters'",
            "英文 'Search'",
            "英文 'PaymentIntent'",
        ]
    )


def test_the_detector_passes_a_chinese_page_with_brands_and_units():
    html = "<p>支持 OEM 定制，4K 显示，CPU 国产，导出 PDF，Stripe 付款，API 文档，湘ICP备 12345678 号</p>"
    assert wording_findings(visible_text(html)) == []


# --- every page, every role -----------------------------------------------------------------


def is_elsewhere(key: str) -> bool:
    return key.startswith(EXPECTED_ELSEWHERE)


def _report(findings: dict) -> str:
    return "\n".join(f"{where}: {', '.join(what)}" for where, what in sorted(findings.items()))


@pytest.mark.django_db
def test_every_page_each_role_reaches_reads_as_chinese_procurement():
    # given the world and every page each role reaches by following links from its start pages
    world, crawl = crawl_world()
    data = world_data()
    # when the visible text of each page is checked
    findings, elsewhere = {}, {}
    for page in crawl.pages:
        found = wording_findings(visible_text(page.html), data=data)
        if found:
            bucket = elsewhere if is_elsewhere(page.key) else findings
            bucket[f"{page.role} {page.url} [{page.key}]"] = found
    counts = {role: len(crawl.of(role)) for role in ROLES}
    print("pages per role:", counts)

    print("owned elsewhere:\n" + _report(elsewhere))
    # then each role saw its pages (the crawl really ran), buyer A its 采购车 and the checkout's
    # steps, and none reads as English
    assert all(counts[r] >= 5 for r in ROLES), counts
    buyer_keys = {p.key for p in crawl.of("buyer_a")}
    assert {
        "basket:summary",
        "checkout:shipping-address",
        "checkout:payment-details",
        "checkout:preview",
    } <= buyer_keys, sorted(k for k in buyer_keys if k.startswith(("basket:", "checkout:")))
    broken, broken_elsewhere = [], []
    for (role, url), status in sorted(crawl.statuses.items()):
        if status >= 500:
            key = route_key(urlsplit(url).path) or ""
            (broken_elsewhere if is_elsewhere(key) else broken).append(f"{role} {url} [{key}] -> {status}")
    print("failing pages owned elsewhere:\n" + "\n".join(broken_elsewhere))
    assert broken == [], "linked pages that fail:\n" + "\n".join(broken)
    assert findings == {}, "\n" + _report(findings)


# --- every page on a phone --------------------------------------------------------------------

PHONE = {"width": 375, "height": 667}
MEASURE = """() => {
    const tops = [...document.querySelectorAll('header, nav.navbar-accounts, nav.navbar-primary')]
        .map(el => el.getBoundingClientRect())
        .filter(r => r.height > 0 && r.top + window.scrollY < window.innerHeight / 2);
    const wide = [...document.querySelectorAll('body, body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(el => {  // not inside something that scrolls or clips by itself
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== 'visible') return false;
            }
            return true;
        })
        .slice(0, 3)
        .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        header: tops.length ? Math.max(...tops.map(r => r.bottom + window.scrollY)) : null,
        wide: wide,
    };
}"""


def phone_findings(measured: dict) -> list[str]:
    found = []
    if measured["scrollWidth"] > measured["innerWidth"]:
        found.append(f"横向滚动 {measured['scrollWidth']}px > {measured['innerWidth']}px {measured['wide']}")
    if measured["header"] is None:
        found.append("没有页头")
    elif measured["header"] > measured["innerHeight"] / 5:
        found.append(f"页头 {measured['header']:.0f}px > {measured['innerHeight'] / 5:.0f}px")
    return found


def choose_checkout_address(tab) -> None:
    """In the browser, as ``prime_checkout`` does for the crawl: 送货到此地址 on the first saved
    address; the one shipping method is chosen on the way to the payment step."""
    tab.goto("/checkout/shipping-address/")
    tab.locator("form:has(input[name=address_id]) button[type=submit]").first.click()
    tab.wait_for_url("**/checkout/payment-details/")


def test_the_phone_check_flags_sideways_scrolling_and_a_tall_header():
    fits = {"scrollWidth": 375, "innerWidth": 375, "innerHeight": 667, "header": 120, "wide": []}
    assert phone_findings(fits) == []
    too_wide = {**fits, "scrollWidth": 420, "wide": ["table.table"]}
    assert phone_findings(too_wide) == ["横向滚动 420px > 375px ['table.table']"]
    assert phone_findings({**fits, "header": 200}) == ["页头 200px > 133px"]


@pytest.mark.browser
@pytest.mark.timeout(900)  # some 200 pages in Chromium after the crawl
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone_screen(browser, live_server):
    from tests.browser.test_oem_flow import sign_in

    # given every page each role reaches (each URL pattern once, by the first role reaching it)
    world, crawl = crawl_world()
    first: dict[str, Page] = {}
    for page in crawl.pages:
        first.setdefault(page.key, page)
    findings, elsewhere = {}, {}
    for role in ROLES:
        pages = [p for p in first.values() if p.role == role]
        if not pages:
            continue
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
        user = role_user(world, role)
        if user is not None:
            sign_in(context, live_server, user)
        tab = context.new_page()
        tab.set_default_timeout(15000)
        if any(p.key.startswith("checkout:") for p in pages):
            choose_checkout_address(tab)
        # when each is opened at 375 px
        for page in pages:
            tab.goto(page.url, wait_until="load")
            found = phone_findings(tab.evaluate(MEASURE))
            if found:
                where = f"{role} {page.url} [{page.key}]"
                (elsewhere if is_elsewhere(page.key) else findings)[where] = found
        context.close()
    print("pages opened at 375 px:", len(first))
    print("owned elsewhere:\n" + _report(elsewhere))
    # then none scrolls sideways and no header takes more than a fifth of the screen
    assert len(first) >= 50, len(first)
    assert findings == {}, "\n" + _report(findings)


# --- the order page names every party ---------------------------------------------------------


@pytest.mark.django_db
def test_the_order_page_names_the_buying_unit_each_vendor_and_the_delivery_address():
    # given the world: buyer A's order (its unit's) from vendor A, delivered to 岳麓区, 长沙
    world = build_world()
    order = world.a.order
    client = world.client("buyer_a")
    # when buyer A opens the order in the account
    response = client.get(f"/accounts/orders/{order.number}/")
    # then the parties are named by organisation, never by login name, with the address
    assert response.status_code == 200
    html = response.content.decode()
    parties = html[html.index('id="order-parties"') : html.index('id="order-payment-link"')]
    text = " ".join(visible_text(parties).split())
    assert "采购方 MKA-unit" in text
    assert f"供应商 {world.a.partner.name}" in text
    assert "收货地址" in text and "岳麓区" in text and "长沙" in text
    assert world.a.buyer.username not in text and world.a.vendor.username not in text


# --- one menu per thing -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_has_one_menu_per_thing_for_the_operator():
    from oscar.templatetags.dashboard_tags import dashboard_navigation

    from tests.factories.accounts import OperatorFactory

    # given an operator
    operator = OperatorFactory(username="menu_operator", is_superuser=True)
    # when the dashboard menu is built for them (what the dashboard's navigation tag renders)
    nodes = dashboard_navigation(operator)
    # then no two menus or entries share a name, and the vendor records are in the 供应商 menu
    top = [str(n.label) for n in nodes]
    assert sorted(label for label in set(top) if top.count(label) > 1) == []
    clashes = [
        f"{n.label} › {c.label}"
        for n in nodes
        for c in n.children
        if str(c.label) in set(top) - {str(n.label)}
    ]
    assert clashes == []
    vendors = next(n for n in nodes if str(n.label) == "供应商")
    assert "dashboard:partner-list" in [c.url_name for c in vendors.children]
    assert "供应商账号" in [str(c.label) for c in vendors.children]


# --- the checkout is part of the site ------------------------------------------------------------


@pytest.mark.django_db
def test_the_checkout_steps_sit_inside_the_sites_header_and_footer():
    # given buyer A with goods in its 采购车 and a delivery address chosen
    world = build_world()
    client = world.client("buyer_a")
    prime_checkout(client, world.a.buyer)
    for url, step in (
        ("/checkout/shipping-address/", "收货地址"),
        ("/checkout/payment-details/", "付款与发票"),
        ("/checkout/preview/", "确认订单"),
    ):
        # when the buyer opens each step
        response = client.get(url)
        html = response.content.decode()
        # then it has the site's search, navigation and footer, and the steps name the current one
        assert response.status_code == 200, url
        assert 'class="xh-header"' in html and 'class="xh-nav"' in html and 'class="xh-footer"' in html, url
        current = re.search(r'<li class="is-current">(?:<a [^>]*>)?([^<]+)', html)
        assert current and current.group(1) == step, url
        assert "navbar-dark" not in html and "footer_checkout" not in html, url
