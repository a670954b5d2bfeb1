"""API URLs, included under /api/ by shop.api.urls."""

from django.urls import path

from . import api_views

urlpatterns = [
    path("unit/", api_views.UnitView.as_view(), name="unit"),
    path("unit/members/", api_views.MemberListView.as_view(), name="unit-members"),
    path("unit/members/<int:pk>/", api_views.MemberDetailView.as_view(), name="unit-member"),
    path("unit/budgets/", api_views.BudgetListView.as_view(), name="unit-budgets"),
    path("unit/budgets/<int:pk>/", api_views.BudgetDetailView.as_view(), name="unit-budget"),
    path("unit/rules/", api_views.RuleListView.as_view(), name="unit-rules"),
    path("unit/rules/<int:pk>/", api_views.RuleDetailView.as_view(), name="unit-rule"),
    path("unit/approvals/", api_views.ApprovalListView.as_view(), name="unit-approvals"),
    path("unit/approvals/<str:number>/", api_views.ApprovalDetailView.as_view(), name="unit-approval"),
    path(
        "unit/approvals/<str:number>/decide/",
        api_views.ApprovalDecideView.as_view(),
        name="unit-approval-decide",
    ),
    path(
        "unit/approvals/<str:number>/withdraw/",
        api_views.ApprovalWithdrawView.as_view(),
        name="unit-approval-withdraw",
    ),
]
