"""Which of Oscar's dashboard widgets a page uses, so its layout loads only those scripts.

Oscar's dashboard layout loads TinyMCE (the rich-text editor, the heaviest script of the
dashboard), the date pickers (moment with every locale, Tempus Dominus) with the input masks
they use, select2 (searchable drop-downs) and jquery-sortable on every page, even a list or the
home page. A page needs:

- the editor when its template marks a form or text area ``wysiwyg`` (the templates listed
  here; a test keeps the list in step with Oscar's);
- the date pickers and input masks when a form it shows has one of Oscar's date, time or
  date-time picker fields (Oscar's only masked inputs);
- select2 when a form it shows has a drop-down field, or its template (or one it extends or
  includes) writes a ``<select>`` itself;
- jquery-sortable when its template (or one it extends or includes) has Oscar's sortable image
  list or a reordering table.

The dashboard script (``shop/js/dashboard.js``) makes the jQuery plug-ins of a script a page
does not load do nothing, so Oscar's dashboard.js, which calls them on every page, runs as
before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.forms import BaseForm, BaseFormSet

# Oscar's dashboard templates (and our overrides of them, same names) with a ``wysiwyg`` form
WYSIWYG_TEMPLATES = frozenset(
    {
        "oscar/dashboard/catalogue/attribute_option_group_form.html",
        "oscar/dashboard/catalogue/category_form.html",
        "oscar/dashboard/catalogue/option_form.html",
        "oscar/dashboard/catalogue/product_class_form.html",
        "oscar/dashboard/catalogue/product_update.html",
        "oscar/dashboard/offers/benefit_form.html",  # the offer wizard's steps, on step_form.html
        "oscar/dashboard/offers/condition_form.html",
        "oscar/dashboard/offers/metadata_form.html",
        "oscar/dashboard/offers/restrictions_form.html",
        "oscar/dashboard/offers/step_form.html",
        "oscar/dashboard/pages/update.html",
        "oscar/dashboard/partners/partner_user_form.html",
        "oscar/dashboard/ranges/range_form.html",
        "oscar/dashboard/shipping/weight_based_form.html",
    }
)


# What a template's own source shows about the widgets it needs
SOURCE_MARKS = {
    "selects": re.compile(r"<select[\s>]"),
    "sortable": re.compile(r"upload-image|reordering"),
}
# The templates a template extends or includes by a literal name
REFERENCE = re.compile(r"""{%\s*(?:extends|include)\s+["']([^"']+)["']""")


@dataclass(frozen=True)
class Widgets:
    wysiwyg: bool
    pickers: bool
    selects: bool = False
    sortable: bool = False

    @property
    def masks(self) -> bool:
        """Oscar's input masks: only its date and time picker inputs carry one."""
        return self.pickers


def _template_dirs() -> list[Path]:
    from django.template import engines
    from django.template.utils import get_app_template_dirs

    engine = engines["django"].engine
    return [Path(d) for d in engine.dirs] + [Path(d) for d in get_app_template_dirs("templates")]


@cache
def template_marks() -> dict[str, frozenset[str]]:
    """Each template name, with the marks of ``SOURCE_MARKS`` found in it or in a template it
    extends or includes (every source of the name: an override that extends the original
    holds both). Read once per process, on the first dashboard page."""
    own: dict[str, set[str]] = {}
    refs: dict[str, set[str]] = {}
    for root in _template_dirs():
        for path in root.rglob("*.html"):
            name = path.relative_to(root).as_posix()
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            own.setdefault(name, set()).update(m for m, rx in SOURCE_MARKS.items() if rx.search(source))
            refs.setdefault(name, set()).update(REFERENCE.findall(source))
    resolved: dict[str, frozenset[str]] = {}

    def marks_of(name: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if name in resolved:
            return resolved[name]
        found = set(own.get(name, ()))
        for ref in refs.get(name, ()):
            if ref not in seen and ref != name:
                found |= marks_of(ref, seen | {name})
        resolved[name] = frozenset(found)
        return resolved[name]

    for name in own:
        marks_of(name)
    return resolved


def _fields(value):
    """The fields of a form, or of a formset's forms and of the forms it can add."""
    if isinstance(value, BaseForm):
        yield from value.fields.values()
    elif isinstance(value, BaseFormSet):
        yield from value.form.base_fields.values()
        for form in value.forms:
            yield from form.fields.values()


def has_picker(fields) -> bool:
    """True when one of the fields is an Oscar date, time or date-time picker."""
    from oscar.forms.widgets import DateTimeWidgetMixin

    return any(isinstance(field.widget, DateTimeWidgetMixin) for field in fields)


def is_drop_down(widget) -> bool:
    """True for a widget that renders a ``<select>`` (also inside Oscar's related-object wrapper)."""
    while getattr(widget, "widget", None) is not None and widget is not widget.widget:
        widget = widget.widget
    return getattr(widget, "input_type", None) == "select"


def page_widgets(*, template_name: str | None, context_values) -> Widgets:
    """The widgets of the page rendered from ``template_name`` with these context values."""
    name = template_name or ""
    fields = [field for value in context_values for field in _fields(value)]
    marks = template_marks().get(name, frozenset())
    return Widgets(
        wysiwyg=name in WYSIWYG_TEMPLATES,
        pickers=has_picker(fields),
        selects="selects" in marks or any(is_drop_down(field.widget) for field in fields),
        sortable="sortable" in marks,
    )
