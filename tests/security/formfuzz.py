"""Extreme numbers on every numeric field of every form the project renders.

Forms are found the way a user finds them: every route of the URL resolver is opened (GET) by
the role that may use it, on its own rows of the isolation world; each POST form of the page is
read from the HTML, and its numeric fields are the ``IntegerField``/``DecimalField``/
``FloatField`` fields of the form instances the view put in its context (dynamic fields and
formsets included) plus any ``<input type="number">``. No list of forms is kept by hand, so a
new form is fuzzed as soon as a page renders it.

Each numeric field gets each value of ``EXTREMES`` in turn, the other fields keeping what the
page rendered (plus ``FILL``: valid values for required fields the page leaves empty, so the
probe reaches the service). Every submission is rolled back; its writes are recorded, and the
tasks it enqueued (on commit) are run in-process with Celery in eager mode: a task that fails
on what a form accepted is a finding like a 500."""

import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django import forms
from django.db import connection, transaction
from django.forms.formsets import BaseFormSet, ManagementForm
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from .crawl import _WRITE, HARMLESS_TABLES, Crawler, crawl_routes, rule_for
from .world import World

# 0, negative, beyond any real quantity or amount, beyond int64 and Decimal(max_digits), not a
# number, a fraction no field takes, a 20-digit string, overflow of a float, infinity, and the
# largest value a PostgreSQL integer column holds (what a form bounded only by its column takes)
EXTREMES = (
    "0",
    "-1",
    "1000000000000",
    "1" + "0" * 30,
    "NaN",
    "1e-9",
    "9" * 20,
    "1e400",
    "Infinity",
    "2147483647",
)
# 0 may be a valid value (a discount, an optional budget), and so may the column's maximum (a
# budget of ¥2,147,483,647, a count an operator sets): a form may accept them, but then nothing
# may fail afterwards. Every other value is invalid everywhere.
INVALID = tuple(v for v in EXTREMES if v not in ("0", "2147483647"))


@dataclass
class HtmlForm:
    action: str
    fields: dict = field(default_factory=dict)  # name -> value (the first of a name)
    types: dict = field(default_factory=dict)  # name -> input type
    files: list = field(default_factory=list)


class FormParser(HTMLParser):
    """The POST forms of a page with the values a browser would submit unchanged."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.textarea: str | None = None
        self.submit_seen = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.form = HtmlForm(action=urljoin(self.page_url, a.get("action") or self.page_url))
                self.forms.append(self.form)
                self.submit_seen = ""
            else:
                self.form = None
            return
        if self.form is None or not a.get("name") or "disabled" in a:
            return
        name, kind = a["name"], a.get("type", "text").lower()
        if tag == "input":
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.form.types.setdefault(name, kind)
                return
            if kind in ("submit", "image", "button", "reset"):
                if kind == "submit":
                    self._submit(name, a.get("value", ""))
                return
            if kind == "file":
                self.form.files.append(name)
                return
            self.form.fields.setdefault(name, a.get("value", ""))
            self.form.types.setdefault(name, kind)
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._submit(name, a.get("value", ""))
        elif tag == "select":
            self.select, self.select_first = name, None
            self.form.types.setdefault(name, "select")
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
                self.form.fields.setdefault(self.select, value)
            if "selected" in a:
                self.form.fields[self.select] = value
        elif tag == "textarea":
            self.textarea = name
            self.form.fields.setdefault(name, "")
            self.form.types.setdefault(name, "textarea")

    def _submit(self, name: str, value: str) -> None:
        """The last submit button of a form is the one posted (the main action comes last;
        per-row buttons such as 移除 come first), as if the user had clicked it."""
        if self.submit_seen:
            self.form.fields.pop(self.submit_seen, None)
        self.form.fields[name] = value
        self.submit_seen = name

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def post_forms(html: str, page_url: str) -> list[HtmlForm]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


def _forms_in(value):
    if isinstance(value, ManagementForm):
        return  # Django's formset bookkeeping (TOTAL_FORMS…), not user input
    if isinstance(value, forms.BaseForm):
        yield value
    elif isinstance(value, BaseFormSet):
        yield from value.forms  # not its management form: Django's bookkeeping, not user input
    elif isinstance(value, (list, tuple)) and len(value) < 200:
        for v in value:
            yield from _forms_in(v)


def numeric_field_names(context) -> set[str]:
    """HTML names of the numeric fields of every form instance in a response's context."""
    names = set()
    contexts = context if isinstance(context, list) else [context]
    for ctx in contexts:
        if ctx is None:
            continue
        for d in getattr(ctx, "dicts", [ctx]):
            for value in getattr(d, "values", lambda: [])():
                for form in _forms_in(value):
                    for name, f in form.fields.items():
                        if isinstance(f, forms.IntegerField):  # Decimal- and FloatField too
                            names.add(form.add_prefix(name))
    return names


