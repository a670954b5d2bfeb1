"""API URLs of sourcing, included under /api/ by shop.api.urls."""

from django.urls import path

from . import api

urlpatterns = [
    path("sourcing/", api.EventListView.as_view(), name="sourcing-list"),
    path("sourcing/<str:number>/", api.EventDetailView.as_view(), name="sourcing-detail"),
    path("sourcing/<str:number>/response/", api.RespondView.as_view(), name="sourcing-respond"),
    path("sourcing/<str:number>/bids/", api.BidView.as_view(), name="sourcing-bid"),
]
