"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.VendorOrderListView.as_view(), name="fulfilment-list"),
    path("<str:number>/", views.VendorOrderDetailView.as_view(), name="fulfilment-detail"),
    path("<str:number>/deliver/", views.DeliverView.as_view(), name="fulfilment-deliver"),
    path("<str:number>/acceptance.pdf", views.VendorPdfView.as_view(), name="fulfilment-pdf"),
    path("<str:number>/files/<int:pk>/", views.VendorAttachmentView.as_view(), name="fulfilment-attachment"),
]
