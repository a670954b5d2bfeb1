"""The limited markup of a site page's body, rendered with everything escaped.

- a blank line separates paragraphs; a single line break stays a line break;
- a line starting with ``## `` is a subheading;
- consecutive lines starting with ``- `` are a list.

No HTML passes through: an operator's ``<script>`` is shown as text."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _kind(line: str) -> str:
    if line.startswith("## "):
        return "h"
    return "li" if line.startswith("- ") else "p"


def _render_run(kind: str, lines: list[str]) -> list[str]:
    if kind == "h":
        return [f'<h2 class="h5 mt-4">{escape(line[3:].strip())}</h2>' for line in lines]
    if kind == "li":
        return ["<ul>" + "".join(f"<li>{escape(line[2:].strip())}</li>" for line in lines) + "</ul>"]
    return ["<p>" + "<br>".join(escape(line) for line in lines) + "</p>"]


def render_body(text: str) -> SafeString:
    out: list[str] = []
    for block in _blocks(text):
        run_kind, run = _kind(block[0]), []
        for line in block:
            kind = _kind(line)
            if kind != run_kind:
                out += _render_run(run_kind, run)
                run_kind, run = kind, []
            run.append(line)
        out += _render_run(run_kind, run)
    return mark_safe("\n".join(out))  # noqa: S308  every piece above is escaped
