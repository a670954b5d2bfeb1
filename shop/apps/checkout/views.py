"""Oscar's checkout in Chinese for direct purchases at list price.

The mall takes payment after the order is placed, on the order's payment page (对公转账 with a
remittance slip, or a card through Stripe), because most buyers pay by bank transfer and
large amounts cannot be charged to a card at all. ``handle_payment`` therefore checks the
order can be paid and keeps the buyer's invoice request; the order is then finalised with one
全款 payment stage and the buyer lands on its payment page."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.checkout import views
from oscar.apps.payment.exceptions import UnableToTakePayment

from shop.buyers.forms import initial_from_organisation
from shop.core.money import rmb
from shop.payments import selectors
from shop.payments.forms import InvoiceRequestForm
from shop.payments.models import MAX_AMOUNT
from shop.payments.orders import ensure_china
from shop.payments.services import order_direct_finalise


class ShippingAddressView(views.ShippingAddressView):
    def dispatch(self, request, *args, **kwargs):
        ensure_china()
        return super().dispatch(request, *args, **kwargs)


class PaymentDetailsView(views.PaymentDetailsView):
    _invoice_data = None
    _placed_order = None

    def _invoice_form(self, request):
        if request.POST.get("invoice_wanted") != "1":
            return None
        return InvoiceRequestForm(request.POST)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx.get("invoice_form") is None:
            ctx["invoice_form"] = InvoiceRequestForm(initial=initial_from_organisation(self.request.user))
        ctx.setdefault("invoice_wanted", True)
        ctx["card_limit"] = selectors.STRIPE_MAX_CHARGE
        ctx["payee"] = selectors.payee_account()
        return ctx

    def handle_payment_details_submission(self, request):
        form = self._invoice_form(request)
        if form is not None and not form.is_valid():
            return self.render_payment_details(request, invoice_form=form, invoice_wanted=True)
        return self.render_preview(request, invoice_form=form, invoice_wanted=form is not None)

    def handle_place_order_submission(self, request):
        form = self._invoice_form(request)
        if form is not None and not form.is_valid():
            return self.render_payment_details(request, invoice_form=form, invoice_wanted=True)
        submission = self.build_submission()
        submission["payment_kwargs"]["invoice_form"] = form
        return self.submit(**submission)

    def handle_payment(self, order_number, total, **kwargs):
        """Nothing is charged here: payment follows on the order's payment page. Refuse what
        could never be paid there, and keep the invoice request for the order."""
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
        form = kwargs.get("invoice_form")
        self._invoice_data = dict(form.cleaned_data) if form is not None else None

    def handle_successful_order(self, order):
        order_direct_finalise(order=order, invoice=self._invoice_data)
        self._placed_order = order
        return super().handle_successful_order(order)

    def get_success_url(self):
        if self._placed_order is not None:
            return reverse("payments:order-detail", kwargs={"number": self._placed_order.number})
        return super().get_success_url()
