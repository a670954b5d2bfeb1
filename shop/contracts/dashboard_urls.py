"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.VendorContractListView.as_view(), name="contracts-list"),
    path("<str:number>/", views.VendorContractDetailView.as_view(), name="contracts-detail"),
    path("<str:number>/v<int:sequence>.pdf", views.VendorContractPdfView.as_view(), name="contracts-pdf"),
    path("<str:number>/confirm/", views.VendorConfirmView.as_view(), name="contracts-confirm"),
    path("<str:number>/supplement/", views.VendorSupplementView.as_view(), name="contracts-supplement"),
    path("<str:number>/withdraw/", views.VendorWithdrawView.as_view(), name="contracts-withdraw"),
]
