"""Rows of the sellers' payment settings for the isolation matrix: each side's vendor has a
verified 对公账户 whose bank name carries the side's marker (its vendor, the side's buyer paying
its order and operators may see it; nobody else) and a private proof document; each side's
order has an invoice its vendor issued, with a private file."""

from decimal import Decimal

from django.utils import timezone

from shop.core.uploads import bytes_upload
from shop.payments.models import IssuedInvoice, VendorBankAccount

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(world) -> None:
    for s in (world.a, world.b):
        account = VendorBankAccount.objects.create(
            partner=s.partner,
            account_name=s.partner.name,
            bank_name=f"{s.marker('bank')}银行长沙分行",
            account_number=f"43050175380000{'1' if s.name == 'a' else '2'}00001",
            proof=bytes_upload(PDF, "开户许可证.pdf"),
            proof_name="开户许可证.pdf",
            proof_kind="pdf",
            status=VendorBankAccount.Status.VERIFIED,
            reviewed_by=world.operator,
            reviewed_at=timezone.now(),
        )
        s.extra["bank_account"] = account
        s.extra.setdefault("markers", []).append(s.marker("bank"))
        s.extra["issued_invoice"] = IssuedInvoice.objects.create(
            order=s.order,
            partner=s.partner,
            invoice_type="normal",
            number=f"2643000000{'1' if s.name == 'a' else '2'}0001",
            issued_on=timezone.localdate(),
            tax_rate=Decimal("0.13"),
            amount=Decimal("100.00"),
            tax=Decimal("13.00"),
            document=bytes_upload(PDF, "发票.pdf"),
            document_name="发票.pdf",
            document_kind="pdf",
        )
