"""The contract pages of both parties: the buyer's (/contracts/, within the unit) and the
vendor's (the dashboard, ``dashboard_views``) share the actions below. Outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from shop.buyers.access import member_can, membership
from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.core.ratelimit import client_address

from . import selectors, services
from .forms import SupplementForm, TermsForm, initial_terms
from .models import ContractStatus, Side, VersionStatus


class ContractPages:
    """What differs between the buyer's pages and the vendor's: the rows, the templates, urls."""

    side = Side.BUYER
    template = "contracts/detail.html"
    detail_url = "contracts:detail"

    def contracts(self, request):
        return selectors.contracts_for_buyer(user=request.user)

    def contract_or_404(self, request, number):
        contract = (
            self.contracts(request).select_related("order", "partner", "unit").filter(number=number).first()
        )
        if contract is None:
            raise Http404
        return contract

    def may_act(self, request, contract) -> bool:
        try:
            return services.party_side(contract=contract, user=request.user) == self.side
        except DomainError:
            return False

    def context(self, request, contract, **extra) -> dict:
        versions = list(contract.versions.prefetch_related("confirmations__user").order_by("sequence"))
        for v in versions:
            v.by_side = {c.side: c for c in v.confirmations.all()}
            v.mine = v.by_side.get(self.side)
        open_version = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
        may_act = self.may_act(request, contract)
        original = versions[0] if versions else None
        ctx = {
            "contract": contract,
            "versions": versions,
            "open_version": open_version,
            "side": self.side,
            "may_act": may_act,
            "may_edit_terms": bool(
                may_act
                and self.side == Side.BUYER
                and contract.status == ContractStatus.DRAFT
                and original is not None
                and not original.by_side
            ),
            "may_supplement": may_act and contract.status == ContractStatus.SIGNED and open_version is None,
            "rendering": any(v.status != VersionStatus.WITHDRAWN and not v.pdf_ready for v in versions)
            or any(v.status == VersionStatus.SIGNED and not v.signed_pdf_sha256 for v in versions),
            "terms_form": TermsForm(initial=initial_terms(contract)),
            "supplement_form": SupplementForm(initial=initial_terms(contract)),
            "events": list(contract.events.select_related("actor").order_by("created_at", "pk")),
            "detail_url": self.detail_url,
            "pdf_url": self.detail_url.replace("detail", "pdf"),
        }
        ctx.update(extra)
        return ctx

    def show(self, request, contract, status=200, **extra):
        return render(request, self.template, self.context(request, contract, **extra), status=status)

    def version_of(self, contract, sequence):
        try:
            return contract.versions.get(sequence=int(sequence))
        except (TypeError, ValueError, contract.versions.model.DoesNotExist):
            raise NotFound("没有找到该版本。") from None


class BuyerMixin(LoginRequiredMixin, ContractPages):
    pass


class ContractListView(BuyerMixin, View):
    def get(self, request):
        member = membership(request.user)
        rows = list(
            self.contracts(request).select_related("order", "partner").prefetch_related("versions")[:200]
        )
        return render(
            request,
            "contracts/list.html",
            {
                "rows": rows,
                "member": member,
                "refused": member is not None and not member_can(member, "orders.view"),
            },
        )


class ContractDetailView(BuyerMixin, View):
    def get(self, request, number):
        return self.show(request, self.contract_or_404(request, number))


class ContractPdfView(BuyerMixin, View):
    """The PDF of one version (``?signed=1``: with the 签署页), as stored: the bytes hashed."""

    def get(self, request, number, sequence):
        contract = self.contract_or_404(request, number)
        version = contract.versions.filter(sequence=sequence).first()
        if version is None:
            raise Http404
        signed = request.GET.get("signed") == "1"
        data = version.signed_pdf if signed else (version.pdf if version.pdf_ready else None)
        if not data:
            raise Http404
        name = f"{contract.number}-v{version.sequence}{'-signed' if signed else ''}.pdf"
        response = HttpResponse(bytes(data), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}"'
        response["X-Content-SHA256"] = version.signed_pdf_sha256 if signed else version.pdf_sha256
        return response


class ContractTermsView(BuyerMixin, View):
    def post(self, request, number):
        contract = self.contract_or_404(request, number)
        form = TermsForm(request.POST)
        if not form.is_valid():
            messages.error(request, "合同条款未保存：请按提示修改。")
            return self.show(request, contract, status=400, terms_form=form)
        try:
            services.contract_terms_update(contract=contract, user=request.user, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.show(request, contract, status=exc.status, terms_form=form)
        messages.success(request, "合同条款已保存，合同文本将重新生成；请查看新文本后再确认签订。")
        return redirect(self.detail_url, number=contract.number)


class ContractConfirmView(BuyerMixin, View):
    def post(self, request, number):
        contract = self.contract_or_404(request, number)
        try:
            version = self.version_of(contract, request.POST.get("version"))
            services.contract_confirm(
                version=version,
                user=request.user,
                pdf_sha256=request.POST.get("sha256", ""),
                client_address=client_address(request) or None,
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.show(request, contract, status=exc.status)
        version.refresh_from_db()
        if version.status == VersionStatus.SIGNED:
            messages.success(request, f"{version.title}已经双方确认签订。")
        else:
            messages.success(request, "已确认签订，等待对方确认。")
        return redirect(self.detail_url, number=contract.number)


class SupplementView(BuyerMixin, View):
    def post(self, request, number):
        contract = self.contract_or_404(request, number)
        form = SupplementForm(request.POST)
        if not form.is_valid():
            messages.error(request, "补充协议未提交：请按提示修改。")
            return self.show(request, contract, status=400, supplement_form=form, show_supplement=True)
        try:
            services.supplement_propose(contract=contract, user=request.user, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.show(request, contract, status=exc.status, supplement_form=form, show_supplement=True)
        messages.success(request, "补充协议已生成，双方确认签订后生效。")
        return redirect(self.detail_url, number=contract.number)


class WithdrawView(BuyerMixin, View):
    def post(self, request, number):
        contract = self.contract_or_404(request, number)
        try:
            version = self.version_of(contract, request.POST.get("version"))
            services.supplement_withdraw(version=version, user=request.user)
        except NotFound:
            raise Http404 from None
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, exc.message)
            return self.show(request, contract, status=exc.status)
        messages.success(request, "补充协议已撤回，原合同继续有效。")
        return redirect(self.detail_url, number=contract.number)
