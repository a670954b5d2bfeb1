"""The contract PDF read back with pypdf: both parties with their 统一社会信用代码, the lines, the
total in figures and 大写, the payment term, and on the signed PDF both confirmations with the
hash both confirmed. The font is embedded; the same terms give the same bytes."""

import hashlib
import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from shop.contracts import services
from shop.contracts.models import ContractVersion
from shop.contracts.pdf import render_contract_pdf
from shop.core.workdays import CHINA
from tests.factories.vendors import make_uscc
from tests.unit.test_contracts_services import SELLER_USCC, confirm, render, signed_setup

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(data))).pages)


def fonts(data: bytes) -> list[tuple[str, bool]]:
    out = []
    for page in PdfReader(io.BytesIO(bytes(data))).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = bool(descriptor) and "/FontFile2" in descriptor.get_object()
            out.append((str(font["/BaseFont"]), embedded))
    return out


def test_the_signed_pdf_shows_parties_upper_case_total_confirmations_and_the_hash(
    django_capture_on_commit_callbacks,
):
    # given a 询价 award of 2 × ¥11,800.00 between a government unit and an approved vendor
    s = signed_setup(django_capture_on_commit_callbacks)
    version = s["version"]
    draft = pdf_text(version.pdf)
    # then the draft names both parties with their codes, the lines, the total and the term
    for expected in (
        "采购合同",
        f"合同编号：{s['contract'].number}",
        "长沙市数据资源局",
        s["unit"].org_uscc,
        "湖南湘慧科技有限公司",
        SELLER_USCC,
        "75 寸会议一体机",
        "小写 ¥23,600.00；大写 人民币贰万叁仟陆佰元整",
        "甲方在履约验收合格之日起 30 日内",
        "成交依据：WX1",
    ):
        assert expected in draft, expected
    # when both parties confirm it
    confirm(version, s["members"]["handler"].user, now=datetime(2026, 12, 4, 10, 0, tzinfo=CHINA))
    confirm(version, s["vendor"], now=datetime(2026, 12, 4, 11, 30, tzinfo=CHINA))
    signed = render(version)
    text = pdf_text(signed.signed_pdf)
    # then the signed PDF is the same text plus a 签署页 with both confirmations and the hash
    for expected in (
        "人民币贰万叁仟陆佰元整",
        "签署页（在线确认签订记录）",
        f"双方确认的合同文件 SHA-256：{version.pdf_sha256}",
        "2026-12-04 10:00:00",
        "2026-12-04 11:30:00",
        "127.0.0.1",
        f"甲方（采购人）确认的文件 SHA-256：{version.pdf_sha256}",
        f"乙方（供应商）确认的文件 SHA-256：{version.pdf_sha256}",
    ):
        assert expected in text, expected
    assert signed.signed_pdf_sha256 == hashlib.sha256(bytes(signed.signed_pdf)).hexdigest()
    # and the confirmed bytes themselves did not change
    assert (
        ContractVersion.objects.get(pk=version.pk).pdf_sha256 == hashlib.sha256(bytes(signed.pdf)).hexdigest()
    )
    # and every text font is an embedded subset (reportlab's initial Helvetica draws nothing)
    used = [f for f in fonts(signed.signed_pdf) if f[0] != "/Helvetica"]
    assert used and all("NotoSansSC" in name and embedded for name, embedded in used), used


def test_documents_rendered_one_after_another_each_keep_all_their_characters(
    django_capture_on_commit_callbacks,
):
    # given two contracts with different texts rendered in the same process, one after the other
    first = signed_setup(django_capture_on_commit_callbacks)
    second = signed_setup(django_capture_on_commit_callbacks, price="98765.43", seller_uscc=make_uscc())
    services.contract_terms_update(
        contract=second["contract"],
        user=second["members"]["handler"].user,
        payment_term_days=45,
        delivery_place="株洲市天元区神农大道 88 号",
        delivery_date=None,
        warranty="整机保修叁年，电池保修贰年",
        acceptance_terms="按招标文件技术参数逐项核验",
    )
    text = pdf_text(render(second["version"]).pdf)
    # then the second shows its own characters (none drawn with the first one's font)
    for expected in (
        "株洲市天元区神农大道 88 号",
        "整机保修叁年，电池保修贰年",
        "按招标文件技术参数逐项核验",
        "大写 人民币壹拾玖万柒仟伍佰叁拾元捌角陆分",
        "验收合格之日起 45 日内",
    ):
        assert expected in text, expected
    assert "\x00" not in text and "\x00" not in pdf_text(first["version"].pdf)


def test_the_same_terms_give_the_same_bytes_and_one_changed_term_another_hash():
    terms = {
        "number": "HT202612040001",
        "order_number": "DD202612040001",
        "source_label": "直购",
        "award_reference": "DD202612040001",
        "buyer": {"name": "长沙市数据资源局", "uscc": "11430100MB1234560F"},
        "seller": {"name": "湖南湘慧科技有限公司", "uscc": SELLER_USCC},
        "lines": [
            {
                "title": "会议平板",
                "quantity": 1,
                "unit": "台",
                "unit_price": "100.00",
                "tax_rate": "13%",
                "amount": "100.00",
            }
        ],
        "total": "100.00",
        "total_text": "¥100.00",
        "total_upper": "壹佰元整",
        "tax_total": "11.50",
        "vat_footnote": "以上价格为含税价。",
        "delivery_place": "长沙",
        "delivery_date": "",
        "acceptance_terms": "按合同验收",
        "payment_term_days": 30,
        "warranty": "一年",
        "created_on": "2026-12-04",
    }
    a = render_contract_pdf(terms=terms, kind="original", title="采购合同")
    b = render_contract_pdf(terms=dict(terms), kind="original", title="采购合同")
    c = render_contract_pdf(terms={**terms, "payment_term_days": 31}, kind="original", title="采购合同")
    assert a == b
    assert hashlib.sha256(a).hexdigest() != hashlib.sha256(c).hexdigest()
