"""Operators answer call-backs (full number); a vendor sees those about its services with the
number masked and cannot answer them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from shop.core.access import OperatorRequiredMixin, VendorOrOperatorMixin, is_operator
from shop.core.exceptions import DomainError

from . import selectors, services
from .models import Status


class CallbackListView(VendorOrOperatorMixin, View):
    def get(self, request):
        status = request.GET.get("status", Status.WAITING)
        qs = selectors.callbacks_for_handler(user=request.user).select_related("product", "partner", "unit")
        if status in Status.values:
            qs = qs.filter(status=status)
        rows = [
            (c, selectors.phone_for(user=request.user, callback=c))
            for c in qs.order_by("created_at", "pk")[:200]
        ]
        return render(
            request,
            "callbacks/dashboard/list.html",
            {
                "rows": rows,
                "status": status,
                "statuses": Status.choices,
                "is_operator": is_operator(request.user),
            },
        )


class AnswerView(OperatorRequiredMixin, View):
    def post(self, request, number):
        callback = selectors.callbacks_for_handler(user=request.user).filter(number=number).first()
        if callback is None:
            raise Http404
        try:
            services.callback_answer(callback=callback, actor=request.user, note=request.POST.get("note", ""))
        except DomainError as exc:
            messages.error(request, f"{callback.number}：{exc.message}")
        else:
            messages.success(request, _("预约 %(number)s 已标记为已回电。") % {"number": callback.number})
        return redirect(f"{reverse('dashboard:callback-list')}?status={Status.WAITING}")
