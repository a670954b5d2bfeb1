from django.urls import path

from . import views

app_name = "oem"
urlpatterns = [
    path("", views.OemOrderListView.as_view(), name="list"),
    path("new/<int:product_pk>/", views.OemOrderCreateView.as_view(), name="create"),
    path("<str:number>/", views.OemOrderDetailView.as_view(), name="detail"),
    path("<str:number>/logo/", views.OemLogoView.as_view(), name="logo"),
    path(
        "<str:number>/<slug:action>/",
        views.OemOrderActionView.as_view(),
        name="action",
    ),
]
