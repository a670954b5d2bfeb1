from django.urls import path

from . import views

app_name = "vendors"
urlpatterns = [
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("application/", views.StatusView.as_view(), name="status"),
    path("application/<int:pk>/licence/", views.LicenceView.as_view(), name="licence"),
]
