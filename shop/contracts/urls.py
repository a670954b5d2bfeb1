from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.ContractListView.as_view(), name="list"),
    path("<str:number>/", views.ContractDetailView.as_view(), name="detail"),
    path("<str:number>/v<int:sequence>.pdf", views.ContractPdfView.as_view(), name="pdf"),
    path("<str:number>/terms/", views.ContractTermsView.as_view(), name="terms"),
    path("<str:number>/confirm/", views.ContractConfirmView.as_view(), name="confirm"),
    path("<str:number>/supplement/", views.SupplementView.as_view(), name="supplement"),
    path("<str:number>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
]
