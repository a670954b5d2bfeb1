from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.access import is_operator
from shop.core.exceptions import Invalid, NotFound, PermissionDenied
from shop.storefront.cache import catalogue_changed

from .content import DEFAULT_PAGES, SLUGS
from .models import SitePage, SitePageEvent

TITLE_MAX = 100
BODY_MAX = 20000


def site_page_update(*, slug: str, title: str, body: str, actor) -> SitePage:
    """An operator saves a page: new title and body, one ``edited`` event, and the cached
    storefront pages (this page among them) rendered again."""
    if not is_operator(actor):
        raise PermissionDenied(_("只有运营人员可以修改站点页面。"))
    title, body = title.strip(), body.strip()
    fields = {}
    if not title:
        fields["title"] = _("请填写标题。")
    elif len(title) > TITLE_MAX:
        fields["title"] = _("标题不能超过 %(n)d 个字。") % {"n": TITLE_MAX}
    if not body:
        fields["body"] = _("请填写正文。")
    elif len(body) > BODY_MAX:
        fields["body"] = _("正文不能超过 %(n)d 个字。") % {"n": BODY_MAX}
    if fields:
        raise Invalid(_("页面没有保存，请按提示修改。"), fields=fields)
    with transaction.atomic():
        page = SitePage.objects.select_for_update().filter(slug=slug).first()
        if page is None:
            raise NotFound(_("页面不存在。"))
        if (page.title, page.body) == (title, body):
            return page
        page.title, page.body = title, body
        page.save(update_fields=["title", "body", "updated_at"])
        SitePageEvent.objects.create(page=page, actor=actor, kind="edited")
        # Cached storefront pages are keyed by one version (shop.storefront.cache): bumping
        # it is how a change reaches every cached copy. Page edits are rare.
        catalogue_changed()
    return page


def site_pages_install_defaults() -> list[str]:
    """Create the standard pages that are missing (never overwrites an edited page); the slugs
    created."""
    created = []
    for slug in SLUGS:
        title, body = DEFAULT_PAGES[slug]
        _page, made = SitePage.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})
        if made:
            created.append(slug)
    return created