@dataclass
class Probe:
    route: str
    role: str
    page: str
    action: str
    field: str
    value: str
    status: int = 0
    writes: list = field(default_factory=list)
    failed_tasks: list = field(default_factory=list)
    error: str = ""

    def __str__(self):
        extra = f" writes={self.writes}" if self.writes else ""
        extra += f" failed tasks={self.failed_tasks}" if self.failed_tasks else ""
        extra += f" {self.error}" if self.error else ""
        return f"{self.role} POST {self.action} {self.field}={self.value[:24]} (form of {self.route}) -> {self.status}{extra}"


def natural_role(rule) -> str | None:
    """The role that uses a route on its own rows (side A)."""
    if rule.access == "nobody":
        return None
    if rule.access == "operator" or (rule.args and rule.owned and rule.owner == ""):
        return "operator"
    if rule.access == "vendor" or rule.owner == "vendor":
        return "vendor_a"
    return "buyer_a"


class TaskRecorder:
    """Celery in eager mode for the duration: enqueued tasks run in-process, failures kept."""

    def __init__(self):
        self.failures: list[str] = []

    def __enter__(self):
        from celery.signals import task_failure

        from shop.celery import app

        self._old = app.conf.task_always_eager, app.conf.task_eager_propagates
        app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
        task_failure.connect(self._failed, weak=False)
        return self

    def _failed(self, sender=None, exception=None, args=None, **kwargs):
        self.failures.append(
            f"{sender.name}{tuple(args or ())}: {type(exception).__name__}: {exception}"[:300]
        )

    def __exit__(self, *exc):
        from celery.signals import task_failure

        from shop.celery import app

        task_failure.disconnect(self._failed)
        app.conf.task_always_eager, app.conf.task_eager_propagates = self._old


def run_on_commit_callbacks(callbacks) -> None:
    """Run what would run on commit, and what those enqueue in turn (a task enqueueing the next)."""
    for _ in range(10):
        if not callbacks:
            return
        with TestCase.captureOnCommitCallbacks() as more:
            for cb in callbacks:
                cb()
        callbacks = list(more)


class FormFuzzer:
    def __init__(self, world: World, fill: dict):
        self.world = world
        self.crawler = Crawler(world)
        self.fill = fill
        self.probes: list[Probe] = []
        self.baselines: dict[str, Probe] = {}  # "route action" -> the unchanged form posted
        self.fields_seen: set[tuple[str, str]] = set()
        self.timing = {"GET": [0, 0.0], "POST": [0, 0.0]}  # requests, seconds

    def pages(self):
        for route in crawl_routes():
            rule = rule_for(route)
            if rule is None or route.pattern.startswith("api/"):
                continue  # the API is fuzzed from its schema
            role = natural_role(rule)
            if role is None:
                continue
            url = self.crawler.url_for(route, rule.args(self.world, "a") if rule.args else None)
            if url is not None:
                yield route, role, url

    def submit(self, *, role: str, action: str, data: dict, files: list) -> Probe:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.crawler._client(role)
        payload = dict(data)
        for name in files:
            if name in self.fill.get("__files__", {}):
                content, filename = self.fill["__files__"][name]
                payload[name] = SimpleUploadedFile(filename, content)
        probe = Probe(route="", role=role, page="", action=action, field="", value="")
        started = time.monotonic()
        connection.queries_log.clear()
        with TaskRecorder() as tasks:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as queries:
                    with TestCase.captureOnCommitCallbacks() as callbacks:
                        response = client.post(action, payload)
                try:
                    run_on_commit_callbacks(list(callbacks))
                except Exception as exc:  # a callback that raises is a failure of its own
                    probe.error = f"on-commit callback raised {type(exc).__name__}: {exc}"[:300]
                transaction.set_rollback(True)
        client.cookies.pop("messages", None)
        self.timing["POST"][0] += 1
        self.timing["POST"][1] += time.monotonic() - started
        probe.status = response.status_code
        probe.writes = sorted(
            {
                m.group(1)
                for q in queries.captured_queries[: len(queries.captured_queries)]
                if (m := _WRITE.match(q["sql"])) and not HARMLESS_TABLES.match(m.group(1))
            }
        )
        probe.failed_tasks = tasks.failures
        return probe

    def run(self) -> list[Probe]:
        """Each distinct form (by the view it posts to and its field names) once: its rendered
        values first, then each extreme number. A form that accepts its rendered (or filled)
        values gets each numeric field probed on its own, so the number is the only thing
        wrong; a form that refuses them anyway gets all its numeric fields set at once (a
        field whose cleaning crashes still shows, at a ninth of the requests)."""
        seen_forms = set()
        for route, role, url in self.pages():
            client = self.crawler._client(role)
            started = time.monotonic()
            response = client.get(url)
            self.timing["GET"][0] += 1
            self.timing["GET"][1] += time.monotonic() - started
            client.cookies.pop("messages", None)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            numeric = numeric_field_names(response.context)
            for form in post_forms(response.content.decode("utf-8", "replace"), url):
                names = [n for n in form.fields if n in numeric or form.types.get(n) == "number"]
                parts = urlsplit(form.action)
                if not names or parts.netloc not in ("", "testserver"):
                    continue
                try:
                    view = resolve(parts.path).view_name
                except Resolver404:
                    continue
                key = (role, view, tuple(sorted(form.fields)))
                if key in seen_forms:
                    continue  # the same form on another page (e.g. 加入询价单 on every product)
                seen_forms.add(key)
                action = parts.path + (f"?{parts.query}" if parts.query else "")
                base = {**form.fields, **self.fill.get(route.key, {}), **self.fill.get(str(route.name), {})}
                baseline = self.submit(role=role, action=action, data=base, files=form.files)
                baseline.route, baseline.page, baseline.field = route.key, url, "(unchanged)"
                self.baselines[f"{route.key} {action}"] = baseline
                self.probes.append(baseline)
                self.fields_seen.update((route.key, n) for n in names)
                # one field at a time where the number is the only thing wrong (an accepted
                # form of a buyer or a vendor); all at once elsewhere (operators' stock Oscar
                # forms, forms refused anyway), to keep the pass within its time budget
                groups = [[n] for n in names] if baseline.writes and role != "operator" else [names]
                for group in groups:
                    for value in EXTREMES:
                        data = {**base, **{n: value for n in group}}
                        probe = self.submit(role=role, action=action, data=data, files=form.files)
                        probe.route, probe.page, probe.field, probe.value = (
                            route.key,
                            url,
                            ",".join(group),
                            value,
                        )
                        self.probes.append(probe)
        return self.probes


