"""Every URL the project serves, read from the URL resolver (so a new URL is seen at once)."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None  # "namespace:name"
    pattern: str  # the joined route text, for messages
    kwargs: tuple[str, ...]  # the named arguments the route needs
    callback: object
    ns: str = ""  # the namespace it is included under (also for routes without a name)

    @property
    def namespace(self) -> str:
        return self.ns.split(":")[0]

    @property
    def key(self) -> str:
        """Name plus its arguments: names repeat for routes with and without arguments. A route
        without a name is known by its pattern."""
        if self.name is None:
            return self.pattern
        return f"{self.name}({','.join(self.kwargs)})" if self.kwargs else str(self.name)

    def fixed_url(self) -> str | None:
        """The path of a route that takes no arguments and has no regex syntax, else None."""
        text = self.pattern.replace("^", "").replace("$", "")
        if self.kwargs or re.search(r"[()\\[\]*+?|{}]", text):
            return None
        return "/" + text


_GROUP = re.compile(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>")


def _kwargs(pattern_text: str) -> tuple[str, ...]:
    return tuple(a or b for a, b in _GROUP.findall(pattern_text))


def iter_routes(patterns=None, prefix: str = "", ns: str = ""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            child_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from iter_routes(p.url_patterns, prefix + str(p.pattern), child_ns)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else p.name
            text = prefix + str(p.pattern)
            yield Route(name=name, pattern=text, kwargs=_kwargs(text), callback=p.callback, ns=ns)


def routes(*, namespaces: tuple[str, ...] | None = None, prefix: str | None = None) -> list[Route]:
    out = []
    for route in iter_routes():
        if namespaces is not None and route.namespace not in namespaces:
            continue
        if prefix is not None and not route.pattern.lstrip("^").startswith(prefix):
            continue
        out.append(route)
    return out


def view_class(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)
