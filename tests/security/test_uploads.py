"""Uploads through every form that takes a file: hostile names, polyglots, SVG with script and
oversized files. Bad content is rejected with a Chinese message and creates no row; nothing is
written outside the storage roots; nothing is left on disk; a hostile name never reaches the
disk. Private files are served only to their owners and operators."""

import os
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.oem.models import OemOrder
from shop.payments.models import BankTransfer
from shop.payments.orders import OrderLineSpec, order_place
from shop.quotes.models import QuoteAttachment, QuoteRequest
from shop.vendors.models import ProductImport, VendorApplication
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.oem import make_oem_product, organisation
from tests.factories.quotes import form_data, make_vendor, stocked_product
from tests.factories.vendors import application_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PDF_HTML_POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
PNG_HTML_POLYGLOT = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
GIF_SCRIPT = b"GIF89a/*<svg onload=alert(1)>*/=alert(1)//;"
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1"/></svg>'
SVG_ONLOAD = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1"/></svg>'
SVG_XXE = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode"

# content that must be rejected wherever it is uploaded
BAD_CONTENT = {
    "pdf-html-polyglot": ("说明.pdf", PDF_HTML_POLYGLOT),
    "png-html-polyglot": ("logo.png", PNG_HTML_POLYGLOT),
    "gif-script": ("logo.gif", GIF_SCRIPT),
    "svg-script": ("logo.svg", SVG_SCRIPT),
    "svg-onload": ("logo.svg", SVG_ONLOAD),
    "svg-xxe": ("logo.svg", SVG_XXE),
    "exe-as-pdf": ("发票.pdf", EXE),
    "empty": ("empty.pdf", b""),
    "oversized": ("big.pdf", PDF + b"0" * (max(settings.UPLOAD_MAX_BYTES, 10 * 1024 * 1024) + 1)),
}
# valid content under a hostile name: rejected, or stored under a generated name
HOSTILE_NAMES = {
    "dot-dot": "../../../../../../tmp/xh-evil.pdf",
    "backslashes": "..\\..\\..\\xh-evil.pdf",
    "nul": "xh-evil.pdf\x00.png",
    "rtl-override": "报告\u202efdp.exe",
    "fullwidth": "ｘｈ－ｅｖｉｌ．ｐｄｆ",
    "absolute": "/etc/cron.d/xh-evil.pdf",
    "long": "长" * 300 + ".pdf",
}


@dataclass
class Endpoint:
    url: str
    client: Client
    data: dict
    field: str
    count: callable


def _buyer_client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def vendor_apply():
    return Endpoint(
        reverse("vendors:apply"),
        Client(raise_request_exception=False),
        application_data(),
        "licence",
        VendorApplication.objects.count,
    )


def oem_order():
    partner, _ = make_vendor("甲")
    product = make_oem_product(partner=partner, moq=100)
    data = {
        "quantity": "100",
        "brand_name": "星城智联",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "delivery_contact": "李工",
        "delivery_phone": "0731-88886666",
        "delivery_address": "长沙市岳麓区麓谷大道 1 号",
        **organisation(),
    }
    return Endpoint(
        reverse("oem:create", kwargs={"product_pk": product.pk}),
        _buyer_client(UserFactory()),
        data,
        "logo",
        OemOrder.objects.count,
    )


def quote_submit():
    partner, _ = make_vendor("乙")
    product = stocked_product(vendors=[(partner, "100.00")])
    client = _buyer_client(UserFactory())
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
    return Endpoint(
        reverse("quotes:submit"),
        client,
        form_data(),
        "attachments",
        lambda: QuoteRequest.objects.count() + QuoteAttachment.objects.count(),
    )


def bank_transfer():
    partner, _ = make_vendor("丙")
    product = stocked_product(vendors=[(partner, "100.00")])
    sr = product.stockrecords.get()
    buyer = UserFactory()
    order = order_place(
        user=buyer,
        lines=[
            OrderLineSpec(
                product=product,
                stockrecord=sr,
                quantity=1,
                unit_price_incl_tax=sr.price,
                tax_rate=Decimal("0.13"),
            )
        ],
        source="direct",
        reference="UP",
    )
    data = {"payer_name": "长沙市某局", "amount": "100.00", "remitted_on": timezone.localdate().isoformat()}
    return Endpoint(
        reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1}),
        _buyer_client(buyer),
        data,
        "slip",
        BankTransfer.objects.count,
    )


def vendor_import():
    partner, vendor = make_vendor("丁")
    return Endpoint(
        reverse("dashboard:vendors-import-list"),
        _buyer_client(vendor),
        {},
        "file",
        ProductImport.objects.count,
    )


ENDPOINTS = {
    "vendor-licence": vendor_apply,
    "oem-logo": oem_order,
    "quote-attachment": quote_submit,
    "transfer-slip": bank_transfer,
    "vendor-import": vendor_import,
}


def files_on_disk() -> set[Path]:
    """Every file under the test run's temporary tree and the system temp dir's uploads."""
    roots = {Path(settings.MEDIA_ROOT).parent, Path(settings.PRIVATE_MEDIA_ROOT).parent}
    found = {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}
    tmp = Path(tempfile.gettempdir())
    return found | set(tmp.glob("*.upload*")) | set(tmp.glob("xh-evil*"))


