from django.urls import path

from . import views

app_name = "quotes"
urlpatterns = [
    path("list/", views.QuoteListView.as_view(), name="list"),
    path("list/add/", views.QuoteListAddView.as_view(), name="list-add"),
    path("submit/", views.QuoteSubmitView.as_view(), name="submit"),
    path("mine/", views.MyQuotesView.as_view(), name="mine"),
    path("<str:number>/", views.QuoteDetailView.as_view(), name="detail"),
    path("<str:number>/submitted/", views.QuoteSubmittedView.as_view(), name="submitted"),
    path("<str:number>/cancel/", views.QuoteActionView.as_view(action="cancel"), name="cancel"),
    path(
        "<str:number>/quotes/<int:vq>/accept/", views.QuoteActionView.as_view(action="accept"), name="accept"
    ),
    path(
        "<str:number>/quotes/<int:vq>/decline/",
        views.QuoteActionView.as_view(action="decline"),
        name="decline",
    ),
    path(
        "<str:number>/quotes/<int:vq>/revise/", views.QuoteActionView.as_view(action="revise"), name="revise"
    ),
    path("<str:number>/quotes/<int:vq>/pdf/", views.VendorQuotePdfView.as_view(), name="pdf"),
    path("<str:number>/attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
]
