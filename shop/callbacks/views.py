"""预约咨询 pages: the booking form (from any service page) and the booker's own list, where
the number is shown masked."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.storefront.selectors import visible_products

from . import selectors, services
from .forms import BookingForm


def _product(request):
    raw = request.GET.get("product") or request.POST.get("product") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    product = visible_products().filter(pk=int(raw)).select_related("product_class", "parent").first()
    if product is None:
        raise Http404
    return product


class BookView(LoginRequiredMixin, View):
    def _page(self, request, form, product, status=200):
        return render(request, "callbacks/book.html", {"form": form, "product": product}, status=status)

    def get(self, request):
        product = _product(request)
        initial = {"name": request.user.get_full_name(), "topic": product.get_title() if product else ""}
        return self._page(request, BookingForm(initial=initial), product)

    def post(self, request):
        product = _product(request)
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                callback = services.callback_book(
                    user=request.user,
                    product=product,
                    data=services.BookingInput(
                        name=data["name"],
                        phone=data["phone"],
                        window=data["window"],
                        topic=data["topic"],
                        preferred_date=data["preferred_date"],
                        message=data["message"],
                    ),
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                for name, msgs in exc.fields.items():
                    form.add_error(name if name in form.fields else None, msgs[0] if msgs else exc.message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已预约回电（%(number)s），我们将在您选择的时段致电 %(phone)s。")
                    % {"number": callback.number, "phone": callback.masked_phone},
                )
                return redirect("callbacks:list")
        return self._page(request, form, product, status=400)


class MyCallbacksView(LoginRequiredMixin, View):
    def get(self, request):
        rows = list(
            selectors.callbacks_for_booker(user=request.user)
            .select_related("user", "product")
            .order_by("-created_at", "-pk")[:100]
        )
        return render(request, "callbacks/list.html", {"callbacks": rows})


class CancelView(LoginRequiredMixin, View):
    def post(self, request, number):
        callback = selectors.callbacks_for_booker(user=request.user).filter(number=number).first()
        if callback is None:
            raise Http404
        try:
            services.callback_cancel(callback=callback, actor=request.user)
        except (PermissionDenied, NotFound):
            raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("预约 %(number)s 已取消。") % {"number": callback.number})
        return redirect("callbacks:list")
