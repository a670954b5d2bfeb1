"""Upper bounds of every number in quotes (shop.core.limits), enforced by the form, the API
serializer, the service and the database, each with a clear Chinese message."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.core.exceptions import DomainError
from shop.quotes import services
from shop.quotes.forms import VendorAnswerForm
from shop.quotes.models import QuoteRequest, QuoteRequestLine, VendorQuote, VendorQuoteLine
from shop.quotes.services import PriceInput
from tests.factories.accounts import UserFactory
from tests.factories.quotes import (
    form_data,
    make_vendor,
    process,
    request_data,
    stocked_product,
    submit_request,
)

pytestmark = pytest.mark.django_db


def _quote(price="100.00", quantity=2):
    vendor, user = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, price)], title="会议平板")
    qr = process(submit_request(lines=[(product, quantity)]))
    return qr, qr.vendor_quotes.get(), user, product


def test_submit_form_refuses_a_budget_above_the_bound_with_a_chinese_message(client):
    # given a buyer with a product in the quote list
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "100.00")])
    client.force_login(UserFactory())
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
    # when the budget is ¥50,000,000,000
    response = client.post(reverse("quotes:submit"), form_data(budget="50000000000"))
    # then the form says so and nothing is saved
    assert response.status_code == 200
    assert response.context["form"].errors["budget"] == ["预算不能超过 9999999999.99 元。"]
    assert QuoteRequest.objects.count() == 0


def test_api_and_service_refuse_a_budget_above_the_bound():
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "100.00")])
    buyer = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=buyer).key}")
    payload = {**request_data(), "needed_by": (timezone.localdate() + timedelta(days=30)).isoformat()}
    payload.update(budget="50000000000.00", lines=[{"product": product.pk, "quantity": 1}])
    # when the API gets the budget
    response = client.post(reverse("api:quote-request-list"), payload, format="json")
    # then a 400 in Chinese
    assert response.status_code == 400
    assert response.json()["fields"]["budget"] == ["预算不能超过 9999999999.99 元。"]
    # and the service (called by both) refuses it too
    with pytest.raises(DomainError) as exc:
        submit_request(buyer=buyer, lines=[(product, 1)], budget=Decimal("50000000000.00"))
    assert exc.value.message == "预算不能超过 9999999999.99 元。"
    assert QuoteRequest.objects.count() == 0


def test_answer_form_refuses_a_unit_price_above_the_bound():
    _qr, vq, _user, _product = _quote()
    line = vq.lines.get()
    data = {
        f"price_{line.pk}": "100000000.00",
        f"rate_{line.pk}": "0.13",
        "lead_time_days": "10",
        "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
    }
    form = VendorAnswerForm(data=data, vendor_quote=vq)
    assert not form.is_valid()
    assert form.errors[f"price_{line.pk}"] == ["单价不能超过 99999999.99 元。"]
    # and a validity of more than a year
    form = VendorAnswerForm(
        data={**data, f"price_{line.pk}": "100.00", "valid_until": "9999-12-31"}, vendor_quote=vq
    )
    assert not form.is_valid()
    assert form.errors["valid_until"] == ["报价有效期最长 365 天。"]


def test_answer_service_refuses_a_price_or_total_above_the_bounds_and_changes_nothing():
    # given a quote for 2 units
    _qr, vq, user, _product = _quote(quantity=2)
    line = vq.lines.get()
    until = timezone.localdate() + timedelta(days=10)

    def answer(price, days=10):
        return services.vendor_quote_answer(
            vendor_quote=vq,
            actor=user,
            prices={line.pk: PriceInput(Decimal(price), Decimal("0.13"))},
            lead_time_days=days,
            valid_until=until,
        )

    # when the unit price is above ¥99,999,999.99, then it is refused
    with pytest.raises(DomainError) as exc:
        answer("100000000.00")
    assert exc.value.message == "“会议平板”：单价不能超过 99999999.99 元。"
    # when the vendor quote total would be above ¥9,999,999,999.99 (no order could hold it)
    _qr2, vq_big, user_big, _p = _quote(quantity=200)
    big_line = vq_big.lines.get()
    with pytest.raises(DomainError) as exc:
        services.vendor_quote_answer(
            vendor_quote=vq_big,
            actor=user_big,
            prices={big_line.pk: PriceInput(Decimal("99999999.99"), Decimal("0.13"))},
            lead_time_days=10,
            valid_until=until,
        )
    assert exc.value.message == "订单总额不能超过 9999999999.99 元，请分批下单或联系平台。"
    # when the lead time is above 3650 days
    with pytest.raises(DomainError) as exc:
        answer("100.00", days=3651)
    assert exc.value.message == "交货期应为 1 到 3650 天。"
    # when the quote would stay valid for more than a year (e.g. until 9999-12-31)
    for far in (timezone.localdate() + timedelta(days=366), date(9999, 12, 31)):
        with pytest.raises(DomainError) as exc:
            services.vendor_quote_answer(
                vendor_quote=vq,
                actor=user,
                prices={line.pk: PriceInput(Decimal("100.00"), Decimal("0.13"))},
                lead_time_days=10,
                valid_until=far,
            )
        assert exc.value.message == "报价有效期最长 365 天。"
    # then nothing changed
    vq.refresh_from_db()
    vq_big.refresh_from_db()
    assert (vq.status, vq.revision, vq_big.status) == ("indicative", 1, "indicative")
    assert VendorQuoteLine.objects.get(pk=line.pk).unit_price_incl_tax == Decimal("100.00")


def test_the_database_refuses_numbers_beyond_the_bounds():
    _qr, vq, _user, _product = _quote()
    line = vq.lines.get()
    writes = [
        lambda: VendorQuoteLine.objects.filter(pk=line.pk).update(
            unit_price_incl_tax=Decimal("100000000.00")
        ),
        lambda: VendorQuoteLine.objects.filter(pk=line.pk).update(quantity=100001),
        lambda: VendorQuoteLine.objects.filter(pk=line.pk).update(tax_rate=Decimal("0.17")),
        lambda: QuoteRequestLine.objects.filter(pk=line.request_line_id).update(quantity=100001),
        lambda: QuoteRequest.objects.filter(pk=vq.request_id).update(budget=Decimal("10000000000.00")),
        lambda: VendorQuote.objects.filter(pk=vq.pk).update(lead_time_days=3651),
    ]
    for write in writes:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()


def test_processing_keeps_catalogue_figures_beyond_the_bounds_out_of_the_indicative_quote():
    # given catalogue data beyond the quote bounds: a ¥500,000,000 list price, a 5000-day lead time
    vendor, _ = make_vendor("甲")
    platform = stocked_product(vendors=[(vendor, "500000000.00")], title="城市大脑")
    slow = stocked_product(vendors=[(vendor, "100.00")], title="定制机柜", lead_time_days=5000)
    # when the worker routes the request, then it does not fail on the database's bounds
    qr = process(submit_request(lines=[(platform, 1), (slow, 1)]))
    vq = qr.vendor_quotes.get()
    # the vendor quotes the big price itself, and the indicative lead time is capped
    prices = {line.request_line.title: line.unit_price_incl_tax for line in vq.lines.all()}
    assert (qr.status, vq.status, vq.lead_time_days) == ("quoted", "indicative", 3650)
    assert prices == {"城市大脑": None, "定制机柜": Decimal("100.00")}


def test_accepting_an_indicative_quote_no_order_can_hold_is_refused_and_changes_nothing():
    # given an indicative quote of 100,000 units at ¥99,999,999.99 (about ¥10 trillion)
    vendor, _ = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "99999999.99")], title="城市大脑")
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 100000)]))
    vq = qr.vendor_quotes.get()
    # when the buyer accepts it, then a Chinese refusal instead of a database error
    with pytest.raises(DomainError) as exc:
        services.vendor_quote_accept(vendor_quote=vq, actor=buyer, revision=vq.revision)
    assert exc.value.message == "订单总额不能超过 9999999999.99 元，请分批下单或联系平台。"
    qr.refresh_from_db()
    vq.refresh_from_db()
    assert (qr.status, qr.order_id, vq.status) == ("quoted", None, "indicative")
