from django.urls import path

from . import views

app_name = "consulting"
urlpatterns = [
    path("", views.MyEngagementsView.as_view(), name="list"),
    path("book/<int:pk>/", views.BookView.as_view(), name="book"),
    path("<str:number>/", views.EngagementDetailView.as_view(), name="detail"),
    path("<str:number>/accept-proposal/", views.AcceptProposalView.as_view(), name="accept-proposal"),
    path("<str:number>/order/", views.OrderView.as_view(), name="order"),
    path("<str:number>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<str:number>/acceptance/", views.AcceptReportView.as_view(), name="acceptance"),
    path("<str:number>/files/<int:pk>/", views.FileView.as_view(), name="file"),
    path("<str:number>/report/<int:pk>/", views.ReportFileView.as_view(), name="report"),
]
