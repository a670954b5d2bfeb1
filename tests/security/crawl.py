"""Request every route as every role, once, and keep what each response showed.

One crawl feeds several tests (isolation matrix, security headers, inline scripts, GETs that
write): each request is recorded as an ``Observation``."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from .access_table import EXEMPT_NAMESPACES, TABLE, Rule, Target
from .urlmap import Route, iter_routes, view_class
from .world import ROLES, World

# Tables a request may write to without changing business data.
HARMLESS_TABLES = re.compile(
    r"^(django_session|basket_basket|analytics_\w+|axes_\w+|thumbnail_kvstore|customer_productalert_view)$"
)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
PUBLIC_ROLES = ("anonymous", "buyer_a", "vendor_a", "operator")


@dataclass
class Observation:
    route: str
    pattern: str
    role: str
    method: str
    url: str
    status: int
    location: str = ""
    expected: str = ""  # "allow" or "deny"
    kind: str = "cross"  # "cross" (refused party), "own" (owner sanity), "operator", "allowed"
    access: str = ""
    headers: dict = field(default_factory=dict)
    content_type: str = ""
    writes: list = field(default_factory=list)
    leaked: list = field(default_factory=list)  # secrets of others found in what it answered
    inline: list = field(default_factory=list)
    messages: list = field(default_factory=list)  # flash messages the request queued
    session_ended: bool = False  # a signed-in client lost its session
    label: str = ""

    def __str__(self):
        label = f" ({self.label})" if self.label else ""
        return f"{self.role} {self.method} {self.url} [{self.route}]{label} -> {self.status} {self.location}"


class InlineScriptFinder(HTMLParser):
    """Finds what a strict CSP would block: inline <script>, on* handlers, javascript: URLs."""

    DATA_TYPES = {"application/json", "application/ld+json", "text/template", "text/x-template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag == "script"
            and not attrs.get("src")
            and (attrs.get("type") or "").lower() not in self.DATA_TYPES
        ):
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        for name, value in attrs.items():
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=...> at line {self.getpos()[0]}")
            if name.lower() in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...> at line {self.getpos()[0]}")


def inline_scripts(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.found


def role_kind(role: str) -> str:
    return role.split("_")[0]


def target_side(role: str) -> str:
    """The side whose rows a role is pointed at: always the other party's."""
    if role.endswith("_a") or role == "operator":
        return "b"
    return "a"


def expected(role: str, rule: Rule) -> str:
    kind = role_kind(role)
    if rule.access == "public":
        return "allow"
    if kind == "operator":
        return (
            "allow"
            if rule.access in ("vendor", "operator") or (rule.access == "signed_in" and not rule.args)
            else "deny"
        )
    if rule.args and rule.owned:
        return "deny"  # the other party's rows
    if rule.access == "signed_in":
        return "allow" if kind != "anonymous" else "deny"
    if rule.access == "buyer":
        return "allow" if kind == "buyer" else "deny"
    if rule.access == "vendor":
        return "allow" if kind == "vendor" else "deny"
    return "deny"


def is_denial(status: int, location: str) -> bool:
    """Refused: 4xx, or any redirect (to a login page or away, showing nothing)."""
    return status in (301, 302, 303, 307, 308) or 400 <= status < 500


def rule_for(route: Route) -> Rule | None:
    """``name(args)`` for names shared by several routes, else ``name``."""
    return TABLE.get(route.key) or TABLE.get(str(route.name))


def classify(routes: list[Route]) -> list[str]:
    return sorted({r.key for r in routes if rule_for(r) is None})


def crawl_routes() -> list[Route]:
    """Every route the resolver knows, named or not, but those of an exempt namespace."""
    return [r for r in iter_routes() if r.namespace not in EXEMPT_NAMESPACES]


def answered_text(response) -> str:
    """What a response tells its reader: the body of any non-streamed text or JSON answer, the
    redirect target and the flash messages it queued (shown on the next page)."""
    parts = [response.get("Location", "")]
    content_type = response.get("Content-Type", "")
    if not getattr(response, "streaming", False) and (
        content_type.startswith("text/") or "json" in content_type or "javascript" in content_type
    ):
        parts.append(response.content.decode("utf-8", "replace"))
    parts += queued_messages(response)
    return "\n".join(parts)


def queued_messages(response) -> list[str]:
    request = getattr(response, "wsgi_request", None)
    storage = getattr(request, "_messages", None)
    return [str(m.message) for m in getattr(storage, "_queued_messages", [])]


def leaked_secrets(text: str, secrets: list[str]) -> list[str]:
    """Case-insensitive: a slug or an upper-cased header leaks a title as well."""
    low = text.lower()
    return [s for s in secrets if s.lower() in low]


