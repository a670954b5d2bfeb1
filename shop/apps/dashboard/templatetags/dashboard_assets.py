"""``{% dashboard_widgets as widgets %}``: which of Oscar's heavy dashboard scripts this page
uses (shop.apps.dashboard.widgets); the dashboard layout loads only those."""

from django import template

from shop.apps.dashboard.widgets import page_widgets

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_widgets(context):
    cached = context.render_context.get("dashboard_widgets")
    if cached is None:
        name = getattr(getattr(context, "template", None), "name", None)
        cached = page_widgets(template_name=name, context_values=context.flatten().values())
        context.render_context["dashboard_widgets"] = cached
    return cached
