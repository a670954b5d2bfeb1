"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.ConsultantListView.as_view(), name="consulting-list"),
    path("calendar/", views.CalendarView.as_view(), name="consulting-calendar"),
    path("calendar/<int:pk>/remove/", views.UnblockView.as_view(), name="consulting-unblock"),
    path("<str:number>/", views.ConsultantDetailView.as_view(), name="consulting-detail"),
    path("<str:number>/confirm/", views.ConfirmView.as_view(), name="consulting-confirm"),
    path("<str:number>/propose/", views.ProposeView.as_view(), name="consulting-propose"),
    path("<str:number>/cancel/", views.ConsultantCancelView.as_view(), name="consulting-cancel"),
    path("<str:number>/report/", views.ReportView.as_view(), name="consulting-report"),
    path("<str:number>/files/<int:pk>/", views.ConsultantFileView.as_view(), name="consulting-file"),
    path(
        "<str:number>/report-files/<int:pk>/",
        views.ConsultantReportFileView.as_view(),
        name="consulting-report-file",
    ),
]
