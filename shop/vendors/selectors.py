"""Reads for vendors: which products, stock records, order lines a user may see."""

from django.db.models import Count, Q, QuerySet
from oscar.core.loading import get_model

from shop.core.access import is_operator, user_partner_ids

from .models import (
    ApplicationStatus,
    ImportStatus,
    ProductImport,
    VendorApplication,
    VendorProduct,
)

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")


def vendor_product_q(partner_ids) -> Q:
    """Products a vendor with ``partner_ids`` may see and edit.

    - products its partner owns, and children of those;
    - products owned by no vendor (the mall's own) that carry one of its stock records, except
      parents: a vendor's child under someone else's parent never opens that parent."""
    partner_ids = list(partner_ids)
    if not partner_ids:
        return Q(pk__in=[])
    owned = Q(vendor_ownership__partner_id__in=partner_ids) | Q(
        parent__vendor_ownership__partner_id__in=partner_ids
    )
    unowned_stocked = (
        Q(vendor_ownership__isnull=True)
        & Q(parent__vendor_ownership__isnull=True)
        & ~Q(structure=Product.PARENT)
        & Q(pk__in=StockRecord.objects.filter(partner_id__in=partner_ids).values("product_id"))
    )
    return owned | unowned_stocked


def vendor_owned_product_q(partner_ids) -> Q:
    """Products (standalone or parent) owned by the vendor: the ones it may add variants to."""
    return Q(vendor_ownership__partner_id__in=list(partner_ids), parent__isnull=True)


def products_for_user(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Product.objects.all() if queryset is None else queryset
    if is_operator(user):
        return queryset
    return queryset.filter(vendor_product_q(user_partner_ids(user)))


def stockrecords_for_user(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = StockRecord.objects.all() if queryset is None else queryset
    if is_operator(user):
        return queryset
    return queryset.filter(partner_id__in=user_partner_ids(user))


def order_lines_for_user(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Line.objects.all() if queryset is None else queryset
    if is_operator(user):
        return queryset
    return queryset.filter(partner_id__in=user_partner_ids(user))


def product_owner_partner_id(product) -> int | None:
    """The vendor partner owning ``product`` (its parent for a child), or None (the mall's)."""
    top = product.parent if product.parent_id else product
    return VendorProduct.objects.filter(product_id=top.pk).values_list("partner_id", flat=True).first()


def latest_application_for_user(user) -> VendorApplication | None:
    if not (user and user.is_authenticated):
        return None
    return VendorApplication.objects.filter(user=user).order_by("-created_at", "-pk").first()


def application_list(*, status: str | None = None, query: str = "") -> QuerySet:
    qs = VendorApplication.objects.select_related("user", "partner")
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(company_name__icontains=query) | Q(uscc__icontains=query.upper()))
    return qs


def application_counts() -> dict[str, int]:
    rows = VendorApplication.objects.order_by().values("status").annotate(n=Count("pk"))
    counts = {s.value: 0 for s in ApplicationStatus}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def review_queue(*, status: str = "pending", partner_id: int | None = None) -> QuerySet:
    qs = (
        Product.objects.filter(parent__isnull=True, review_status=status)
        .select_related("product_class", "vendor_ownership__partner")
        .order_by("date_updated", "pk")
    )
    if partner_id:
        qs = qs.filter(vendor_ownership__partner_id=partner_id)
    return qs


def imports_for_user(user) -> QuerySet:
    qs = ProductImport.objects.select_related("partner")
    if is_operator(user):
        return qs
    return qs.filter(partner_id__in=user_partner_ids(user))


def import_progress(product_import: ProductImport) -> dict:
    rows = product_import.rows.aggregate(
        n_processed=Count("pk"), n_ok=Count("pk", filter=Q(ok=True)), n_failed=Count("pk", filter=Q(ok=False))
    )
    total = product_import.total_rows
    percent = 100 if product_import.status == ImportStatus.DONE else 0
    if total and product_import.status != ImportStatus.DONE:
        percent = min(99, int(rows["n_processed"] * 100 / total))
    return {
        "id": product_import.pk,
        "status": product_import.status,
        "status_display": str(product_import.get_status_display()),
        "total": total,
        "processed": rows["n_processed"],
        "ok": rows["n_ok"],
        "failed": rows["n_failed"],
        "percent": percent,
        "finished": product_import.is_finished,
        "error": product_import.error_message,
    }


def vendor_summary(user) -> dict:
    """Counts for a vendor's dashboard home: its own rows only."""
    ids = user_partner_ids(user)
    products = Product.objects.filter(parent__isnull=True).filter(vendor_product_q(ids))
    by_status = {
        r["review_status"]: r["n"]
        for r in products.order_by().values("review_status").annotate(n=Count("pk"))
    }
    lines = Line.objects.filter(partner_id__in=ids)
    return {
        "products": sum(by_status.values()),
        "approved": by_status.get("approved", 0),
        "pending": by_status.get("pending", 0),
        "rejected": by_status.get("rejected", 0),
        "lines": lines.count(),
        "orders": lines.order_by().values("order_id").distinct().count(),
    }


# --- the categories a vendor was approved for at 入驻 ------------------------------------------


class CategoryScope:
    """The categories (with everything under them) a vendor may list in: those of its approved
    application (供货类目). ``None`` from :func:`vendor_category_scope` means no application
    limits the partner (the mall's own 自营, partners an operator created)."""

    def __init__(self, categories):
        self.categories = sorted(categories, key=lambda c: c.path)

    def allows(self, category) -> bool:
        return category is not None and any(category.path.startswith(c.path) for c in self.categories)

    @property
    def names(self) -> str:
        return "、".join(c.name for c in self.categories) or "（无）"

    def refusal(self, category) -> str:
        name = getattr(category, "name", "") or "该分类"
        return f"入驻时为您核准的供货类目是：{self.names}；不能在“{name}”分类上架商品。如需增加类目，请联系商城运营人员。"


def vendor_category_scope(*, partner_ids) -> CategoryScope | None:
    """Two queries: the approved applications of these partners and their categories."""
    partner_ids = [pid for pid in partner_ids if pid]
    if not partner_ids:
        return None
    applications = list(
        VendorApplication.objects.filter(
            partner_id__in=partner_ids, status=ApplicationStatus.APPROVED
        ).prefetch_related("categories")
    )
    if not applications:
        return None
    categories = {c.pk: c for application in applications for c in application.categories.all()}
    return CategoryScope(categories.values())


def vendor_category_refusal(*, user, category) -> str | None:
    """Why ``user`` (a vendor) may not list a product in ``category``, in Chinese; None if it may."""
    if is_operator(user):
        return None
    scope = vendor_category_scope(partner_ids=user_partner_ids(user))
    if scope is None or scope.allows(category):
        return None
    return scope.refusal(category)
