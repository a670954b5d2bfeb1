"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.ApplicationListView.as_view(), name="partner-application-list"),
    path("<str:number>/", views.ApplicationDetailView.as_view(), name="partner-application-detail"),
    path("<str:number>/review/", views.ReviewView.as_view(), name="partner-application-review"),
]
