"""Stored facet counts of each category (``facetcounts``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryFacets(models.Model):
    """Whether a category's stored facet counts are current.

    Every catalogue write that can change them adds one to ``generation`` (``facetcounts``);
    the counts were made at ``built_generation``, so they are current while both are equal and,
    when a vendor's suspension starts or ends later, until ``valid_until``."""

    category = models.OneToOneField(
        "catalogue.Category", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.BigIntegerField(_("变更代数"), default=0)
    built_generation = models.BigIntegerField(_("统计时代数"), null=True, blank=True)
    valid_until = models.DateTimeField(_("有效至"), null=True, blank=True)
    built_at = models.DateTimeField(_("统计时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类筛选统计")
        verbose_name_plural = _("分类筛选统计")

    def __str__(self) -> str:
        return f"分类 {self.category_id} 的筛选统计"


class CategoryFacetSelection(models.Model):
    """The counts (``facets.FacetData`` as JSON) of one selection of a category: the whole
    category (``price`` empty) or one price range. Ranges holding no product have no row."""

    facets = models.ForeignKey(CategoryFacets, on_delete=models.CASCADE, related_name="selections")
    price = models.CharField(_("价格区间"), max_length=32, blank=True)
    data = models.JSONField(_("统计"))

    class Meta:
        verbose_name = _("分类筛选统计（选择）")
        verbose_name_plural = _("分类筛选统计（选择）")
        constraints = [models.UniqueConstraint(fields=["facets", "price"], name="xh_facet_selection_unique")]

    def __str__(self) -> str:
        return f"分类 {self.facets_id} {self.price or '全部'}"
