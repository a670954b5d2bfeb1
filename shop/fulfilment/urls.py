from django.urls import path

from . import views

app_name = "fulfilment"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("<str:number>/", views.OrderDetailView.as_view(), name="detail"),
    path("<str:number>/accept/", views.AcceptView.as_view(), name="accept"),
    path("<str:number>/acceptance.pdf", views.AcceptancePdfView.as_view(), name="pdf"),
    path("<str:number>/files/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
]
