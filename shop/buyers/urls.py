from django.urls import path

from . import views

app_name = "buyers"
urlpatterns = [
    path("unit/", views.UnitHomeView.as_view(), name="unit"),
    path("unit/members/", views.MemberListView.as_view(), name="members"),
    path("unit/members/<int:pk>/<slug:action>/", views.MemberActionView.as_view(), name="member-action"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation"),
]