def post(endpoint: Endpoint, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content)
    before_rows, before_files = endpoint.count(), files_on_disk()
    response = endpoint.client.post(endpoint.url, {**endpoint.data, endpoint.field: upload})
    return response, endpoint.count() - before_rows, files_on_disk() - before_files


def ignorable(path: Path) -> bool:
    """Files a request may write besides uploads (the e-mail file backend, logs)."""
    return path.suffix == ".log"


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("case", sorted(BAD_CONTENT))
def test_bad_content_is_rejected_with_a_message_and_writes_nothing(endpoint, case):
    ep = ENDPOINTS[endpoint]()
    name, content = BAD_CONTENT[case]
    response, new_rows, new_files = post(ep, name, content)
    assert response.status_code in (200, 400), response.status_code  # the form again, with an error
    assert new_rows == 0
    assert [f for f in new_files if not ignorable(f)] == []
    body = response.content.decode()
    assert any(word in body for word in ("文件", "不支持", "过大", "可疑", "SVG", "图片", "扩展名", "空的"))


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("case", sorted(HOSTILE_NAMES))
def test_a_hostile_name_never_reaches_the_disk(endpoint, case):
    ep = ENDPOINTS[endpoint]()
    content = PDF if endpoint != "vendor-import" else "名称,价格\n测试,1\n".encode()
    response, new_rows, new_files = post(ep, HOSTILE_NAMES[case], content)
    assert response.status_code < 500
    roots = (Path(settings.MEDIA_ROOT).resolve(), Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    for path in (f for f in new_files if not ignorable(f)):
        # anything written is inside a storage root, under a generated name
        assert path.resolve().is_relative_to(roots[0]) or path.resolve().is_relative_to(roots[1]), path
        assert "xh-evil" not in path.name and ".." not in path.name and "\u202e" not in path.name
        assert all(unicodedata.category(c)[0] != "C" for c in path.name)
        assert len(path.name) < 100
    assert not Path("/tmp/xh-evil.pdf").exists()
    if new_rows == 0:
        assert [f for f in new_files if not ignorable(f)] == []


def test_private_files_live_outside_the_public_media_root():
    public = Path(settings.MEDIA_ROOT).resolve()
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not private.is_relative_to(public) and not public.is_relative_to(private)
    assert settings.MEDIA_URL not in (settings.STATIC_URL, "/")


def test_private_files_are_served_to_owners_and_operators_only():
    from tests.security.world import build_world

    # given the world's private files: a licence, a transfer slip, an OEM logo, a quote attachment
    w = build_world()
    operator = OperatorFactory(username="operator_files", is_superuser=True)
    cases = [
        ("vendors:licence", {"pk": w.a.application.pk}, w.a.buyer),
        ("payments:slip", {"pk": w.a.transfer.pk}, w.a.buyer),
        ("oem:logo", {"number": w.a.oem_order.number}, w.a.buyer),
        ("quotes:attachment", {"number": w.a.quote_request.number, "pk": w.a.attachment.pk}, w.a.buyer),
        ("dashboard:vendors-application-licence", {"pk": w.a.application.pk}, operator),
        ("dashboard:payments-slip", {"pk": w.a.transfer.pk}, w.a.vendor),
        ("dashboard:oem-logo", {"number": w.a.oem_order.number}, w.a.vendor),
        ("dashboard:quotes-attachment", {"pk": w.a.quote_request.pk, "att": w.a.attachment.pk}, w.a.vendor),
    ]
    for name, kwargs, owner in cases:
        url = reverse(name, kwargs=kwargs)
        # the owner (or the vendor it concerns) gets the file, sniffing disabled
        response = _buyer_client(owner).get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.get("Content-Type", "").split(";")[0] in (
            "application/pdf",
            "image/png",
            "image/jpeg",
            "image/svg+xml",
            "application/octet-stream",
        ), (name, response.get("Content-Type"))
        # the operator too, for the buyer-side URLs' dashboard twins
        # the other buyer, the other vendor and anonymous visitors get nothing
        for intruder in (w.b.buyer, w.b.vendor, None):
            client = _buyer_client(intruder) if intruder else Client(raise_request_exception=False)
            denied = client.get(url)
            assert denied.status_code in (302, 403, 404), (name, intruder, denied.status_code)
            assert (
                PDF not in b"".join(denied.streaming_content)
                if denied.streaming
                else PDF not in denied.content
            )
    for name, kwargs in [
        ("dashboard:vendors-application-licence", {"pk": w.a.application.pk}),
        ("dashboard:payments-slip", {"pk": w.a.transfer.pk}),
        ("dashboard:oem-logo", {"number": w.a.oem_order.number}),
        ("dashboard:quotes-attachment", {"pk": w.a.quote_request.pk, "att": w.a.attachment.pk}),
    ]:
        assert _buyer_client(operator).get(reverse(name, kwargs=kwargs)).status_code == 200, name
    # and no private file is reachable under the public media URL
    relative = w.a.application.licence.name
    assert Client().get(settings.MEDIA_URL + relative).status_code == 404
    assert os.path.exists(Path(settings.PRIVATE_MEDIA_ROOT) / relative)
