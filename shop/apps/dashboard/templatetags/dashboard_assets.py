"""``{% dashboard_widgets as widgets %}``: which of Oscar's heavy dashboard scripts this page
uses (shop.apps.dashboard.widgets); the dashboard layout loads only those.

The forms looked at are the page's own: the context processors' values (the storefront's search
form, with its sort drop-down, is in every page's context) are left out."""

from django import template

from shop.apps.dashboard.widgets import page_widgets

register = template.Library()


def _page_values(context):
    processors = getattr(context, "_processors_index", None)
    for index, layer in enumerate(context.dicts):
        if index != processors:
            yield from layer.values()


@register.simple_tag(takes_context=True)
def dashboard_widgets(context):
    cached = context.render_context.get("dashboard_widgets")
    if cached is None:
        name = getattr(getattr(context, "template", None), "name", None)
        cached = page_widgets(template_name=name, context_values=_page_values(context))
        context.render_context["dashboard_widgets"] = cached
    return cached
