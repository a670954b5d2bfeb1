"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.VendorEventListView.as_view(), name="sourcing-list"),
    path("<str:number>/", views.VendorEventDetailView.as_view(), name="sourcing-detail"),
    path("<str:number>/respond/", views.RespondView.as_view(), name="sourcing-respond"),
    path("<str:number>/bid/", views.BidView.as_view(), name="sourcing-bid"),
    path("<str:number>/status/", views.BidStatusView.as_view(), name="sourcing-status"),
]
