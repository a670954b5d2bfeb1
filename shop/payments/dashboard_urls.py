"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("", views.PaymentOrderListView.as_view(), name="payments-list"),
    path("orders/<str:number>/", views.PaymentOrderDetailView.as_view(), name="payments-order"),
    path(
        "orders/<str:number>/invoices/",
        views.InvoiceIssueView.as_view(),
        name="payments-invoice-issue",
    ),
    path(
        "transfers/<int:pk>/confirm/",
        views.TransferReviewView.as_view(confirm=True),
        name="payments-transfer-confirm",
    ),
    path(
        "transfers/<int:pk>/reject/",
        views.TransferReviewView.as_view(confirm=False),
        name="payments-transfer-reject",
    ),
    path("transfers/<int:pk>/slip/", views.DashboardSlipView.as_view(), name="payments-slip"),
    path("stripe-events/", views.StripeEventListView.as_view(), name="payments-stripe-events"),
    path("settings/", views.SellerSettingsView.as_view(), name="payments-seller-settings"),
    path("settings/prepay/", views.SellerPrepayView.as_view(), name="payments-seller-prepay"),
    path("settings/stripe/connect/", views.StripeConnectStartView.as_view(), name="payments-stripe-connect"),
    path(
        "settings/stripe/return/",
        views.StripeConnectReturnView.as_view(),
        name="payments-stripe-connect-return",
    ),
    path(
        "settings/stripe/disconnect/",
        views.StripeConnectRemoveView.as_view(),
        name="payments-stripe-disconnect",
    ),
    path("bank-accounts/", views.BankAccountListView.as_view(), name="payments-bank-accounts"),
    path("bank-accounts/<int:pk>/", views.BankAccountReviewView.as_view(), name="payments-bank-account"),
    path("bank-accounts/<int:pk>/proof/", views.BankAccountProofView.as_view(), name="payments-bank-proof"),
]
