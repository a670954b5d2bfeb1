from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shop.core.exceptions import NotFound

from .models import SitePage


def site_page_get(*, slug: str) -> SitePage:
    page = SitePage.objects.filter(slug=slug).first()
    if page is None:
        raise NotFound(_("页面不存在。"))
    return page


def site_pages_for_operators() -> QuerySet[SitePage]:
    return SitePage.objects.order_by("pk")