class Crawler:
    def __init__(self, world: World):
        self.world = world
        self.clients = {role: world.client(role, raise_request_exception=False) for role in ROLES}
        self.observations: list[Observation] = []

    def _client(self, role: str):
        client = self.clients[role]
        user = self.world.user(role)
        if user is not None and not client.cookies.get("sessionid", None):  # a logout URL ended it
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        elif user is not None and not client.cookies["sessionid"].value:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def request(
        self, *, route: Route, role: str, method: str, url: str, data: dict | None = None
    ) -> Observation:
        client = self._client(role)
        connection.queries_log.clear()  # CaptureQueriesContext slices a bounded deque
        with transaction.atomic():
            # every request is rolled back: one that wrongly succeeds cannot change the world
            # the next requests see (its writes are still recorded below)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url) if method == "GET" else client.post(url, data or {})
            transaction.set_rollback(True)
        writes = sorted(
            {
                m.group(1)
                for q in queries.captured_queries
                if (m := _WRITE.match(q["sql"])) and not HARMLESS_TABLES.match(m.group(1))
            }
        )
        obs = Observation(
            route=route.key,
            pattern=route.pattern,
            role=role,
            method=method,
            url=url,
            status=response.status_code,
            location=response.get("Location", ""),
            headers={k: response.get(k, "") for k in SECURITY_HEADERS},
            content_type=response.get("Content-Type", ""),
            writes=writes,
        )
        obs.messages = queued_messages(response)
        client.cookies.pop("messages", None)  # read here: they must not show on the next page
        asked = f"{url} {data or ''}"
        obs.leaked = leaked_secrets(
            answered_text(response), self.world.hidden_from(role, route.name or "", asked)
        )
        if self.world.user(role) is not None:
            session = client.cookies.get("sessionid")
            obs.session_ended = session is None or not session.value
        if "text/html" in obs.content_type and not getattr(response, "streaming", False):
            if response.status_code == 200:
                obs.inline = inline_scripts(response.content.decode("utf-8", "replace"))
        self.observations.append(obs)
        return obs

    def roles_for(self, rule: Rule) -> tuple[str, ...]:
        """Every role where a party's own rows are at stake; fewer where they cannot be."""
        if rule.args and rule.owned:
            return ROLES
        if rule.access in ("public", "operator", "nobody"):
            return PUBLIC_ROLES  # no party's rows: the A side and the operator see all there is
        if rule.access in ("signed_in", "buyer"):
            return ("anonymous", "buyer_a", "buyer_b", "vendor_a", "operator")
        return ROLES  # vendor lists: each vendor must see only its own rows

    def url_for(self, route: Route, kwargs: dict | None) -> str | None:
        if route.name is None:
            return route.fixed_url()
        try:
            return reverse(route.name, kwargs=kwargs or None)
        except NoReverseMatch:
            return None  # the route with other arguments under the same name

    def run(self) -> list[Observation]:
        w = self.world
        for route in crawl_routes():
            rule = rule_for(route)
            if rule is None:
                continue  # reported by the classification test
            posts = accepts_post(route)
            for role in self.roles_for(rule):
                side = target_side(role)
                url = self.url_for(route, rule.args(w, side) if rule.args else None)
                if url is None:
                    continue
                exp = expected(role, rule)
                methods = ("GET",) if role == "operator" or not posts else ("GET", "POST")
                for method in methods:
                    obs = self.request(route=route, role=role, method=method, url=url)
                    obs.expected, obs.access = exp, rule.access
                    obs.kind = "operator" if role == "operator" else "cross"
            if rule.args and rule.owned and rule.sanity and rule.owner:
                for side in ("a", "b"):
                    url = self.url_for(route, rule.args(w, side))
                    if url is None:
                        continue
                    obs = self.request(route=route, role=f"{rule.owner}_{side}", method="GET", url=url)
                    obs.expected, obs.kind, obs.access = "allow", "own", rule.access
            for target in rule.targets(w) if rule.targets else ():
                self.run_target(route, rule, target, posts)
        return self.observations

    def run_target(self, route: Route, rule: Rule, target: Target, posts: bool) -> None:
        url = self.url_for(route, target.kwargs)
        assert url is not None, f"{route.key}: no URL for {target}"
        for role in target.roles:
            allowed = role in target.allowed
            for method in target.methods:
                if method == "POST" and not posts:
                    continue
                obs = self.request(route=route, role=role, method=method, url=url, data=target.data)
                obs.expected, obs.access, obs.label = (
                    ("allow" if allowed else "deny"),
                    rule.access,
                    target.label,
                )
                if not allowed:
                    obs.kind = "cross"
                elif target.sanity and method == "GET":
                    obs.kind = "operator" if role == "operator" else "own"
                else:
                    obs.kind = "allowed"


def accepts_post(route: Route) -> bool:
    """False only when the view provably has no POST handler (Django answers 405 by itself)."""
    actions = getattr(route.callback, "actions", None)
    if actions is not None:  # a DRF viewset route
        return "post" in actions
    cls = view_class(route.callback)
    if cls is None:
        return True  # a function view: try it
    return hasattr(cls, "post")


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)
