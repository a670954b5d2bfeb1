"""Files saved inside a transaction that rolls back are deleted (shop.core.uploads
``delete_on_rollback``, hooked into the private storage): a slip, an attachment or a PDF never
outlives the rows that would have pointed to it; committed files stay."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import DataError, transaction

from shop.core.exceptions import DomainError
from shop.core.uploads import bytes_upload, private_storage
from shop.payments.models import BankTransfer
from shop.payments.services import bank_transfer_submit
from shop.quotes.models import QuoteAttachment
from tests.factories.accounts import UserFactory
from tests.factories.payments import placed_order, slip_png
from tests.factories.quotes import make_vendor, stocked_product, submit_request

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db
def test_a_slip_saved_by_a_service_that_then_fails_leaves_no_file(private_root):
    # given an unpaid order of a buyer
    buyer = UserFactory()
    order = placed_order(buyer=buyer, price="100.00")
    stage = order.payment_stages.get()
    # when the service saves the slip and the row's insert then fails
    with pytest.raises(DataError):
        bank_transfer_submit(
            stage=stage,
            user=buyer,
            payer_name="长" * 500,
            amount=Decimal("100.00"),
            remitted_on=date(2026, 11, 20),
            slip=slip_png(),
        )
    # then neither the row nor the file exists
    assert BankTransfer.objects.count() == 0
    assert files_under(private_root) == []


@pytest.mark.django_db
def test_an_attachment_saved_in_a_transaction_that_rolls_back_is_deleted(private_root):
    # given a quotable product
    partner, _vendor = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    # when a request with an attachment is saved and the caller's transaction then fails
    with pytest.raises(DomainError), transaction.atomic():
        qr = submit_request(lines=[(product, 1)], attachments=[bytes_upload(PDF, "需求说明.pdf")])
        assert files_under(private_root) == [QuoteAttachment.objects.get(request=qr).file.name]
        raise DomainError("后续步骤失败")
    # then the attachment is gone with its row
    assert QuoteAttachment.objects.count() == 0
    assert files_under(private_root) == []


@pytest.mark.django_db(transaction=True)
def test_a_file_of_a_rolled_back_savepoint_is_deleted_and_a_committed_one_kept(private_root):
    # when one file is saved in a committed transaction and another in a savepoint rolled back
    with transaction.atomic():
        kept = private_storage.save("t/kept.pdf", ContentFile(PDF))
        with pytest.raises(DomainError), transaction.atomic():
            private_storage.save("t/dropped.pdf", ContentFile(PDF))
            raise DomainError("内层失败")
        assert files_under(private_root) == [kept]
    # then only the committed one remains (a save outside a transaction is kept too)
    outside = private_storage.save("t/outside.pdf", ContentFile(PDF))
    assert files_under(private_root) == sorted([kept, outside])