# --- the JSON API, from its OpenAPI schema ---------------------------------------------------------

_HOLE = "__extreme__"


def _resolve(schema: dict, spec: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema or {}


def _is_numeric(schema: dict) -> bool:
    return schema.get("type") in ("integer", "number") or (
        schema.get("type") == "string" and schema.get("format") == "decimal"
    )


def skeleton(schema: dict, spec: dict, depth: int = 0):
    """A body with every property present (numbers 1, strings "x"), for numbers to be put in."""
    schema = _resolve(schema, spec)
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return skeleton(schema[key][0], spec, depth)
    if schema.get("readOnly") or depth > 4:
        return None
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if _is_numeric(schema):
        return "1" if kind == "string" else 1
    if kind == "array":
        return [skeleton(schema.get("items", {}), spec, depth + 1)]
    if kind == "object" or "properties" in schema:
        out = {}
        for name, sub in schema.get("properties", {}).items():
            if not _resolve(sub, spec).get("readOnly"):
                out[name] = skeleton(sub, spec, depth + 1)
        return out
    if kind == "boolean":
        return False
    if schema.get("format") == "binary":
        return None
    return "x"


def numeric_paths(schema: dict, spec: dict, prefix=(), depth: int = 0):
    """The paths (keys and list indexes) of every numeric property of a request body."""
    schema = _resolve(schema, spec)
    if depth > 4 or schema.get("readOnly"):
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, [])[:1]:
            yield from numeric_paths(sub, spec, prefix, depth)
    if _is_numeric(schema):
        yield prefix
    elif schema.get("type") == "array":
        yield from numeric_paths(schema.get("items", {}), spec, (*prefix, 0), depth + 1)
    else:
        for name, sub in schema.get("properties", {}).items():
            yield from numeric_paths(sub, spec, (*prefix, name), depth + 1)


def _put(body, path, value):
    if not path:
        return value
    body = body if body is not None else ({} if isinstance(path[0], str) else [None])
    body[path[0]] = _put(
        body[path[0]] if (isinstance(body, dict) and path[0] in body) or isinstance(body, list) else None,
        path[1:],
        value,
    )
    return body


