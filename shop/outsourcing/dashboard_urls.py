"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.ListView.as_view(), name="outsourcing-list"),
    path("<str:number>/", views.DetailView.as_view(), name="outsourcing-detail"),
    path("<str:number>/propose/", views.ProposeView.as_view(), name="outsourcing-propose"),
    path("<str:number>/report/", views.ReportView.as_view(), name="outsourcing-report"),
    path("<str:number>/end/", views.EndView.as_view(), name="outsourcing-end"),
]
