from django.urls import path

from . import views

app_name = "callbacks"
urlpatterns = [
    path("", views.MyCallbacksView.as_view(), name="list"),
    path("book/", views.BookView.as_view(), name="book"),
    path("<str:number>/cancel/", views.CancelView.as_view(), name="cancel"),
]
