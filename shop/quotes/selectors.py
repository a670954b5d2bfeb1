"""Reads of the quote domain: who sees which request, routing, timelines and comparisons."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from shop.buyers.access import scope
from shop.buyers.models import ApprovalRequest, ApprovalStatus, DocumentKind
from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import DomainError
from shop.storefront.selectors import product_is_visible, visible_products

from .models import (
    EVENT_KIND_LABELS,
    ProcurementMethod,
    QuoteRequest,
    QuoteRequestEvent,
    RequestStatus,
    VendorQuote,
    VendorQuoteEvent,
    VendorQuoteLine,
    VendorQuoteStatus,
)

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")

INQUIRY_MIN_VENDORS = 3


# --- products -------------------------------------------------------------------------------


def product_quote_problem(product) -> str | None:
    """Why ``product`` cannot be put in a quote list, or None when it can. A product the buyer
    cannot see (the storefront's visibility rule) gets the very answer of a missing one: no
    title, no hint that it exists."""
    if product is None or not product_is_visible(product):
        return _("商品不存在或已下架。")
    if product.is_parent:
        return _("“%(title)s”有多个规格，请先选择具体规格再加入询价单。") % {"title": product.get_title()}
    if not StockRecord.objects.filter(product=product).exists():
        return _("商品“%(title)s”暂无供应商供货，暂不能询价。") % {"title": product.get_title()}
    return None


def quotable_products() -> QuerySet:
    """Visible products (variants of unapproved parents are not) that are not parents and
    have at least one vendor."""
    return visible_products().exclude(structure=Product.PARENT).filter(stockrecords__isnull=False).distinct()


# --- routing --------------------------------------------------------------------------------


def _category_ids(products) -> set[int]:
    ids = set()
    for product in products:
        top = product.parent if product.parent_id else product
        ids.update(top.categories.values_list("pk", flat=True))
    return ids


def inquiry_vendor_ids(*, products) -> list[int]:
    """Vendors for 询价采购: all carrying the products, then others carrying their categories,
    up to ``QUOTES_INQUIRY_MAX_VENDORS`` (the ones carrying the products always included)."""
    products = list(products)
    carrying = list(
        StockRecord.objects.filter(product__in=products)
        .order_by("partner_id")
        .values_list("partner_id", flat=True)
        .distinct()
    )
    chosen = list(dict.fromkeys(carrying))
    target = max(settings.QUOTES_INQUIRY_MAX_VENDORS, INQUIRY_MIN_VENDORS)
    cats = _category_ids(products)
    if len(chosen) < target and cats:
        in_category = Q(product__categories__in=cats) | Q(product__parent__categories__in=cats)
        others = (
            StockRecord.objects.filter(in_category, product__is_public=True)
            .exclude(partner_id__in=chosen)
            .values("partner_id")
            .annotate(n=Count("product", distinct=True))
            .order_by("-n", "partner_id")
        )
        for row in others[: target - len(chosen)]:
            chosen.append(row["partner_id"])
    return chosen


def inquiry_problem(*, products) -> str | None:
    n = len(inquiry_vendor_ids(products=products))
    if n >= INQUIRY_MIN_VENDORS:
        return None
    return _(
        "询价采购需要至少三家供应商参与报价，目前经营所选商品类目的供应商只有 %(n)s 家，"
        "无法发起询价采购。请改选“协商报价”或“单一来源”，或减少询价商品后重试。"
    ) % {"n": n}


def route_request(*, products, method: str) -> dict[int, dict[int, object]]:
    """{partner_id: {product_id: StockRecord or None}} — who quotes which product.

    协商报价: every vendor stocking a product quotes it. 单一来源: one vendor per product (the
    lowest list price). 询价采购: at least three vendors, each quoting every product."""
    products = list(products)
    records = list(
        StockRecord.objects.filter(product__in=products)
        .select_related("partner")
        .order_by("price", "partner_id")
    )
    by_product: dict[int, list] = defaultdict(list)
    for sr in records:
        by_product[sr.product_id].append(sr)
    routing: dict[int, dict[int, object]] = defaultdict(dict)
    if method == ProcurementMethod.INQUIRY:
        vendor_ids = inquiry_vendor_ids(products=products)
        if len(vendor_ids) < INQUIRY_MIN_VENDORS:
            raise DomainError(inquiry_problem(products=products))
        for partner_id in vendor_ids:
            for product in products:
                sr = next((s for s in by_product[product.pk] if s.partner_id == partner_id), None)
                routing[partner_id][product.pk] = sr
    else:
        for product in products:
            candidates = by_product[product.pk]
            if method == ProcurementMethod.SINGLE_SOURCE:
                candidates = candidates[:1]
            for sr in candidates:
                routing[sr.partner_id][product.pk] = sr
    return dict(routing)


# --- buyer side -----------------------------------------------------------------------------


def quote_requests_for_buyer(*, user, action: str = "purchases.view") -> QuerySet:
    """The requests ``user`` may read as a buyer: every request of their buying unit when their
    role allows ``action`` (none when it does not), or their own when they have no unit."""
    if not (user and user.is_authenticated):
        return QuoteRequest.objects.none()
    return QuoteRequest.objects.filter(scope(user, action).q())


def buyer_may_act(*, user, quote_request) -> bool:
    """Whether the buyer's pages offer ``user`` the actions on this request (accept, decline,
    cancel …): its unit's 经办人, or its buyer when it has no unit. The services check again."""
    return scope(user, "purchases.act").owns(unit_id=quote_request.unit_id, user_id=quote_request.buyer_id)


