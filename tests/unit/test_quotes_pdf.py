"""The 报价单 PDF: number, parties, lines, 13%/6% tax breakdown, total in figures and 大写,
validity — read back from the PDF's own text operators."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from shop.quotes import services
from shop.quotes.pdf import render_vendor_quote_pdf
from shop.quotes.services import PriceInput
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text a PDF reader extracts (pypdf), page by page."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font the PDF's pages use."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            out.append(
                (
                    str(font["/BaseFont"]),
                    any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                )
            )
    return out


def test_the_quote_pdf_shows_number_parties_lines_tax_breakdown_total_and_validity():
    # given a vendor quote with a 13% product and a 6% service
    vendor, user = make_vendor("星城科技")
    screen = stocked_product(vendors=[(vendor, "11800.00")], title="75 寸会议一体机")
    service = stocked_product(
        vendors=[(vendor, "5300.00")], title="运维服务", tax_rate=Decimal("0.06"), unit="年"
    )
    qr = process(submit_request(lines=[(screen, 2), (service, 1)]))
    vq = qr.vendor_quotes.get()
    lines = list(vq.lines.order_by("request_line_id"))
    vq = services.vendor_quote_answer(
        vendor_quote=vq,
        actor=user,
        prices={
            lines[0].pk: PriceInput(Decimal("11800.00"), Decimal("0.13")),
            lines[1].pk: PriceInput(Decimal("5300.00"), Decimal("0.06")),
        },
        lead_time_days=15,
        valid_until=timezone.localdate() + timedelta(days=10),
        terms="含安装调试",
    )
    # when it is rendered
    text = pdf_text(render_vendor_quote_pdf(vendor_quote=vq))
    # then every part of a 报价单 is there
    until = (timezone.localdate() + timedelta(days=10)).strftime("%Y年%m月%d日")
    for expected in (
        f"报价单号：{vq.number}",
        f"询价单号：{qr.number}",
        "采购方：长沙市数据资源局",
        "统一社会信用代码：91430100MA4L12345A",
        "供应商：星城科技",
        "75 寸会议一体机",
        "运维服务",
        "报价总额（含税）：¥28,900.00",
        "大写：人民币贰万捌仟玖佰元整",
        f"报价有效期至：{until}",
        "交货期：15 天",
        "报价条款：含安装调试",
    ):
        assert expected in text, expected
    raw = render_vendor_quote_pdf(vendor_quote=vq)
    # and it carries its own font: the text font is an embedded Noto Sans SC subset; besides it
    # only reportlab's initial Helvetica (one of PDF's standard 14, used for no text) is named,
    # never a CJK font the reader must have (the old STSong-Light)
    fonts = embedded_fonts(raw)
    assert raw.startswith(b"%PDF-")
    cjk = [(name, embedded) for name, embedded in fonts if name != "/Helvetica"]
    assert len(cjk) == 1 and cjk[0][0].split("+")[-1].startswith("NotoSansSC") and cjk[0][1], fonts
    assert b"STSong" not in raw
    # and the same quote renders to the same bytes
    assert render_vendor_quote_pdf(vendor_quote=vq) == raw
    # the tax breakdown per rate (13%: 23600 → 20884.96 + 2715.04; 6%: 5300 → 5000.00 + 300.00)
    totals = vq.totals()
    assert [(r["rate"], r["excl"], r["tax"]) for r in totals["by_rate"]] == [
        (Decimal("0.13"), Decimal("20884.96"), Decimal("2715.04")),
        (Decimal("0.06"), Decimal("5000.00"), Decimal("300.00")),
    ]


def test_an_indicative_pdf_says_it_is_indicative():
    vendor, _ = make_vendor()
    qr = process(submit_request(lines=[(stocked_product(vendors=[(vendor, "100.00")]), 1)]))
    text = pdf_text(render_vendor_quote_pdf(vendor_quote=qr.vendor_quotes.get()))
    assert "（参考报价：按目录价 / 起价自动生成，最终价格以供应商确认报价为准）" in text
