from decimal import Decimal

from django import template

from shop.core.money import rmb_upper
from shop.core.templatetags import shop_money

register = template.Library()


@register.simple_tag
def quote_list_count(request) -> int:
    """Lines in the visitor's 询价单: a buyer's from the cached header counts (invalidated on
    every change of the list, see shop.storefront.personal), an anonymous visitor's from the
    session (no query on most pages)."""
    if request is None or not hasattr(request, "session"):
        return 0
    if request.user.is_authenticated:
        from shop.storefront.personal import visitor_for

        return visitor_for(request).counts.quote_lines
    from shop.quotes.services import SESSION_COUNT_KEY, SESSION_LIST_KEY, quote_list_count_remember

    count = request.session.get(SESSION_COUNT_KEY)
    if count is not None:
        return count
    if not request.session.get(SESSION_LIST_KEY):
        return 0
    from shop.quotes.models import QuoteList

    qlist = QuoteList.objects.filter(pk=request.session.get(SESSION_LIST_KEY), user=None).first()
    return quote_list_count_remember(request=request, quote_list=qlist)


@register.filter
def pct(value) -> str:
    if value in (None, ""):
        return ""
    return f"{(Decimal(value) * 100).normalize():f}%"


@register.filter
def rmb(value) -> str:
    return shop_money.rmb(value)


@register.filter
def rmb_words(value) -> str:
    if value in (None, ""):
        return ""
    return "人民币" + rmb_upper(Decimal(value))
