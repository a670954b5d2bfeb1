from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.PartnerIndexView.as_view(), name="index"),
    path("region/<str:code>/", views.RegionView.as_view(), name="region"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("mine/", views.MyApplicationsView.as_view(), name="mine"),
]