class ApiFuzzer(FormFuzzer):
    """Every operation of /api/schema/: each numeric path parameter, query parameter and body
    property gets each extreme value, sent as a raw JSON number token (NaN and Infinity too:
    what a careless client sends), the rest of the body being the operation's filled body or a
    skeleton of its schema."""

    def __init__(self, world: World, fill: dict, files: dict):
        super().__init__(world, fill)
        self.files = files  # (method, route name) -> {field: (bytes, filename)} for multipart bodies
        self.operations: list[str] = []

    def run(self) -> list[Probe]:
        import json

        spec = json.loads(self.crawler._client("operator").get("/api/schema/?format=json").content)
        for template, item in spec["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                self.operation(spec, template, method.upper(), op, item.get("parameters", []))
        return self.probes

    def operation(self, spec, template, method, op, shared_params):
        probe_url = re.sub(r"\{[^}]+\}", "1", template)
        try:
            match = resolve(probe_url)
        except Resolver404:
            return
        route = next((r for r in crawl_routes() if r.name == match.view_name), None)
        rule = rule_for(route) if route else None
        role = natural_role(rule) if rule else None
        if role is None:
            return
        kwargs = rule.args(self.world, "a") if rule.args else {}
        names = re.findall(r"\{([^}]+)\}", template)
        values = {n: kwargs.get(n, kwargs.get("pk", kwargs.get("number"))) for n in names}
        if any(v is None for v in values.values()):
            return
        url = template
        for n, v in values.items():
            url = url.replace("{" + n + "}", str(v))
        self.operations.append(f"{method} {template}")
        params = [_resolve(p, spec) for p in [*shared_params, *op.get("parameters", [])]]
        body_spec = op.get("requestBody", {}).get("content", {})
        media = next((m for m in ("application/json", "multipart/form-data") if m in body_spec), None)
        body_schema = body_spec[media]["schema"] if media else {}
        key = (method, match.view_name)
        base = self.fill.get(key)
        if base is None:
            base = skeleton(body_schema, spec) if media else None
        targets = [
            ("path", p["name"]) for p in params if p["in"] == "path" and _is_numeric(p.get("schema", {}))
        ]
        targets += [
            ("query", p["name"]) for p in params if p["in"] == "query" and _is_numeric(p.get("schema", {}))
        ]
        targets += [("body", path) for path in numeric_paths(body_schema, spec)] if media else []
        if not targets:
            return
        baseline = self.send(role, method, url, base, media, key)
        baseline.route, baseline.field = f"{method} {template}", "(unchanged)"
        self.baselines[f"{method} {template}"] = baseline
        self.probes.append(baseline)
        for where, name in targets:
            self.fields_seen.add((f"{method} {template}", str(name)))
            for value in EXTREMES:
                if where == "path":
                    probe = self.send(
                        role,
                        method,
                        template.replace("{" + name + "}", value).replace("{", "").replace("}", ""),
                        base,
                        media,
                        key,
                    )
                elif where == "query":
                    probe = self.send(role, method, f"{url}?{name}={value}", base, media, key)
                else:
                    probe = self.send(
                        role, method, url, _put(json_copy(base), name, _HOLE), media, key, value
                    )
                probe.route, probe.field, probe.value = f"{method} {template}", f"{where}:{name}", value
                self.probes.append(probe)

    def send(self, role, method, url, body, media, key, token=None) -> Probe:
        import json

        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.crawler._client(role)
        probe = Probe(route="", role=role, page=url, action=url, field="", value="")
        connection.queries_log.clear()
        with TaskRecorder() as tasks:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as queries:
                    with TestCase.captureOnCommitCallbacks() as callbacks:
                        if media == "multipart/form-data" and isinstance(body, dict):
                            data = {k: (token if v == _HOLE else v) for k, v in body.items() if v is not None}
                            data = {
                                k: (json.dumps(v) if isinstance(v, (list, dict)) else v)
                                for k, v in data.items()
                            }
                            for name, (content, filename) in self.files.get(key, {}).items():
                                data[name] = SimpleUploadedFile(filename, content)
                            response = client.generic(method, url, **_multipart(data))
                        elif media and body is not None:
                            text = json.dumps(body, ensure_ascii=False)
                            if token is not None:
                                text = text.replace(f'"{_HOLE}"', token)
                            response = client.generic(method, url, text, content_type="application/json")
                        else:
                            response = client.generic(method, url)
                try:
                    run_on_commit_callbacks(list(callbacks))
                except Exception as exc:
                    probe.error = f"on-commit callback raised {type(exc).__name__}: {exc}"[:300]
                transaction.set_rollback(True)
        probe.status = response.status_code
        probe.writes = sorted(
            {
                m.group(1)
                for q in queries.captured_queries
                if (m := _WRITE.match(q["sql"])) and not HARMLESS_TABLES.match(m.group(1))
            }
        )
        probe.failed_tasks = tasks.failures
        return probe


def json_copy(value):
    import json

    return json.loads(json.dumps(value))


def _multipart(data: dict) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}
