"""The vendor's contract pages in the dashboard: its own contracts only (operators see all but
confirm nothing). The actions are the buyer pages' (``views``) with the vendor's rows."""

from django.shortcuts import render
from django.views import View

from shop.core.access import VendorOrOperatorMixin, is_operator

from . import selectors, views
from .models import Side


class VendorPages(VendorOrOperatorMixin, views.ContractPages):
    side = Side.VENDOR
    template = "contracts/dashboard/detail.html"
    detail_url = "dashboard:contracts-detail"

    def contracts(self, request):
        return selectors.contracts_for_vendor(user=request.user)


class VendorContractListView(VendorPages, View):
    def get(self, request):
        rows = list(self.contracts(request).select_related("order", "partner", "unit")[:200])
        return render(
            request, "contracts/dashboard/list.html", {"rows": rows, "is_operator": is_operator(request.user)}
        )


def _vendor(view):
    return type(f"Vendor{view.__name__}", (VendorPages, view), {})


VendorContractDetailView = _vendor(views.ContractDetailView)
VendorContractPdfView = _vendor(views.ContractPdfView)
VendorConfirmView = _vendor(views.ContractConfirmView)
VendorSupplementView = _vendor(views.SupplementView)
VendorWithdrawView = _vendor(views.WithdrawView)
