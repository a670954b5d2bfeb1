"""Buyer pages of the 政企咨询服务包: book an engagement from the product page, my engagements,
one engagement with its steps (accept a new date, order, accept the report, cancel) and its
private files. Thin: reads from ``selectors``, writes through ``services``; a refusal is shown
in Chinese and stores nothing."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shop.buyers.access import member_can, membership, refusal
from shop.core.exceptions import DomainError, NotFound, PermissionDenied
from shop.core.money import rmb
from shop.financing.views import document_response, form_errors_from
from shop.storefront.selectors import visible_products

from . import selectors, services
from .forms import AcceptanceForm, BookingForm, CancelForm
from .models import Package, Status
from .pricing import MAX_UNITS, UNIT_WORDS


def labelled_events(engagement) -> list:
    labels = dict(Status.choices)
    events = list(engagement.events.select_related("actor").order_by("created_at", "pk"))
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, event.to_status)
    return events


STEPS = (Status.REQUESTED, Status.CONFIRMED, Status.ORDERED, Status.REPORTED, Status.ACCEPTED)


def steps(engagement) -> list[dict]:
    """The engagement's progress for the step bar: each step done, current or to come."""
    current = Status.CONFIRMED if engagement.status == Status.RESCHEDULED else engagement.status
    index = STEPS.index(current) if current in STEPS else -1
    return [
        {
            "label": Status(step).label,
            "state": "done" if i < index else ("current" if i == index else "todo"),
        }
        for i, step in enumerate(STEPS)
    ]


def file_context(engagement) -> dict:
    """What both sides' detail pages show besides the engagement: files, report deliveries, the
    order's contract and why the report cannot be handed in yet (unsigned, unpaid)."""
    contract, blocker = None, None
    if engagement.order_id is not None:
        from shop.contracts.selectors import contract_of_order
        from shop.fulfilment.selectors import delivery_blocker

        contract = contract_of_order(engagement.order)
        if engagement.status == Status.ORDERED:
            blocker = delivery_blocker(engagement.order)
    return {
        "contract": contract,
        "blocker": blocker,
        "files": list(engagement.files.all()),
        "deliveries": selectors.report_deliveries(engagement),
        "rejection": selectors.last_rejection(engagement),
        "events": labelled_events(engagement),
        "steps": steps(engagement),
    }


def _product(pk):
    product = visible_products().filter(pk=pk).select_related("product_class", "parent").first()
    if product is None or not selectors.is_consulting_product(product):
        raise Http404
    return selectors.base_product(product)


def _may_book(user) -> None:
    member = membership(user)
    if member is not None and not member_can(member, "purchases.act"):
        raise PermissionDenied(refusal("purchases.act"))


def _price_table(form) -> list[dict]:
    rows = []
    for variant in form.variants:
        record = selectors.stockrecords(variant=variant).first()
        package = selectors.package_of(variant)
        rows.append(
            {
                "variant": variant,
                "package": package,
                "price": record.price if record else None,
                "max": MAX_UNITS[Package(package)],
                "unit": UNIT_WORDS[Package(package)],
            }
        )
    return rows


