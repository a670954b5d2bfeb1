"""Rows of the sellers' payment settings for the isolation matrix: each side's vendor has a
verified 对公账户 whose bank name carries the side's marker (its vendor, the side's buyer paying
its order and operators may see it; nobody else) and a private proof document."""

from django.utils import timezone

from shop.core.uploads import bytes_upload
from shop.payments.models import VendorBankAccount

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
