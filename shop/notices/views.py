"""The public 采购公告 section (no login): list with search, kind filter and pages; one notice."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views import View

from . import selectors
from .models import Notice, NoticeKind


class NoticeListView(View):
    def get(self, request):
        kind = request.GET.get("kind", "")
        query = request.GET.get("q", "")
        page = Paginator(selectors.notices_public(query=query, kind=kind), 20).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "notices/list.html",
            {
                "page_obj": page,
                "kinds": NoticeKind.choices,
                "kind": kind if kind in NoticeKind.values else "",
                "query": " ".join(query.split())[:40],
            },
        )


class NoticeDetailView(View):
    def get(self, request, pk):
        return render(request, "notices/detail.html", {"notice": get_object_or_404(Notice, pk=pk)})