class BookView(LoginRequiredMixin, View):
    def _page(self, request, product, form, status=200):
        return render(
            request,
            "consulting/book.html",
            {"product": product, "form": form, "prices": _price_table(form)},
            status=status,
        )

    def get(self, request, pk):
        product = _product(pk)
        _may_book(request.user)
        initial = {}
        chosen = request.GET.get("variant", "")
        form = BookingForm(product=product, user=request.user)
        if chosen.isdigit() and any(v.pk == int(chosen) for v in form.variants):
            initial["variant"] = int(chosen)
        elif form.variants:
            initial["variant"] = form.variants[0].pk
        consultants = selectors.consultants(product=product)
        if consultants:
            initial["partner"] = consultants[0].pk
        form = BookingForm(product=product, user=request.user, initial={**initial, "quantity": 1})
        return self._page(request, product, form)

    def post(self, request, pk):
        product = _product(pk)
        _may_book(request.user)
        form = BookingForm(request.POST, request.FILES, product=product, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                engagement = services.engagement_request(
                    actor=request.user,
                    product=product,
                    data=services.EngagementInput(
                        variant_id=data["variant"],
                        quantity=data["quantity"],
                        start_date=data["start_date"],
                        topics=data["topics"],
                        need=data["need"],
                        partner_id=data.get("partner") or None,
                        budget_line_id=data.get("budget_line"),
                    ),
                    files=data.get("files") or [],
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("咨询服务预约 %(number)s 已提交，参考价 %(total)s 起，等待咨询顾问确认。")
                    % {"number": engagement.number, "total": rmb(engagement.indicative_total)},
                )
                return redirect("consulting:detail", number=engagement.number)
        return self._page(request, product, form, status=400)


class MyEngagementsView(LoginRequiredMixin, View):
    def get(self, request):
        member = membership(request.user)
        if member is not None and not member_can(member, "purchases.view"):
            raise PermissionDenied(refusal("purchases.view"))
        rows = list(
            selectors.engagements_for_buyer(user=request.user)
            .select_related("partner", "product")
            .order_by("-created_at", "-pk")[:100]
        )
        return render(request, "consulting/list.html", {"engagements": rows})


def _engagement_or_404(request, number):
    engagement = (
        selectors.engagements_for_buyer(user=request.user)
        .select_related("product", "partner", "unit", "order", "buyer")
        .filter(number=number)
        .first()
    )
    if engagement is None:
        raise Http404
    return engagement


def _detail(request, engagement, *, status=200, cancel_form=None, acceptance_form=None):
    member = membership(request.user)
    return render(
        request,
        "consulting/detail.html",
        {
            "engagement": engagement,
            "cancel_form": cancel_form or CancelForm(),
            "acceptance_form": acceptance_form or AcceptanceForm(),
            "may_act": member is None or member_can(member, "purchases.act"),
            "may_accept": member is None or member_can(member, "acceptance.record"),
            **file_context(engagement),
        },
        status=status,
    )


class EngagementDetailView(LoginRequiredMixin, View):
    def get(self, request, number):
        return _detail(request, _engagement_or_404(request, number))


class _BuyerAction(LoginRequiredMixin, View):
    """One POST step of the buyer; the refusal is shown on the page, nothing stored."""

    done = ""

    def act(self, request, engagement):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, number):
        engagement = _engagement_or_404(request, number)
        try:
            message = self.act(request, engagement)
        except (PermissionDenied, NotFound):
            raise
        except _FormInvalid as exc:
            return _detail(request, engagement, status=400, **exc.forms)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _detail(request, engagement, status=exc.status if exc.status in (400, 409) else 400)
        messages.success(request, message)
        return redirect("consulting:detail", number=engagement.number)


class _FormInvalid(Exception):
    def __init__(self, **forms):
        self.forms = forms


class AcceptProposalView(_BuyerAction):
    def act(self, request, engagement):
        services.engagement_accept_proposal(engagement=engagement, actor=request.user)
        return _("已同意新的开始日期，请确认下单。")


class OrderView(_BuyerAction):
    def act(self, request, engagement):
        order = services.engagement_order(engagement=engagement, actor=request.user)
        return _("已下单，订单号 %(number)s。合同草稿生成后请在线确认签订。") % {"number": order.number}


class CancelView(_BuyerAction):
    def act(self, request, engagement):
        form = CancelForm(request.POST)
        if not form.is_valid():
            raise _FormInvalid(cancel_form=form)
        try:
            services.engagement_cancel(
                engagement=engagement, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            if exc.fields:
                form_errors_from(form, exc)
                raise _FormInvalid(cancel_form=form)
            raise
        return _("预约已取消。")


class AcceptReportView(_BuyerAction):
    def act(self, request, engagement):
        form = AcceptanceForm(request.POST)
        if not form.is_valid():
            raise _FormInvalid(acceptance_form=form)
        passed = form.cleaned_data["result"] == "passed"
        try:
            services.engagement_accept_report(
                engagement=engagement,
                actor=request.user,
                passed=passed,
                comments=form.cleaned_data["comments"],
            )
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            if exc.fields:
                form_errors_from(form, exc)
                raise _FormInvalid(acceptance_form=form)
            raise
        return _("咨询报告已验收合格。") if passed else _("已退回咨询报告，等待顾问重新提交。")


def file_download(engagement, pk):
    doc = engagement.files.filter(pk=pk).first()
    if doc is None:
        raise Http404
    return document_response(doc)


def report_download(engagement, pk):
    from shop.fulfilment.files import attachment_response

    attachment = next((a for a in selectors.report_attachments(engagement) if a.pk == pk), None)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


class FileView(LoginRequiredMixin, View):
    def get(self, request, number, pk):
        return file_download(_engagement_or_404(request, number), pk)


class ReportFileView(LoginRequiredMixin, View):
    def get(self, request, number, pk):
        return report_download(_engagement_or_404(request, number), pk)
