"""Which of Oscar's dashboard widgets a page uses, so its layout loads only those scripts.

Oscar's dashboard layout loads TinyMCE (the rich-text editor, the heaviest script of the
dashboard) and the date pickers (moment with every locale, Tempus Dominus) on every page, even a
list or the home page. A page needs the editor when its template marks a form or text area
``wysiwyg`` (the templates listed here; a test keeps the list in step with Oscar's), and the
date pickers when a form it shows has one of Oscar's date, time or date-time picker fields."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Widgets:
    wysiwyg: bool
    pickers: bool


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


def page_widgets(*, template_name: str | None, context_values) -> Widgets:
    """The widgets of the page rendered from ``template_name`` with these context values."""
    name = template_name or ""
    return Widgets(
        wysiwyg=name in WYSIWYG_TEMPLATES,
        pickers=has_picker(field for value in context_values for field in _fields(value)),
    )
