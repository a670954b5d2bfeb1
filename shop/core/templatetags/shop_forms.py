"""``{% submission_token %}``: the hidden one-time token of a submission form
(``shop.core.submissions``). A form re-rendered after an error keeps the token it was posted
with, so the corrected submission is still the same one."""

from django import template
from django.utils.html import format_html

from shop.core.submissions import _VALID, FIELD, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context):
    request = context.get("request")
    posted = request.POST.get(FIELD, "") if request is not None and request.method == "POST" else ""
    token = posted if _VALID.match(posted) else new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)
