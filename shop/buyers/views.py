"""Buying-unit pages: 单位工作台 (or the form to create a unit), members, the invitation link.

Thin views: reads from ``selectors``, writes through ``services``. Only active members see
their unit; a refusal by a service (``DomainError``) is shown as its Chinese message and
changes nothing; "not yours to do" (403) and "not your unit" (404) go to the error pages."""

import io
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from shop.core.exceptions import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .access import member_can, refusal
from .forms import (
    ApprovalDecideForm,
    ApprovalRuleForm,
    ApprovalWithdrawForm,
    BudgetLineForm,
    InvitationAcceptForm,
    InviteForm,
    RolesForm,
    UnitCreateForm,
)
from .models import DocumentKind, FundNature, UnitRole
from .services.approvals import SUBJECTS


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
        pays = member_can(member, "orders.pay")
        accepts = member_can(member, "purchases.act")
        year = timezone.localdate().year
        quotes = selectors.unit_quotes_to_accept(unit=unit) if accepts else []
        oem = selectors.unit_oem_to_accept(unit=unit) if accepts else []
        awards = selectors.unit_awards_to_confirm(unit=unit) if accepts else []
        return render(
            request,
            "buyers/unit_home.html",
            {
                "member": member,
                "unit": unit,
                "member_count": selectors.unit_active_member_count(unit=unit),
                "invitations": selectors.unit_pending_invitations(unit=unit),
                "events": selectors.unit_recent_events(unit=unit),
                # what waits for this member: to approve (审批人), to pay (财务), to accept (经办人)
                "decides": member_can(member, "approvals.decide"),
                "to_approve": selectors.unit_approvals(member=member, tab="mine", limit=20),
                "pays": pays,
                "to_pay": selectors.unit_orders_to_pay(unit=unit) if pays else [],
                "today": timezone.localdate(),
                "accepts": accepts,
                "quotes_to_accept": quotes,
                "oem_to_accept": oem,
                "awards_to_confirm": awards,
                "accept_count": len(quotes) + len(oem) + len(awards),
                "year": year,
                "budget_lines": _with_percent(selectors.unit_budget_lines(unit=unit, year=year)),
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
    """POST-only administrator actions on one member: roles, deactivate, reactivate, and
    reassign (hand the member's open requests, OEM orders and waiting approvals to a 经办人)."""

    http_method_names = ["post"]
    DONE = {
        "roles": gettext_lazy("角色已更新。"),
        "deactivate": gettext_lazy("成员已停用，其登录已立即失效。"),
        "reactivate": gettext_lazy("成员已重新启用。"),
        "reassign": gettext_lazy("经办事项已转交。"),
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
            elif action == "reassign":
                to = selectors.unit_member(unit=member.unit, member_id=request.POST.get("to_member"))
                if to is None:
                    raise DomainError(_("请选择接手的经办人。"))
                moved = services.unit_work_reassign(
                    unit=member.unit, actor=request.user, from_member=target, to_member=to
                )
                messages.success(
                    request,
                    _("已将 %(n)s 项经办事项转交给 %(name)s。")
                    % {"n": moved, "name": to.user.get_full_name() or to.user.email},
                )
                return redirect("buyers:members")
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


# --- budgets, approval rules, approvals -----------------------------------------------------------


def _member_for(request, action: str):
    """The signed-in member of a unit who may do ``action`` (404 without a unit, 403 without the
    role, with the role table's Chinese refusal)."""
    member = _membership_or_404(request)
    if not member_can(member, action):
        raise PermissionDenied(refusal(action))
    return member


def _form_errors(form, exc: DomainError) -> None:
    """A service's refusal on the form: next to its field, or above the form."""
    placed = False
    for field, errors in exc.fields.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
            placed = True
    if not placed or exc.message not in sum(exc.fields.values(), []):
        form.add_error(None, exc.message)


def _with_percent(lines):
    for line in lines:
        line.percent = selectors.budget_use_percent(line)
    return lines


class UnitPage(LoginRequiredMixin, View):
    action = "budgets.view"

    def member(self, request):
        return _member_for(request, self.action)

    def page(self, request, template, member, status=200, **context):
        return render(request, template, {"member": member, "unit": member.unit, **context}, status=status)


class BudgetListView(UnitPage):
    """Every budget line of the unit, by year: amount, 已占用, 已支付, 可用 and a bar of use."""

    def get(self, request):
        member = self.member(request)
        lines = _with_percent(selectors.unit_budget_lines(unit=member.unit))
        return self.page(
            request,
            "buyers/budgets.html",
            member,
            lines=lines,
            can_manage=member_can(member, "budgets.manage"),
        )


class BudgetFormView(UnitPage):
    """登记预算 (no pk) or 调整预算 (pk): 管理员 and 财务 only."""

    action = "budgets.manage"

    def line(self, member, pk):
        if pk is None:
            return None
        line = selectors.unit_budget_line(unit=member.unit, pk=pk)
        if line is None:
            raise Http404(_("预算不存在。"))
        return line

    def render_form(self, request, member, line, form, status=200):
        used = (line.committed + line.spent) if line is not None else None
        return self.page(
            request, "buyers/budget_form.html", member, status=status, line=line, form=form, used=used
        )

    def get(self, request, pk=None):
        member = self.member(request)
        line = self.line(member, pk)
        if line is None:
            initial = {"year": timezone.localdate().year, "fund_nature": FundNature.FISCAL}
        else:
            initial = {
                "name": line.name,
                "amount": line.amount,
                "fund_nature": line.fund_nature,
                "category": line.category_id,
            }
        form = BudgetLineForm(initial=initial, editing=line is not None)
        return self.render_form(request, member, line, form)

    def post(self, request, pk=None):
        member = self.member(request)
        line = self.line(member, pk)
        form = BudgetLineForm(request.POST, editing=line is not None)
        if not form.is_valid():
            return self.render_form(request, member, line, form, status=400)
        data = form.cleaned_data
        try:
            if line is None:
                line = services.budget_line_create(
                    unit=member.unit,
                    actor=request.user,
                    name=data["name"],
                    year=data["year"],
                    amount=data["amount"],
                    fund_nature=data["fund_nature"],
                    category=data["category"],
                )
                done = _("预算“%(name)s”已登记。")
            else:
                line = services.budget_line_update(
                    line=line,
                    actor=request.user,
                    name=data["name"],
                    amount=data["amount"],
                    fund_nature=data["fund_nature"],
                    category=data["category"],
                )
                done = _("预算“%(name)s”已保存。")
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            _form_errors(form, exc)
            return self.render_form(request, member, line if pk else None, form, status=exc.status)
        messages.success(request, done % {"name": line.name})
        return redirect("buyers:budget", pk=line.pk)


class BudgetDetailView(UnitPage):
    """One line: its figures, the documents behind them and its events."""

    def get(self, request, pk):
        member = self.member(request)
        line = selectors.unit_budget_line(unit=member.unit, pk=pk)
        if line is None:
            raise Http404(_("预算不存在。"))
        line.percent = selectors.budget_use_percent(line)
        commitments = selectors.budget_line_commitments(line=line)
        for c in commitments:
            c.path = selectors.document_path(kind=c.kind, number=c.number, member=member)
        return self.page(
            request,
            "buyers/budget_detail.html",
            member,
            line=line,
            commitments=commitments,
            events=selectors.budget_line_events(line=line),
            can_manage=member_can(member, "budgets.manage"),
        )


MONEY_FORMAT = "#,##0.00"


def budgets_workbook(*, unit, lines, commitments) -> bytes:
    """Two sheets: 预算 (one row per line) and 预算明细 (one row per document); Chinese headers,
    money as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    labels = dict(FundNature.choices)
    kinds = dict(DocumentKind.choices)
    book = Workbook()
    sheet = book.active
    sheet.title = "预算"
    sheet.append(["年度", "预算名称", "资金性质", "品目", "预算金额", "已占用", "已支付", "可用"])
    for line in lines:
        sheet.append(
            [
                line.year,
                line.name,
                str(labels.get(line.fund_nature, line.fund_nature)),
                line.category.name if line.category_id else "",
                line.amount,
                line.committed,
                line.spent,
                line.available,
            ]
        )
    docs = book.create_sheet("预算明细")
    docs.append(
        [
            "年度",
            "预算名称",
            "单据类型",
            "单据号",
            "摘要",
            "金额",
            "占用中",
            "已支付",
            "已释放",
            "状态",
            "日期",
        ]
    )
    for c in commitments:
        docs.append(
            [
                c.line.year,
                c.line.name,
                str(kinds.get(c.kind, c.kind)),
                c.number,
                c.title,
                c.amount,
                c.committed,
                c.spent,
                c.released,
                c.state_label,
                timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    for ws, money_cols in ((sheet, "EFGH"), (docs, "FGHI")):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col in money_cols:
            for cell in ws[col][1:]:
                cell.number_format = MONEY_FORMAT
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class BudgetExportView(UnitPage):
    def get(self, request):
        member = self.member(request)
        data = budgets_workbook(
            unit=member.unit,
            lines=selectors.unit_budget_lines(unit=member.unit),
            commitments=selectors.unit_commitments(unit=member.unit),
        )
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = f"预算-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = (
            f"attachment; filename=\"budgets.xlsx\"; filename*=UTF-8''{quote(name)}"
        )
        response["Cache-Control"] = "private, no-store"
        return response


RULES_EXPLAINED = gettext_lazy(
    "金额（含税）达到起审金额的事项需经相应级数的审批人依次审批；同时适用多条规则时以审批级数最多的一条为准；"
    "规则只对今后提交的事项生效，已在审批中的事项不受影响。"
)


class RuleListView(UnitPage):
    """The unit's approval rules; a 管理员 adds one here (POST)."""

    action = "approvals.view"

    def render_list(self, request, member, form=None, status=200):
        is_admin = member_can(member, "rules.manage")
        return self.page(
            request,
            "buyers/rules.html",
            member,
            status=status,
            rules=selectors.unit_rules(unit=member.unit),
            can_manage=is_admin,
            form=(form or ApprovalRuleForm()) if is_admin else None,
            explained=RULES_EXPLAINED,
        )

    def get(self, request):
        return self.render_list(request, self.member(request))

    def post(self, request):
        member = _member_for(request, "rules.manage")
        form = ApprovalRuleForm(request.POST)
        if not form.is_valid():
            return self.render_list(request, member, form, status=400)
        try:
            services.approval_rule_create(
                unit=member.unit,
                actor=request.user,
                min_amount=form.cleaned_data["min_amount"],
                steps=form.cleaned_data["steps"],
                category=form.cleaned_data["category"],
            )
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            _form_errors(form, exc)
            return self.render_list(request, member, form, status=exc.status)
        messages.success(request, _("审批规则已添加，对今后提交的事项生效。"))
        return redirect("buyers:rules")


class RuleEditView(UnitPage):
    action = "rules.manage"

    def rule(self, member, pk):
        rule = selectors.unit_rule(unit=member.unit, pk=pk)
        if rule is None:
            raise Http404(_("审批规则不存在。"))
        return rule

    def get(self, request, pk):
        member = self.member(request)
        rule = self.rule(member, pk)
        form = ApprovalRuleForm(
            initial={
                "min_amount": rule.min_amount,
                "steps": rule.steps,
                "category": rule.category_id,
                "is_active": rule.is_active,
            }
        )
        return self.page(
            request, "buyers/rule_form.html", member, rule=rule, form=form, explained=RULES_EXPLAINED
        )

    def post(self, request, pk):
        member = self.member(request)
        rule = self.rule(member, pk)
        form = ApprovalRuleForm(request.POST)
        if form.is_valid():
            try:
                services.approval_rule_update(
                    rule=rule,
                    actor=request.user,
                    min_amount=form.cleaned_data["min_amount"],
                    steps=form.cleaned_data["steps"],
                    is_active=form.cleaned_data["is_active"],
                    category=form.cleaned_data["category"],
                )
            except DomainError as exc:
                if isinstance(exc, PermissionDenied | NotFound):
                    raise
                _form_errors(form, exc)
            else:
                messages.success(request, _("审批规则已保存，对今后提交的事项生效。"))
                return redirect("buyers:rules")
        return self.page(
            request,
            "buyers/rule_form.html",
            member,
            status=400,
            rule=rule,
            form=form,
            explained=RULES_EXPLAINED,
        )


class ApprovalListView(UnitPage):
    """待我审批 / 我提交的 / 全部."""

    action = "approvals.view"

    def get(self, request):
        member = self.member(request)
        tabs = dict(selectors.APPROVAL_TABS)
        tab = request.GET.get("tab")
        if tab not in tabs:
            tab = "mine" if member_can(member, "approvals.decide") else "submitted"
        return self.page(
            request,
            "buyers/approvals.html",
            member,
            tab=tab,
            tabs=selectors.APPROVAL_TABS,
            approvals=selectors.unit_approvals(member=member, tab=tab),
        )


def subject_path(approval, member) -> str:
    """The document's own page: the owning app's answer when it registered the kind, else the
    page the buyers app knows for it (or none)."""
    subject = SUBJECTS.get(approval.kind)
    if subject is not None:
        try:
            return subject.path(approval) or ""
        except (DomainError, ObjectDoesNotExist, NoReverseMatch):  # the document is gone
            return ""
    return selectors.document_path(kind=approval.kind, number=approval.subject_number, member=member)


def _snapshot_view(snapshot: dict) -> dict:
    """The snapshot as the page shows it: lines with money as Decimals (strings kept if odd)."""

    def money(value):
        try:
            return Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError):
            return value

    lines = []
    for line in snapshot.get("lines") or []:
        if isinstance(line, dict):
            lines.append(
                {
                    "title": line.get("title", ""),
                    "quantity": line.get("quantity", ""),
                    "unit": line.get("unit", ""),
                    "unit_price": money(line.get("unit_price")),
                    "tax_rate": line.get("tax_rate", ""),
                    "amount": money(line.get("amount")),
                }
            )
    return {
        "supplier": snapshot.get("supplier", ""),
        "lines": lines,
        "total": money(snapshot.get("total")),
        "note": snapshot.get("note", ""),
    }


class ApprovalDetailView(UnitPage):
    """The approval of a snapshot: what is approved, the steps and decisions, the events; the
    decision form for an 审批人 who may decide now; 撤回 for the submitter or a 管理员."""

    action = "approvals.view"

    def approval(self, member, number):
        approval = selectors.unit_approval(unit=member.unit, number=number)
        if approval is None:
            raise Http404(_("审批单不存在。"))
        return approval

    def render_page(self, request, member, approval, form=None, status=200):
        decisions = selectors.approval_decisions(approval=approval)
        may_decide = selectors.may_decide_now(member=member, approval=approval, decisions=decisions)
        if may_decide and form is None:
            form = ApprovalDecideForm(initial={"seen_hash": approval.snapshot_hash})
        steps = [
            {
                "number": n,
                "state": (
                    "done"
                    if n <= approval.steps_done
                    else ("current" if approval.is_pending and n == approval.current_step else "waiting")
                ),
            }
            for n in range(1, approval.steps_required + 1)
        ]
        return self.page(
            request,
            "buyers/approval_detail.html",
            member,
            status=status,
            approval=approval,
            snapshot=_snapshot_view(approval.snapshot or {}),
            decisions=decisions,
            steps=steps,
            events=selectors.approval_events(approval=approval),
            form=form if may_decide else None,
            may_withdraw=selectors.may_withdraw(member=member, approval=approval),
            subject_path=subject_path(approval, member),
        )

    def get(self, request, number):
        member = self.member(request)
        return self.render_page(request, member, self.approval(member, number))


class ApprovalDecideView(ApprovalDetailView):
    http_method_names = ["post"]

    def post(self, request, number):
        member = self.member(request)
        approval = self.approval(member, number)
        form = ApprovalDecideForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, member, approval, form, status=400)
        try:
            result = services.approval_decide(
                approval=approval,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                seen_hash=form.cleaned_data["seen_hash"] or None,
            )
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            if exc.fields:
                _form_errors(form, exc)
                return self.render_page(request, member, approval, form, status=exc.status)
            messages.error(request, exc.message)
            return redirect("buyers:approval", number=approval.number)
        if result.outcome in ("restarted", "cancelled"):
            messages.warning(request, result.message)
        else:
            messages.success(request, result.message)
        return redirect("buyers:approval", number=approval.number)


class ApprovalWithdrawView(ApprovalDetailView):
    http_method_names = ["post"]

    def post(self, request, number):
        member = self.member(request)
        approval = self.approval(member, number)
        form = ApprovalWithdrawForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.approval_withdraw(approval=approval, actor=request.user, reason=reason)
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已撤回审批，占用的预算已释放。"))
        return redirect("buyers:approval", number=approval.number)
