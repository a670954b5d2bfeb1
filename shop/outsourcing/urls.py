from django.urls import path

from . import views

app_name = "outsourcing"
urlpatterns = [
    path("", views.RequestListView.as_view(), name="list"),
    path("new/<int:pk>/", views.RequestCreateView.as_view(), name="new"),
    path("cv/<int:pk>/", views.CvView.as_view(), name="cv"),
    path("<str:number>/", views.RequestDetailView.as_view(), name="detail"),
    path("<str:number>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<str:number>/proposals/<int:pk>/accept/", views.ProposalAcceptView.as_view(), name="accept"),
    path("<str:number>/reports/<int:month>/accept/", views.ReportAcceptView.as_view(), name="report-accept"),
    path("<str:number>/reports/<int:month>/reject/", views.ReportRejectView.as_view(), name="report-reject"),
    path("<str:number>/end/", views.EndView.as_view(), name="end"),
]
