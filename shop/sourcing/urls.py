from django.urls import path

from . import views

app_name = "sourcing"
urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("new/", views.EventCreateView.as_view(), name="create"),
    path("<str:number>/", views.EventDetailView.as_view(), name="detail"),
    path("<str:number>/<slug:action>/", views.EventActionView.as_view(), name="action"),
]
