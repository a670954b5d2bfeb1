from django.db import transaction
from django.urls import path

from . import views

app_name = "payments"


def _no_request_transaction(view):
    """Views that call Stripe: never hold a database transaction (or row lock) during the call."""
    return transaction.non_atomic_requests(view)


urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path(
        "orders/<str:number>/stages/<int:sequence>/transfer/",
        views.BankTransferView.as_view(),
        name="bank-transfer",
    ),
    path(
        "orders/<str:number>/stages/<int:sequence>/card/",
        _no_request_transaction(views.CardPayView.as_view()),
        name="card-pay",
    ),
    path(
        "orders/<str:number>/stages/<int:sequence>/intent/",
        _no_request_transaction(views.StripeIntentView.as_view()),
        name="stripe-intent",
    ),
    path(
        "orders/<str:number>/stripe/<int:attempt>/authenticate/",
        _no_request_transaction(views.StripeAuthenticateView.as_view()),
        name="stripe-authenticate",
    ),
    path(
        "orders/<str:number>/stripe/<int:attempt>/return/",
        _no_request_transaction(views.StripeReturnView.as_view()),
        name="stripe-return",
    ),
    path("orders/<str:number>/invoice/", views.InvoiceRequestView.as_view(), name="invoice-request"),
    path("transfers/<int:pk>/slip/", views.SlipView.as_view(), name="slip"),
    path("invoices/<int:pk>/file/", views.InvoiceFileView.as_view(), name="invoice-file"),
    path("stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
]
