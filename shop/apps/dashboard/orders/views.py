"""Oscar's order dashboard for a multi-vendor mall.

Oscar shows a vendor every line of an order that has one of its lines, the whole order's
totals, and lets it change the order's status, payments and shipping address. Here a vendor
sees and acts on its own lines only; order-wide actions stay with operators."""

from decimal import Decimal as D

from django.contrib import messages
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.orders import views as oscar_views
from oscar.apps.dashboard.orders.views import *  # noqa: F401,F403
from oscar.core.loading import get_class, get_model

from shop.core.access import is_operator, user_partner_ids
from shop.core.exceptions import DomainError
from shop.payments.selectors import ORDER_AWAITING_APPROVAL, ORDER_IN_FULFILMENT, PAYMENT_ORDER_STATUSES
from shop.payments.services import ORDER_CANCELLED, order_status_change

Order = get_model("order", "Order")
Line = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
Transaction = get_model("payment", "Transaction")
OrderNoteForm = get_class("dashboard.orders.forms", "OrderNoteForm")

# Statuses no hand sets: 部分付款 / 已付款 follow recorded payments, 待审批 is where a unit's
# order starts (the unit's approval moves it on), 履约中 is where an order paid after acceptance
# waits for its 履约验收 (which opens the payable; only cancelling leaves it by hand).
NOT_BY_HAND = (*PAYMENT_ORDER_STATUSES, ORDER_AWAITING_APPROVAL, ORDER_IN_FULFILMENT)

# Payments are recorded per stage in 收款与发票 (/dashboard/payments/), where they are checked
# and audited; Oscar's free-form payment events (any amount, no stage) are not offered.
OPERATOR_ORDER_ACTIONS = ("save_note", "delete_note", "change_order_status")
OPERATOR_LINE_ACTIONS = ("change_line_statuses", "create_shipping_event")
VENDOR_ORDER_ACTIONS = ("save_note", "delete_note")
VENDOR_LINE_ACTIONS = ("change_line_statuses", "create_shipping_event")
VENDOR_LIST_ACTIONS = ("download_selected_orders",)


def queryset_orders_for_user(user):
    """Operators: every order. Vendors: orders with at least one line of their partners, each
    annotated with ``vendor_total``/``vendor_items`` computed from those lines only, except
    orders still waiting for the buying unit's approval (待审批): they have not gone out."""
    queryset = oscar_views.queryset_orders_for_user(user)
    if is_operator(user):
        return queryset
    ids = user_partner_ids(user)
    own_lines = Line.objects.filter(order=OuterRef("pk"), partner_id__in=ids).values("order")
    total = own_lines.annotate(t=Sum("line_price_incl_tax")).values("t")
    items = own_lines.annotate(n=Sum("quantity")).values("n")
    return (
        Order._default_manager.filter(pk__in=queryset.values("pk"))
        .exclude(status=ORDER_AWAITING_APPROVAL)
        .select_related("billing_address", "shipping_address", "user")
        .annotate(
            vendor_total=Coalesce(Subquery(total, output_field=DecimalField()), D("0.00")),
            vendor_items=Coalesce(Subquery(items, output_field=IntegerField()), 0),
        )
    )


def change_status_through_service(request, order, new_status: str) -> bool:
    """One order's manual status change: the service decides, the user reads why in Chinese."""
    old_status = order.status
    try:
        changed = order_status_change(order=order, to=new_status, actor=request.user)
    except DomainError as exc:
        messages.error(request, _("订单 %(n)s：%(m)s") % {"n": order.number, "m": exc.message})
        return False
    msg = _("订单 %(n)s 状态已由“%(old)s”变更为“%(new)s”。") % {
        "n": order.number,
        "old": old_status,
        "new": changed.status,
    }
    messages.info(request, msg)
    order.notes.create(user=request.user, message=msg, note_type=OrderNote.SYSTEM)
    order.status = changed.status
    return True


def get_order_for_user_or_404(user, number):
    try:
        return queryset_orders_for_user(user).get(number=number)
    except Order.DoesNotExist:
        raise Http404()


def lines_for_user(user, order):
    lines = order.lines.all()
    if is_operator(user):
        return lines
    return lines.filter(partner_id__in=user_partner_ids(user))


class OrderStatsView(oscar_views.OrderStatsView):
    def get_stats(self, filters):
        user = self.request.user
        if is_operator(user):
            return super().get_stats(filters)
        orders = queryset_orders_for_user(user).filter(**filters)
        lines = Line.objects.filter(order__in=orders.values("pk"), partner_id__in=user_partner_ids(user))
        return {
            "total_orders": orders.count(),
            "total_lines": lines.count(),
            "total_revenue": lines.aggregate(s=Sum("line_price_incl_tax"))["s"] or D("0.00"),
            "order_status_breakdown": orders.order_by("status").values("status").annotate(freq=Count("id")),
        }


