"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.HandlerListView.as_view(), name="financing-list"),
    path("lpr/", views.LprView.as_view(), name="financing-lpr"),
    path("<str:number>/", views.HandlerDetailView.as_view(), name="financing-detail"),
    path("<str:number>/move/", views.MoveView.as_view(), name="financing-move"),
    path("<str:number>/documents/<int:pk>/", views.HandlerDocumentView.as_view(), name="financing-document"),
]
