"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="vendors-application-list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="vendors-application-detail"),
    path(
        "applications/<int:pk>/approve/",
        views.ApplicationApproveView.as_view(),
        name="vendors-application-approve",
    ),
    path(
        "applications/<int:pk>/reject/",
        views.ApplicationRejectView.as_view(),
        name="vendors-application-reject",
    ),
    path(
        "applications/<int:pk>/licence/",
        views.ApplicationLicenceView.as_view(),
        name="vendors-application-licence",
    ),
    path("products/review/", views.ProductReviewListView.as_view(), name="vendors-product-review-list"),
    path("products/<int:pk>/approve/", views.ProductApproveView.as_view(), name="vendors-product-approve"),
    path("products/<int:pk>/reject/", views.ProductRejectView.as_view(), name="vendors-product-reject"),
    path("imports/", views.ImportListView.as_view(), name="vendors-import-list"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="vendors-import-detail"),
    path("imports/<int:pk>/progress/", views.ImportProgressView.as_view(), name="vendors-import-progress"),
    path("imports/template.<str:fmt>", views.ImportTemplateView.as_view(), name="vendors-import-template"),
]
