"""Reads of the public notices: searchable by project, unit or supplier, filtered by kind."""

from django.db.models import Q, QuerySet

from .models import Notice, NoticeKind


def notices_public(*, query: str = "", kind: str = "") -> QuerySet:
    qs = Notice.objects.all()
    if kind in NoticeKind.values:
        qs = qs.filter(kind=kind)
    query = " ".join((query or "").split())[:40]
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(unit_name__icontains=query)
            | Q(supplier_name__icontains=query)
            | Q(project_number__icontains=query)
        )
    return qs.order_by("-published_at", "-pk")
