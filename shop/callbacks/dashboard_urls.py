"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.CallbackListView.as_view(), name="callback-list"),
    path("<str:number>/answer/", views.AnswerView.as_view(), name="callback-answer"),
]
