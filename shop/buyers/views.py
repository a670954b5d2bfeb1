"""Buying-unit pages: 单位工作台 (or the form to create a unit), members, the invitation link.

Thin views: reads from ``selectors``, writes through ``services``. Only active members see
their unit; a refusal by a service (``DomainError``) is shown as its Chinese message and
changes nothing; "not yours to do" (403) and "not your unit" (404) go to the error pages."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import InvitationAcceptForm, InviteForm, RolesForm, UnitCreateForm
from .models import UnitRole


def _refuse_or_report(request, exc: DomainError):
    """403/404 refusals go to the error pages; any other refusal is shown on the page."""
    if isinstance(exc, PermissionDenied | NotFound):
        raise exc
    messages.error(request, exc.message)


class UnitHomeView(LoginRequiredMixin, View):
    """单位工作台 for members; the 创建采购单位 form for a buyer without a unit."""

    def get(self, request):
        member = selectors.membership_for_user(user=request.user)
        if member is None:
            return render(request, "buyers/unit_create.html", {"form": UnitCreateForm()})
        unit = member.unit
        return render(
            request,
            "buyers/unit_home.html",
            {
                "member": member,
                "unit": unit,
                "member_count": selectors.unit_active_member_count(unit=unit),
                "invitations": selectors.unit_pending_invitations(unit=unit),
                "events": selectors.unit_recent_events(unit=unit),
                # approvals and payments inside the unit come with budgets and approval rules
                "to_approve": [],
                "to_pay": [],
            },
        )

    def post(self, request):
        form = UnitCreateForm(request.POST)
        if form.is_valid():
            try:
                unit = services.unit_create(user=request.user, data=form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
                for field, errors in exc.fields.items():
                    if field in form.fields:
                        form.add_error(field, errors)
            else:
                messages.success(
                    request, _("采购单位“%(name)s”已创建，您是管理员。") % {"name": unit.org_name}
                )
                return redirect("buyers:unit")
        return render(request, "buyers/unit_create.html", {"form": form}, status=400)


def _membership_or_404(request):
    member = selectors.membership_for_user(user=request.user)
    if member is None:
        raise Http404(_("您还不是任何采购单位的成员。"))
    return member


class MemberListView(LoginRequiredMixin, View):
    """Members and pending invitations; an administrator also invites here (POST)."""

    def render_page(self, request, member, invite_form=None, status=200):
        unit = member.unit
        return render(
            request,
            "buyers/unit_members.html",
            {
                "member": member,
                "unit": unit,
                "members": selectors.unit_members(unit=unit),
                "invitations": selectors.unit_pending_invitations(unit=unit),
                "invite_form": invite_form or InviteForm(),
                "roles": UnitRole.choices,
            },
            status=status,
        )

    def get(self, request):
        return self.render_page(request, _membership_or_404(request))

    def post(self, request):
        member = _membership_or_404(request)
        if not member.is_admin:
            raise PermissionDenied(services.MSG_NOT_ADMIN)
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, member, form, status=400)
        try:
            invitation, _token = services.member_invite(
                unit=member.unit,
                actor=request.user,
                email=form.cleaned_data["email"],
                roles=form.cleaned_data["roles"],
            )
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            form.add_error("email" if "email" in exc.fields else None, exc.message)
            return self.render_page(request, member, form, status=400)
        messages.success(request, _("邀请邮件已发送至 %(email)s，7 天内有效。") % {"email": invitation.email})
        return redirect("buyers:members")


class MemberActionView(LoginRequiredMixin, View):
    """POST-only administrator actions on one member: roles, deactivate, reactivate."""

    http_method_names = ["post"]
    DONE = {
        "roles": gettext_lazy("角色已更新。"),
        "deactivate": gettext_lazy("成员已停用，其登录已立即失效。"),
        "reactivate": gettext_lazy("成员已重新启用。"),
    }

    def post(self, request, pk, action):
        if action not in self.DONE:
            raise Http404(_("没有这个操作。"))
        member = _membership_or_404(request)
        target = selectors.unit_member(unit=member.unit, member_id=pk)
        if target is None:
            raise Http404(_("该成员不存在。"))
        if not member.is_admin:
            raise PermissionDenied(services.MSG_NOT_ADMIN)
        try:
            if action == "roles":
                form = RolesForm(request.POST)
                if not form.is_valid():  # none chosen, or a role that does not exist
                    raise DomainError(" ".join(form.errors["roles"]))
                services.member_roles_set(member=target, actor=request.user, roles=form.cleaned_data["roles"])
            elif action == "deactivate":
                services.member_deactivate(member=target, actor=request.user)
            else:
                services.member_reactivate(member=target, actor=request.user)
        except DomainError as exc:
            _refuse_or_report(request, exc)
        else:
            messages.success(request, self.DONE[action])
        return redirect("buyers:members")


class InvitationAcceptView(View):
    """The link of an invitation e-mail: a visitor creates the account, a signed-in user with
    the invited e-mail joins with one click."""

    template_name = "buyers/invitation_accept.html"

    def page(self, request, token, form=None, status=200):
        try:
            invitation = services.invitation_for_token(token=token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=exc.status)
        return render(
            request,
            self.template_name,
            {"invitation": invitation, "form": form or InvitationAcceptForm()},
            status=status,
        )

    def get(self, request, token):
        return self.page(request, token)

    def post(self, request, token):
        signed_in = request.user.is_authenticated
        form = None
        try:
            if signed_in:
                member = services.invitation_accept(token=token, user=request.user)
            else:
                form = InvitationAcceptForm(request.POST)
                if not form.is_valid():
                    return self.page(request, token, form, status=400)
                member = services.invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
        except DomainError as exc:
            if form is not None and exc.fields:
                for field, errors in exc.fields.items():
                    form.add_error(field if field in form.fields else None, errors)
                return self.page(request, token, form, status=exc.status)
            if exc.message not in (services.MSG_USED, services.MSG_EXPIRED, services.MSG_BAD_LINK):
                messages.error(request, exc.message)  # the page itself says a link is no longer valid
            return self.page(request, token, form, status=exc.status)
        if not signed_in:
            login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("您已加入采购单位“%(name)s”。") % {"name": member.unit.org_name})
        return redirect("buyers:unit")
