"""发票 are issued by the seller: a vendor records (and may upload) the invoice of its own share,
operators only the mall's own sales; the buyer's 财务 downloads the file, nobody else."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.core.exceptions import DomainError, PermissionDenied
from shop.core.uploads import bytes_upload
from shop.payments.models import IssuedInvoice
from shop.payments.services import invoice_issue, invoice_request_update
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.payments import (
    NORMAL_INVOICE,
    PDF_BYTES,
    outsider_member,
    placed_order,
    unit_order,
    unit_world,
)

pytestmark = pytest.mark.django_db


def _issue(order, actor, partner, number="26430000000000000001", document=None):
    return invoice_issue(
        order=order,
        actor=actor,
        partner=partner,
        number=number,
        issued_on=date(2026, 12, 1),
        tax_rate=Decimal("0.13"),
        amount=Decimal("10619.47"),
        tax=Decimal("1380.53"),
        document=document,
    )


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def unit_sale():
    world = unit_world()
    order = unit_order(world, price="12000.00", qty=1, accepted=True)
    invoice_request_update(order=order, user=world.finance.user, data=NORMAL_INVOICE)
    return world, order


def test_vendor_uploads_its_invoice_and_only_the_units_finance_downloads_it(unit_sale):
    # given a unit's order of a vendor with the 财务's invoice request
    world, order = unit_sale
    # when the vendor records its invoice with the PDF
    invoice = _issue(order, world.vendor, world.partner, document=bytes_upload(PDF_BYTES, "发票.pdf"))
    assert (invoice.document_name, invoice.document_kind) == ("发票.pdf", "pdf")
    url = reverse("payments:invoice-file", kwargs={"pk": invoice.pk})
    # then the 财务 sees the download link and downloads the exact file
    page = _client(world.finance.user).get(reverse("payments:order-detail", kwargs={"number": order.number}))
    assert url in page.content.decode()
    response = _client(world.finance.user).get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert b"".join(response.streaming_content) == PDF_BYTES
    # and the 经办人 is refused, another unit's 财务 and a stranger do not find it
    assert _client(world.handler.user).get(url).status_code == 403
    assert _client(outsider_member().user).get(url).status_code == 404
    assert _client(UserFactory()).get(url).status_code == 404


def test_an_operator_does_not_issue_a_vendors_invoice(unit_sale):
    # given a vendor's sale with an invoice request
    world, order = unit_sale
    # when an operator records an invoice for the vendor's share
    with pytest.raises(PermissionDenied, match="只能为本供应商在该订单中的商品登记发票。"):
        _issue(order, OperatorFactory(), world.partner)
    # then nothing is stored
    assert not IssuedInvoice.objects.exists()


def test_the_mall_issues_the_invoice_of_its_own_sale():
    # given a sale of the mall itself with an invoice request
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="12000.00")
    mall = order.lines.get().partner
    # when an operator records the invoice
    invoice = _issue(order, OperatorFactory(), mall)
    # then it is the mall's invoice
    assert (invoice.partner, invoice.number) == (mall, "26430000000000000001")


def test_an_invoice_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_stored(unit_sale):
    # given a vendor's sale
    world, order = unit_sale
    # when the vendor uploads a text file as its invoice
    with pytest.raises(DomainError) as exc:
        _issue(order, world.vendor, world.partner, document=bytes_upload(b"hello", "发票.pdf"))
    # then the Chinese reason, nothing stored
    assert "不支持的文件类型" in exc.value.message
    assert not IssuedInvoice.objects.exists()
