"""Oscar's checkout in Chinese for direct purchases at list price.

The mall takes payment after the order is placed, on the order's payment page (对公转账 with a
remittance slip, or a card through Stripe), because most buyers pay by bank transfer and
large amounts cannot be charged to a card at all. ``handle_payment`` therefore checks the
order can be paid and keeps the buyer's invoice request; the order is then finalised with one
全款 payment stage and the buyer lands on its payment page."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.checkout import views
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.payment.exceptions import UnableToTakePayment

from shop.buyers.access import membership
from shop.buyers.forms import initial_from_organisation
from shop.core.exceptions import DomainError
from shop.core.money import rmb
from shop.payments import selectors
from shop.payments.forms import InvoiceRequestForm
from shop.payments.models import MAX_AMOUNT, Settlement
from shop.payments.orders import ensure_china
from shop.payments.services import (
    DirectOrderPlan,
    direct_order_plan,
    direct_settlement,
    initial_order_status,
    one_seller_check,
    order_direct_finalise,
)

from .forms import BudgetLineForm


class ShippingAddressView(views.ShippingAddressView):
    def dispatch(self, request, *args, **kwargs):
        ensure_china()
        return super().dispatch(request, *args, **kwargs)


class PaymentDetailsView(views.PaymentDetailsView):
    _invoice_data = None
    _placed_order = None
    _plan = None

    def _invoice_form(self, request):
        if request.POST.get("invoice_wanted") != "1":
            return None
        return InvoiceRequestForm(request.POST)

    def _budget_form(self, request=None):
        member = membership(self.request.user)
        unit_id = member.unit_id if member else None
        return BudgetLineForm(request.POST if request is not None else None, unit_id=unit_id)

    def _basket_category_ids(self) -> set[int]:
        ids: set[int] = set()
        for line in self.request.basket.all_lines():
            product = line.product
            for p in (product, getattr(product, "parent", None)):
                if p is not None:
                    ids.update(p.categories.values_list("pk", flat=True))
        return ids

    def _plan_for(self, budget_form, total_incl_tax: Decimal) -> DirectOrderPlan:
        """The unit's rules for this order; raises DomainError (shown on the page)."""
        line = budget_form.chosen()
        return direct_order_plan(
            user=self.request.user,
            total=total_incl_tax,
            category_ids=self._basket_category_ids(),
            budget_line_id=line.pk if line else None,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx.get("invoice_form") is None:
            ctx["invoice_form"] = InvoiceRequestForm(initial=initial_from_organisation(self.request.user))
        if ctx.get("budget_form") is None:
            ctx["budget_form"] = self._budget_form()
        ctx.setdefault("invoice_wanted", True)
        ctx["card_limit"] = selectors.STRIPE_MAX_CHARGE
        settlement, reason = self._settlement()
        ctx["settlement"] = settlement
        ctx["settlement_label"] = Settlement(settlement).label
        ctx["settlement_reason"] = reason
        ctx["after_acceptance"] = settlement == Settlement.AFTER_ACCEPTANCE
        ctx["payment_term_days"] = settings.PAYMENT_TERM_DAYS
        return ctx

    def _forms_or_page(self, request):
        """The invoice and budget forms, or the payment page again with their errors."""
        form = self._invoice_form(request)
        budget_form = self._budget_form(request)
        invoice_ok = form is None or form.is_valid()
        if not (budget_form.is_valid() and invoice_ok):
            return (
                None,
                None,
                self.render_payment_details(
                    request, invoice_form=form, invoice_wanted=form is not None, budget_form=budget_form
                ),
            )
        return form, budget_form, None

    def handle_payment_details_submission(self, request):
        form, budget_form, page = self._forms_or_page(request)
        if page is not None:
            return page
        try:
            plan = self._plan_for(budget_form, self.build_submission()["order_total"].incl_tax)
        except DomainError as exc:
            return self.render_payment_details(
                request,
                invoice_form=form,
                invoice_wanted=form is not None,
                budget_form=budget_form,
                error=exc.message,
            )
        return self.render_preview(
            request,
            invoice_form=form,
            invoice_wanted=form is not None,
            budget_form=budget_form,
            budget_line=budget_form.chosen(),
            needs_approval=plan.rule is not None,
        )

    def handle_place_order_submission(self, request):
        form, budget_form, page = self._forms_or_page(request)
        if page is not None:
            return page
        submission = self.build_submission()
        submission["payment_kwargs"]["invoice_form"] = form
        submission["payment_kwargs"]["budget_form"] = budget_form
        return self.submit(**submission)

    def handle_payment(self, order_number, total, **kwargs):
        """Nothing is charged here: payment follows on the order's payment page. Refuse what
        could never be paid there, check the buyer's unit rules (role, budget line, approval),
        and keep the invoice request for the order."""
        if total.currency != settings.OSCAR_DEFAULT_CURRENCY:
            raise UnableToTakePayment(_("仅支持人民币（CNY）结算。"))
        if total.incl_tax <= Decimal("0.00"):
            raise UnableToTakePayment(_("订单金额必须大于零。"))
        if total.incl_tax > MAX_AMOUNT:
            # the one 全款 stage could not hold it (a CHECK constraint would refuse it with a 500)
            raise UnableToTakePayment(
                _("订单金额超过单笔付款上限 %(max)s，请减少数量分批下单，或通过询价采购分阶段付款。")
                % {"max": rmb(MAX_AMOUNT)}
            )
        budget_form = kwargs.get("budget_form") or self._budget_form()
        try:
            one_seller_check(partners=self._basket_partners())
            self._plan = self._plan_for(budget_form, total.incl_tax)
        except DomainError as exc:
            raise UnableToTakePayment(exc.message) from exc
        form = kwargs.get("invoice_form")
        self._invoice_data = dict(form.cleaned_data) if form is not None else None

    def _basket_partners(self, basket=None) -> set:
        basket = basket or self.request.basket
        return {line.stockrecord.partner if line.stockrecord else None for line in basket.all_lines()}

    def _settlement(self, basket=None) -> tuple[str, str]:
        """Paid before delivery or after 履约验收 for this basket, and why (plain Chinese)."""
        member = membership(self.request.user)
        partners = self._basket_partners(basket)
        return direct_settlement(unit_id=member.unit_id if member else None, partners=partners)

    def get_initial_order_status(self, basket):
        """待审批 for a unit's order that reaches one of its approval rules; else 待付款, or 履约中
        when the order is paid after acceptance."""
        if self._plan is not None and self._plan.status:
            return self._plan.status
        return initial_order_status(settlement=self._settlement(basket)[0])

    def handle_order_placement(self, *args, **kwargs):
        """Place the order in a savepoint: when the unit's budget line cannot carry it any more
        (another order took the last of it a moment ago), nothing of the order is kept and the
        buyer is told why in Chinese."""
        try:
            with transaction.atomic():
                return super().handle_order_placement(*args, **kwargs)
        except DomainError as exc:
            raise UnableToPlaceOrder(exc.message) from exc

    def handle_successful_order(self, order):
        order_direct_finalise(order=order, invoice=self._invoice_data, plan=self._plan)
        self._placed_order = order
        return super().handle_successful_order(order)

    def get_success_url(self):
        if self._placed_order is not None:
            return reverse("payments:order-detail", kwargs={"number": self._placed_order.number})
        return super().get_success_url()