class OrderListView(oscar_views.OrderListView):
    def dispatch(self, request, *args, **kwargs):
        if not is_operator(request.user):
            self.actions = VENDOR_LIST_ACTIONS
        response = super().dispatch(request, *args, **kwargs)
        return response

    def get(self, request, *args, **kwargs):
        self.base_queryset = queryset_orders_for_user(request.user).order_by("-date_placed")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.base_queryset = queryset_orders_for_user(request.user).order_by("-date_placed")
        return super().post(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if is_operator(user) or not self.form.is_valid():
            return queryset
        # Line filters match the vendor's own lines only (not another vendor's on the same order).
        data = self.form.cleaned_data
        own = Q(partner_id__in=user_partner_ids(user))
        if data.get("product_title"):
            own &= Q(title__istartswith=data["product_title"])
        if data.get("upc"):
            own &= Q(upc=data["upc"])
        if data.get("partner_sku"):
            own &= Q(partner_sku=data["partner_sku"])
        if data.get("product_title") or data.get("upc") or data.get("partner_sku"):
            queryset = queryset.filter(pk__in=Line.objects.filter(own).values("order_id"))
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_operator"] = is_operator(self.request.user)
        if not ctx["is_operator"]:
            ctx["order_statuses"] = []
        else:
            # the batch change offers what a hand may set; 部分付款/已付款 follow payments only
            ctx["order_statuses"] = [s for s in ctx["order_statuses"] if s not in NOT_BY_HAND]
        return ctx

    def get_row_values(self, order):
        row = super().get_row_values(order)
        if not is_operator(self.request.user):
            row["value"] = order.vendor_total
            row["num_items"] = order.vendor_items
        return row

    def change_order_statuses(self, request, orders):
        if not is_operator(request.user):
            raise Http404()
        return super().change_order_statuses(request, orders)

    def change_order_status(self, request, order):
        """Each order of the batch through the payments service (guard + audit), not Oscar's
        EventHandler, which would set any pipeline status without a payment."""
        change_status_through_service(request, order, request.POST.get("new_status", ""))


class OrderDetailView(oscar_views.OrderDetailView):
    order_actions = OPERATOR_ORDER_ACTIONS
    line_actions = OPERATOR_LINE_ACTIONS

    def dispatch(self, request, *args, **kwargs):
        if not is_operator(request.user):
            self.order_actions = VENDOR_ORDER_ACTIONS
            self.line_actions = VENDOR_LINE_ACTIONS
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return get_order_for_user_or_404(self.request.user, self.kwargs["number"])

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except (KeyError, TypeError, ValueError):
            # Oscar reads some fields with request.POST[...] / int(None): incomplete input
            # gets a message instead of a 500.
            self.object = self.get_object()
            return self.reload_page(error=_("提交的数据不完整，请重试。"))

    def get_order_lines(self):
        return lines_for_user(self.request.user, self.object)

    def get_order_status_form(self):
        form = super().get_order_status_form()
        # 部分付款 / 已付款 follow recorded payments only; they are not offered by hand
        field = form.fields["new_status"]
        field.choices = [c for c in field.choices if c[0] not in NOT_BY_HAND]
        if self.object.status == ORDER_IN_FULFILMENT:
            # only cancelling; 履约验收 moves it on to 待付款
            field.choices = [c for c in field.choices if c[0] == ORDER_CANCELLED]
        return form

    def change_order_status(self, request, order):
        """Through the payments service (guard + audit), not Oscar's EventHandler."""
        change_status_through_service(request, order, request.POST.get("new_status", ""))
        return self.reload_page()

    def change_line_statuses(self, request, order, lines, quantities):
        new_status = (request.POST.get("new_status") or "").strip()
        if new_status in PAYMENT_ORDER_STATUSES:
            messages.error(
                request, _("“%(s)s”由收款记录自动设置，不能手工修改商品行状态。") % {"s": new_status}
            )
            return self.reload_page()
        return super().change_line_statuses(request, order, lines, quantities)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        operator = is_operator(self.request.user)
        ctx["is_operator"] = operator
        ctx["line_statuses"] = [s for s in ctx["line_statuses"] if s not in NOT_BY_HAND]
        if not operator:
            lines = ctx["lines"]
            ctx["vendor_total_excl_tax"] = sum((line.line_price_excl_tax for line in lines), D("0.00"))
            ctx["vendor_total_incl_tax"] = sum((line.line_price_incl_tax for line in lines), D("0.00"))
            ctx["notes"] = self.object.notes.filter(user=self.request.user)
            ctx["vendor_shipping_events"] = (
                self.object.shipping_events.filter(lines__partner_id__in=user_partner_ids(self.request.user))
                .select_related("event_type")
                .distinct()
            )
        else:
            ctx["notes"] = self.object.notes.all()
        return ctx

    def get_payment_transactions(self):
        if not is_operator(self.request.user):
            return Transaction.objects.none()
        return super().get_payment_transactions()

    def get_order_note_form(self):
        if is_operator(self.request.user) or not self.kwargs.get("note_id"):
            return super().get_order_note_form()
        note = get_object_or_404(
            OrderNote, order=self.object, id=self.kwargs["note_id"], user=self.request.user
        )
        data = self.request.POST if self.request.method == "POST" else None
        instance = note if note.is_editable() else None
        return OrderNoteForm(order=self.object, user=self.request.user, data=data, instance=instance)

    def delete_note(self, request, order):
        if not is_operator(request.user):
            if not order.notes.filter(id=request.POST.get("note_id") or 0, user=request.user).exists():
                messages.error(request, _("无法删除该备注。"))
                return self.reload_page()
        return super().delete_note(request, order)


class LineDetailView(oscar_views.LineDetailView):
    def get_object(self, queryset=None):
        order = get_order_for_user_or_404(self.request.user, self.kwargs["number"])
        try:
            return lines_for_user(self.request.user, order).get(pk=self.kwargs["line_id"])
        except Line.DoesNotExist:
            raise Http404()


class ShippingAddressUpdateView(oscar_views.ShippingAddressUpdateView):
    """Operators only (see apps.py): a vendor never changes another vendor's delivery."""

    def get_object(self, queryset=None):
        order = get_order_for_user_or_404(self.request.user, self.kwargs["number"])
        return get_object_or_404(self.model, order=order)
