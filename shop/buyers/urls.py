from django.urls import path

from . import views

app_name = "buyers"
urlpatterns = [
    path("unit/", views.UnitHomeView.as_view(), name="unit"),
    path("unit/members/", views.MemberListView.as_view(), name="members"),
    path("unit/members/<int:pk>/<slug:action>/", views.MemberActionView.as_view(), name="member-action"),
    path("unit/budgets/", views.BudgetListView.as_view(), name="budgets"),
    path("unit/budgets/new/", views.BudgetFormView.as_view(), name="budget-create"),
    path("unit/budgets/export.xlsx", views.BudgetExportView.as_view(), name="budgets-export"),
    path("unit/budgets/<int:pk>/", views.BudgetDetailView.as_view(), name="budget"),
    path("unit/budgets/<int:pk>/edit/", views.BudgetFormView.as_view(), name="budget-edit"),
    path("unit/rules/", views.RuleListView.as_view(), name="rules"),
    path("unit/rules/<int:pk>/", views.RuleEditView.as_view(), name="rule-edit"),
    path("unit/approvals/", views.ApprovalListView.as_view(), name="approvals"),
    path("unit/approvals/<str:number>/", views.ApprovalDetailView.as_view(), name="approval"),
    path("unit/approvals/<str:number>/decide/", views.ApprovalDecideView.as_view(), name="approval-decide"),
    path(
        "unit/approvals/<str:number>/withdraw/",
        views.ApprovalWithdrawView.as_view(),
        name="approval-withdraw",
    ),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation"),
]