def quote_request_approval(*, quote_request) -> ApprovalRequest | None:
    """The unit approval of the request's acceptance that waits now (its subject is the
    vendor quote to be accepted), or None."""
    if quote_request.unit_id is None:
        return None
    return (
        ApprovalRequest.objects.filter(
            kind=DocumentKind.QUOTE,
            subject_id__in=VendorQuote.objects.filter(request=quote_request).values("pk"),
            status=ApprovalStatus.PENDING,
        )
        .select_related("submitted_by")
        .first()
    )


def quote_request_detail_queryset() -> QuerySet:
    return QuoteRequest.objects.select_related("order", "accepted_quote").prefetch_related(
        "lines",
        "attachments",
        Prefetch(
            "vendor_quotes",
            queryset=VendorQuote.objects.select_related("partner").prefetch_related(
                Prefetch("lines", queryset=VendorQuoteLine.objects.select_related("request_line"))
            ),
        ),
    )


# --- dashboard side -------------------------------------------------------------------------


def quote_requests_for_dashboard(*, user, status: str = "", query: str = "") -> QuerySet:
    """Operators: every request. Vendors: requests routed to one of their partners."""
    qs = QuoteRequest.objects.all()
    if not is_operator(user):
        ids = user_partner_ids(user)
        qs = qs.filter(vendor_quotes__partner_id__in=ids).distinct()
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(org_name__icontains=query))
    return qs.order_by("-created_at", "-pk")


def vendor_quotes_for_user(*, user, quote_request) -> QuerySet:
    qs = (
        VendorQuote.objects.filter(request=quote_request)
        .select_related("partner")
        .prefetch_related(Prefetch("lines", queryset=VendorQuoteLine.objects.select_related("request_line")))
    )
    if is_operator(user):
        return qs
    return qs.filter(partner_id__in=user_partner_ids(user))


def vendor_quote_for_user(*, user, quote_request_id: int, vendor_quote_id: int) -> VendorQuote | None:
    qs = VendorQuote.objects.filter(pk=vendor_quote_id, request_id=quote_request_id).select_related(
        "request", "partner"
    )
    if not is_operator(user):
        qs = qs.filter(partner_id__in=user_partner_ids(user))
    return qs.first()


# --- timeline and comparison ----------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    label: str
    actor: str
    from_status: str
    to_status: str
    note: str
    vendor: str


