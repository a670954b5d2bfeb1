"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.QuoteRequestListView.as_view(), name="quotes-list"),
    path("<int:pk>/", views.QuoteRequestDetailView.as_view(), name="quotes-detail"),
    path("<int:pk>/quotes/<int:vq>/answer/", views.VendorQuoteAnswerView.as_view(), name="quotes-answer"),
    path("<int:pk>/quotes/<int:vq>/revise/", views.VendorQuoteAnswerView.as_view(), name="quotes-revise"),
    path("<int:pk>/quotes/<int:vq>/pdf/", views.VendorQuotePdfView.as_view(), name="quotes-pdf"),
    path("<int:pk>/attachments/<int:att>/", views.AttachmentView.as_view(), name="quotes-attachment"),
    path("<int:pk>/retry/", views.RetryStepsView.as_view(), name="quotes-retry"),
    path("<int:pk>/cancel/", views.CancelRequestView.as_view(), name="quotes-cancel"),
]
