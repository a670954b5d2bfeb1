"""API URLs, included under /api/ by shop.api.urls."""

from django.urls import path

from . import api_views

urlpatterns = [
    path("unit/", api_views.UnitView.as_view(), name="unit"),
    path("unit/members/", api_views.MemberListView.as_view(), name="unit-members"),
    path("unit/members/<int:pk>/", api_views.MemberDetailView.as_view(), name="unit-member"),
]
