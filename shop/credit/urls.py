from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("<int:partner_id>/", views.VendorPageView.as_view(), name="vendor"),
    path("rate/", views.RatingsToGiveView.as_view(), name="rate-list"),
    path("rate/<str:number>/", views.RateOrderView.as_view(), name="rate"),
]