def _actor_name(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.email or user.username


def _entry(ev, labels, vendor: str = "") -> TimelineEntry:
    return TimelineEntry(
        at=ev.created_at,
        kind=ev.kind,
        label=str(EVENT_KIND_LABELS.get(ev.kind, ev.kind)),
        actor=_actor_name(ev.actor),
        from_status=str(labels.get(ev.from_status, ev.from_status)),
        to_status=str(labels.get(ev.to_status, ev.to_status)),
        note=ev.note,
        vendor=vendor,
    )


# Request events a vendor sees: the neutral steps every invited vendor shares. "accepted" and
# "ordered" name the winning vendor and the order, so only the winner sees their notes; the
# operator's "failed"/"retried" bookkeeping is not shown to vendors.
VENDOR_REQUEST_EVENT_KINDS = {
    "submitted",
    "processing",
    "routed",
    "cancelled",
    "expired",
    "accepted",
    "ordered",
}
WINNER_ONLY_NOTE_KINDS = {"accepted", "ordered"}


def timeline_viewer_role(*, quote_request, viewer) -> str:
    """'operator', 'buyer', 'vendor' or '' (may see nothing) for ``viewer`` of a request."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return ""
    if is_operator(viewer):
        return "operator"
    if scope(viewer, "purchases.view").owns(unit_id=quote_request.unit_id, user_id=quote_request.buyer_id):
        return "buyer"
    if user_partner_ids(viewer):
        return "vendor"
    return ""


def quote_request_timeline(*, quote_request, viewer) -> list[TimelineEntry]:
    """The request's history as ``viewer`` may see it, by time — the one timeline read used by
    the buyer's page, the dashboard, the API and e-mails.

    Operator and buyer: every request event and every vendor quote's events. Vendor: its own
    quotes' events and the neutral request events (never another vendor's name, price or
    order: the acceptance and order notes only when its own quote won). Anyone else, and a
    vendor the request was not routed to: nothing."""
    role = timeline_viewer_role(quote_request=quote_request, viewer=viewer)
    if not role:
        return []
    req_labels = dict(RequestStatus.choices)
    vq_labels = dict(VendorQuoteStatus.choices)
    request_events = QuoteRequestEvent.objects.filter(request=quote_request).select_related("actor")
    quotes = VendorQuote.objects.filter(request=quote_request)
    if role == "vendor":
        own = set(user_partner_ids(viewer))
        quotes = quotes.filter(partner_id__in=own)
        if not quotes.exists():  # a vendor the request was not routed to sees nothing of it
            return []
        request_events = request_events.filter(kind__in=VENDOR_REQUEST_EVENT_KINDS)
        accepted_partner = (
            VendorQuote.objects.filter(pk=quote_request.accepted_quote_id)
            .values_list("partner_id", flat=True)
            .first()
        )
        winner = accepted_partner is not None and accepted_partner in own
    entries = []
    for ev in request_events:
        entry = _entry(ev, req_labels)
        if role == "vendor" and ev.kind in WINNER_ONLY_NOTE_KINDS and not winner:
            entry = replace(entry, note="")
        entries.append(entry)
    entries += [
        _entry(ev, vq_labels, ev.vendor_quote.partner.name)
        for ev in VendorQuoteEvent.objects.filter(vendor_quote__in=quotes).select_related(
            "actor", "vendor_quote__partner"
        )
    ]
    return sorted(entries, key=lambda e: e.at)


def comparison(*, quote_request, vendor_quotes, only_quoted_lines: bool = False) -> dict:
    """The 比价 table: one column per vendor quote, one row per requested line (a vendor's
    view keeps only the lines its own quote covers)."""
    columns = []
    for vq in vendor_quotes:
        by_line = {line.request_line_id: line for line in vq.lines.all()}
        columns.append({"quote": vq, "lines": by_line, "totals": vq.totals()})
    rows = []
    for req_line in quote_request.lines.all():
        cells = [col["lines"].get(req_line.pk) for col in columns]
        if only_quoted_lines and not any(cells):
            continue
        rows.append({"line": req_line, "cells": cells})
    priced = [c["totals"]["incl"] for c in columns if c["totals"]["priced"]]
    lowest = min(priced) if priced else None
    for col in columns:
        col["is_lowest"] = (
            len(columns) > 1
            and lowest is not None
            and col["totals"]["priced"] == len(rows)
            and col["totals"]["incl"] == lowest
        )
    return {"columns": columns, "rows": rows}
