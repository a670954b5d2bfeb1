"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.DashboardOemListView.as_view(), name="oem-list"),
    path("<str:number>/", views.DashboardOemDetailView.as_view(), name="oem-detail"),
    path("<str:number>/offer/", views.DashboardOemOfferView.as_view(), name="oem-offer"),
    path("<str:number>/transition/", views.DashboardOemTransitionView.as_view(), name="oem-transition"),
    path("<str:number>/logo/", views.DashboardOemLogoView.as_view(), name="oem-logo"),
]
