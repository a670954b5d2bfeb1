"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.CreditListView.as_view(), name="credit-list"),
    path("<int:partner_id>/", views.CreditDetailView.as_view(), name="credit-detail"),
    path("<int:partner_id>/warn/", views.CreditWarnView.as_view(), name="credit-warn"),
    path("<int:partner_id>/suspend/", views.CreditSuspendView.as_view(), name="credit-suspend"),
    path("<int:partner_id>/<int:entry_id>/lift/", views.CreditLiftView.as_view(), name="credit-lift"),
]
