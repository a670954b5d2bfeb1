"""The mall's own information pages (联系我们, 帮助中心, 用户协议, 隐私政策, 入驻规则): a title
and a body in plain paragraphs (``markup.py``), edited by operators in the dashboard."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditEvent


class SitePage(models.Model):
    slug = models.SlugField(_("地址标识"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(
        _("正文"),
        help_text=_("空行分段；以“## ”开头的一行是小标题，以“- ”开头的行是列表项。不支持 HTML。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("站点页面")
        verbose_name_plural = _("站点页面")

    def __str__(self):
        return self.title


class SitePageEvent(AuditEvent):
    """Who changed a page and when (one row per saved edit)."""

    page = models.ForeignKey(SitePage, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("站点页面记录")
