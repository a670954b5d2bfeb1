from django.urls import path

from . import views

app_name = "financing"
urlpatterns = [
    path("", views.MyApplicationsView.as_view(), name="list"),
    path("apply/<int:pk>/", views.ApplyView.as_view(), name="apply"),
    path("freelance/<int:pk>/", views.FreelanceEnquiryView.as_view(), name="freelance"),
    path("<str:number>/", views.ApplicationDetailView.as_view(), name="detail"),
    path("<str:number>/supplement/", views.SupplementView.as_view(), name="supplement"),
    path("<str:number>/documents/<int:pk>/", views.DocumentView.as_view(), name="document"),
]
