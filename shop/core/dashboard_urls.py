from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.TasksView.as_view(), name="core-tasks"),
    path("mail/<int:pk>/retry/", views.MailRetryView.as_view(), name="core-mail-retry"),
    path("failures/<int:pk>/retry/", views.TaskRetryView.as_view(), name="core-task-retry"),
]
