from django.urls import path

from . import views

app_name = "sitepages"
urlpatterns = [
    path("pages/<slug:slug>/", views.SitePageView.as_view(), name="page"),
    path("dashboard/site-pages/", views.DashboardListView.as_view(), name="dashboard-list"),
    path("dashboard/site-pages/<slug:slug>/", views.DashboardEditView.as_view(), name="dashboard-edit"),
]
