"""Invoices (发票): the request on the order, the buyer's edits, the vendor's issued invoice,
amounts split by tax rate (13% goods / 6% services)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.payments.models import IssuedInvoice
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.payments import SPECIAL_INVOICE, placed_order, two_vendor_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_order():
    """¥11,800 of goods (13%) and 2 × ¥3,000 of services (6%) from one vendor, as quoted."""
    buyer = UserFactory()
    vendor, partner = make_vendor_user()
    order = placed_order(
        buyer=buyer,
        lines=[
            ("75 寸会议一体机", "11800.00", 1, "0.13", partner),
            ("安装调试服务", "3000.00", 2, "0.06", partner),
        ],
    )
    return buyer, vendor, partner, order


def _detail(order):
    return reverse("payments:order-detail", kwargs={"number": order.number})


def test_order_shows_the_invoice_request_and_the_split_by_tax_rate(client, mixed_order):
    buyer, _vendor, _partner, order = mixed_order
    client.force_login(buyer)
    html = client.get(_detail(order)).content.decode()
    assert "增值税普通发票" in html and "长沙市某局" in html
    assert '<td>13%</td><td class="text-right">¥10,442.48</td><td class="text-right">¥1,357.52</td>' in html
    assert '<td>6%</td><td class="text-right">¥5,660.38</td><td class="text-right">¥339.62</td>' in html


def test_buyer_switches_to_a_special_invoice_and_must_give_bank_details(client, mixed_order):
    buyer, _vendor, _partner, order = mixed_order
    client.force_login(buyer)
    url = reverse("payments:invoice-request", kwargs={"number": order.number})
    incomplete = client.post(url, {**SPECIAL_INVOICE, "invoice_address": "", "invoice_phone": ""})
    assert incomplete.status_code == 400
    html = incomplete.content.decode()
    assert "开具增值税专用发票需填写注册地址。" in html and "开具增值税专用发票需填写注册电话。" in html
    order.invoice_request.refresh_from_db()
    assert order.invoice_request.invoice_type == "normal"
    assert client.post(url, SPECIAL_INVOICE).status_code == 302
    order.invoice_request.refresh_from_db()
    assert (order.invoice_request.invoice_type, order.invoice_request.invoice_bank) == (
        "special",
        "中国建设银行长沙麓谷支行",
    )
    page = client.get(_detail(order)).content.decode()
    assert "增值税专用发票" in page and "43050175380000000001" in page
    # another buyer cannot touch it
    client.force_login(UserFactory())
    assert client.post(url, SPECIAL_INVOICE).status_code == 404


def test_vendor_records_issued_invoices_per_tax_rate_and_the_buyer_sees_them(client, mixed_order):
    buyer, vendor, partner, order = mixed_order
    client.force_login(vendor)
    url = reverse("dashboard:payments-invoice-issue", kwargs={"number": order.number})
    dashboard = client.get(
        reverse("dashboard:payments-order", kwargs={"number": order.number})
    ).content.decode()
    assert "¥10,442.48" in dashboard and "¥5,660.38" in dashboard
    goods = {
        "partner": partner.pk,
        "number": "24432000000012345678",
        "issued_on": "2026-11-24",
        "tax_rate": "0.13",
        "amount": "10442.48",
        "tax": "1357.52",
    }
    assert client.post(url, goods).status_code == 302
    # a second goods invoice would exceed the 13% share
    over = client.post(url, {**goods, "number": "24432000000012345679", "amount": "100.00", "tax": "13.00"})
    assert over.status_code == 400
    assert "价税合计超出该税率商品的订单金额（剩余可开 ¥0.00）。" in over.content.decode()
    # a tax amount that is not amount × rate is refused
    wrong_tax = client.post(
        url,
        {**goods, "number": "24432000000012345680", "tax_rate": "0.06", "amount": "5660.38", "tax": "500.00"},
    )
    assert "税额与金额 × 税率不符（应约为 ¥339.62）。" in wrong_tax.content.decode()
    services = {
        **goods,
        "number": "24432000000012345681",
        "tax_rate": "0.06",
        "amount": "5660.38",
        "tax": "339.62",
    }
    assert client.post(url, services).status_code == 302
    assert [(i.number, i.tax_rate, i.total) for i in IssuedInvoice.objects.order_by("pk")] == [
        ("24432000000012345678", Decimal("0.13"), Decimal("11800.00")),
        ("24432000000012345681", Decimal("0.06"), Decimal("6000.00")),
    ]
    # the buyer sees both and can no longer change the request
    client.force_login(buyer)
    html = client.get(_detail(order)).content.decode()
    assert "24432000000012345678" in html and "24432000000012345681" in html
    assert 'id="invoice-form"' not in html
    edit = client.post(reverse("payments:invoice-request", kwargs={"number": order.number}), SPECIAL_INVOICE)
    assert "发票已开具，开票信息不能再修改" in edit.content.decode()


def test_a_vendor_cannot_record_invoices_for_another_vendors_lines(client):
    order, (vendor_a, _partner_a), (_vendor_b, partner_b) = two_vendor_order(buyer=UserFactory())
    client.force_login(vendor_a)
    url = reverse("dashboard:payments-invoice-issue", kwargs={"number": order.number})
    data = {
        "partner": partner_b.pk,
        "number": "24432000000099999999",
        "issued_on": "2026-11-24",
        "tax_rate": "0.06",
        "amount": "2830.19",
        "tax": "169.81",
    }
    assert client.post(url, data).status_code == 400
    assert IssuedInvoice.objects.count() == 0
    # nor may an operator: the invoice is issued by the seller (vendor B records its own)
    client.force_login(OperatorFactory())
    assert client.post(url, data).status_code == 400
    assert IssuedInvoice.objects.count() == 0
