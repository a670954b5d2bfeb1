"""Quote services: submitting (and refusing bad input), processing, PDF/e-mail steps, beat jobs.

Task functions are called directly; the real worker is covered in tests/integration."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from shop.core.exceptions import DomainError
from shop.core.uploads import bytes_upload
from shop.quotes import services
from shop.quotes.models import (
    QuoteAttachment,
    QuoteRequest,
    QuoteRequestEvent,
    VendorQuote,
    VendorQuoteEvent,
    VendorQuoteLine,
)
from tests.conftest import deliver_outbox
from tests.factories.accounts import UserFactory
from tests.factories.quotes import (
    make_vendor,
    process,
    stocked_product,
    submit_request,
    three_vendor_category,
)

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _nothing_saved():
    return (QuoteRequest.objects.count(), QuoteAttachment.objects.count(), VendorQuote.objects.count())


# --- submitting -----------------------------------------------------------------------------


def test_submit_saves_request_lines_attachment_event_and_remembers_organisation():
    # given a buyer and a product two vendors stock
    (a, _), (b, _) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")], title="75 寸会议一体机")
    buyer = UserFactory()
    # when the buyer submits a request with a PDF attachment
    qr = submit_request(
        buyer=buyer,
        lines=[(product, 3)],
        attachments=[bytes_upload(PDF_BYTES, "需求说明.pdf")],
        budget=Decimal("40000"),
    )
    # then the request, its line, attachment and first event are stored
    assert qr.number.startswith("XJ") and len(qr.number) == 14
    assert qr.status == "submitted"
    assert [(line.title, line.quantity, line.tax_rate) for line in qr.lines.all()] == [
        ("75 寸会议一体机", 3, Decimal("0.13"))
    ]
    att = qr.attachments.get()
    assert (att.display_name, att.kind, att.size) == ("需求说明.pdf", "pdf", len(PDF_BYTES))
    assert att.file.read() == PDF_BYTES
    assert list(qr.events.values_list("kind", "to_status")) == [("submitted", "submitted")]
    assert buyer.buyer_organisation.org_uscc == "91430100MA4L12345A"
    assert qr.budget == Decimal("40000.00")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"org_uscc": "91430100MA4L12345B"}, "统一社会信用代码校验位不正确"),
        ({"org_uscc": "91430100MA4L1234"}, "统一社会信用代码应为 18 位"),
        ({"needed_by": timezone.localdate()}, "需求日期必须晚于今天"),
        ({"needed_by": timezone.localdate() - timedelta(days=3)}, "需求日期必须晚于今天"),
        ({"contact_mobile": "12345"}, "请输入有效的 11 位手机号码"),
        ({"invoice_type": "special"}, "开具增值税专用发票需填写注册地址"),
        ({"budget": Decimal("-5")}, "预算必须大于零"),
    ],
)
def test_submit_refuses_bad_request_data_and_saves_nothing(overrides, message):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    with pytest.raises(DomainError, match=message):
        submit_request(lines=[(product, 1)], **overrides)
    assert _nothing_saved() == (0, 0, 0)


@pytest.mark.parametrize(
    ("quantity", "message"), [(0, "数量必须在 1 到 100000 之间"), (-2, "数量必须在"), (100001, "数量必须在")]
)
def test_submit_refuses_non_positive_or_absurd_quantities(quantity, message):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    with pytest.raises(DomainError, match=message):
        submit_request(lines=[(product, quantity)])
    assert _nothing_saved() == (0, 0, 0)


def test_submit_refuses_unpublished_products_and_products_without_vendors():
    a, _ = make_vendor()
    hidden = stocked_product(vendors=[(a, "100.00")], is_public=False, title="下架商品")
    with pytest.raises(DomainError, match="^商品不存在或已下架。$"):
        submit_request(lines=[(hidden, 1)])
    assert _nothing_saved() == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 this is an exe", "需求.pdf", "不支持的文件类型"),
        (PDF_BYTES, "需求.docx", "文件扩展名“.docx”与文件内容（PDF）不符"),
        (b"%PDF-1.4 " + b"x" * 2048, "big.pdf", "文件过大"),
    ],
)
def test_submit_refuses_disguised_or_oversized_attachments(settings, data, name, message):
    settings.QUOTES_ATTACHMENT_MAX_BYTES = 1024
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    with pytest.raises(DomainError, match=message):
        submit_request(lines=[(product, 1)], attachments=[bytes_upload(data, name)])
    assert _nothing_saved() == (0, 0, 0)


def test_inquiry_procurement_with_fewer_than_three_vendors_is_refused_plainly():
    (a, _), (b, _) = make_vendor(), make_vendor()
    product = stocked_product(vendors=[(a, "100.00"), (b, "110.00")])
    with pytest.raises(DomainError) as exc:
        submit_request(lines=[(product, 1)], procurement_method="inquiry")
    assert exc.value.message == (
        "询价采购需要至少三家供应商参与报价，目前经营所选商品类目的供应商只有 2 家，"
        "无法发起询价采购。请改选“协商报价”或“单一来源”，或减少询价商品后重试。"
    )
    assert _nothing_saved() == (0, 0, 0)


# --- processing -----------------------------------------------------------------------------


def test_processing_creates_one_indicative_quote_per_vendor_from_list_prices():
    (a, _), (b, _) = make_vendor("甲"), make_vendor("乙")
    screen = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")], lead_time_days=20)
    platform = stocked_product(vendors=[(a, "398000.00")], price_is_from=True, tax_rate=Decimal("0.06"))
    qr = submit_request(lines=[(screen, 2), (platform, 1)])
    # when the worker processes it
    assert services.quote_request_process(quote_request_id=qr.pk) == "processed"
    qr.refresh_from_db()
    # then each vendor has one quote with its own lines at its list prices
    assert qr.status == "quoted"
    quotes = {vq.partner.name: vq for vq in qr.vendor_quotes.all()}
    assert set(quotes) == {"甲", "乙"}
    qa, qb = quotes["甲"], quotes["乙"]
    assert (qa.status, qa.is_indicative, qa.lead_time_days, qa.pdf_state) == (
        "indicative",
        True,
        20,
        "pending",
    )
    assert [(line.unit_price_incl_tax, line.quantity, line.is_from_price) for line in qa.lines.all()] == [
        (Decimal("11800.00"), 2, False),
        (Decimal("398000.00"), 1, True),
    ]
    assert [line.unit_price_incl_tax for line in qb.lines.all()] == [Decimal("11500.00")]
    totals = qa.totals()
    assert totals["incl"] == Decimal("421600.00")
    assert [(r["rate"], r["excl"], r["tax"]) for r in totals["by_rate"]] == [
        (Decimal("0.13"), Decimal("20884.96"), Decimal("2715.04")),
        (Decimal("0.06"), Decimal("375471.70"), Decimal("22528.30")),
    ]
    assert list(qr.events.values_list("kind", "from_status", "to_status")) == [
        ("submitted", "", "submitted"),
        ("processing", "submitted", "processing"),
        ("routed", "processing", "quoted"),
    ]


def test_processing_twice_equals_processing_once():
    (a, _), (b, _) = make_vendor(), make_vendor()
    product = stocked_product(vendors=[(a, "100.00"), (b, "90.00")])
    qr = submit_request(lines=[(product, 5)])
    process(qr)
    counts = (VendorQuote.objects.count(), VendorQuoteLine.objects.count(), QuoteRequestEvent.objects.count())
    # when processed again
    assert services.quote_request_process(quote_request_id=qr.pk) == "skipped"
    # then nothing new was created
    assert (
        VendorQuote.objects.count(),
        VendorQuoteLine.objects.count(),
        QuoteRequestEvent.objects.count(),
    ) == counts
    assert counts == (2, 2, 3)


def test_inquiry_goes_to_three_vendors_of_the_category_each_quoting_every_line():
    product, vendors = three_vendor_category()
    qr = process(submit_request(lines=[(product, 4)], procurement_method="inquiry"))
    quotes = {vq.partner.name: vq for vq in qr.vendor_quotes.all()}
    assert set(quotes) == {"甲供应商", "乙供应商", "丙供应商"}
    # the vendor stocking it has an indicative price; the others quote from scratch
    assert quotes["甲供应商"].status == "indicative"
    assert [line.unit_price_incl_tax for line in quotes["甲供应商"].lines.all()] == [Decimal("5000.00")]
    assert quotes["乙供应商"].status == "pending"
    assert [(line.unit_price_incl_tax, line.quantity) for line in quotes["乙供应商"].lines.all()] == [
        (None, 4)
    ]


def test_single_source_goes_to_the_one_cheapest_vendor():
    (a, _), (b, _) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "100.00"), (b, "90.00")])
    qr = process(submit_request(lines=[(product, 1)], procurement_method="single_source"))
    assert [vq.partner.name for vq in qr.vendor_quotes.all()] == ["乙"]


# --- PDF and e-mail steps -------------------------------------------------------------------


def test_pdf_step_renders_a_pdf_once():
    a, _ = make_vendor("甲")
    product = stocked_product(vendors=[(a, "11800.00")])
    qr = process(submit_request(lines=[(product, 2)]))
    vq = qr.vendor_quotes.get()
    # when the PDF step runs twice
    first = services.vendor_quote_render_pdf(vendor_quote_id=vq.pk)
    second = services.vendor_quote_render_pdf(vendor_quote_id=vq.pk)
    vq.refresh_from_db()
    # then it rendered once
    assert (first, second) == ("done", "skipped")
    assert (vq.pdf_state, vq.pdf_rendered_version, vq.pdf_attempts) == ("done", 1, 0)
    data = vq.pdf.read()
    assert data.startswith(b"%PDF-") and len(data) > 2000
    # with its own font embedded (a Noto Sans SC subset), naming no font the reader must have
    assert b"STSong-Light" not in data and b"/FontFile2" in data and b"NotoSansSC-Regular" in data


def test_pdf_step_retries_then_marks_the_quote_failed_and_logs(monkeypatch, settings, caplog):
    settings.QUOTES_STEP_MAX_ATTEMPTS = 2
    a, _ = make_vendor()
    qr = process(submit_request(lines=[(stocked_product(vendors=[(a, "10.00")]), 1)]))
    vq = qr.vendor_quotes.get()

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("shop.quotes.pdf.render_vendor_quote_pdf", broken)
    # first attempt: an error, a retry is due
    with pytest.raises(OSError):
        services.vendor_quote_render_pdf(vendor_quote_id=vq.pk)
    vq.refresh_from_db()
    assert (vq.pdf_state, vq.pdf_attempts) == ("pending", 1)
    # second attempt reaches the cap: failed, visible, logged — not dropped
    assert services.vendor_quote_render_pdf(vendor_quote_id=vq.pk) == "failed"
    vq.refresh_from_db()
    assert (vq.pdf_state, vq.pdf_attempts) == ("failed", 2)
    assert "disk full" in vq.last_error
    assert vq.events.filter(kind="failed").count() == 1
    assert qr.has_failures is True
    assert "failed after 2 attempts" in caplog.text


def test_vendor_and_buyer_mails_are_sent_once_in_chinese():
    a, vendor_user = make_vendor("甲")
    qr = process(submit_request(lines=[(stocked_product(vendors=[(a, "100.00")], title="门禁一体机"), 3)]))
    vq = qr.vendor_quotes.get()
    for _ in range(2):
        services.vendor_quote_mail_vendor(vendor_quote_id=vq.pk)
        services.quote_request_mail_buyer(quote_request_id=qr.pk)
    assert deliver_outbox() == 2
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([vendor_user.email], f"【湘慧商城】新的询价 {qr.number}：长沙市数据资源局"),
        (["liming@example.com"], f"【湘慧商城】您的询价 {qr.number} 已发送给供应商"),
    ]
    assert "门禁一体机 × 3 台（参考价 ¥100.00）" in mail.outbox[0].body
    assert "甲：参考报价（含税）¥300.00" in mail.outbox[1].body


# --- beat jobs ------------------------------------------------------------------------------


def test_expire_moves_quotes_past_validity_then_the_request():
    a, _ = make_vendor()
    qr = process(submit_request(lines=[(stocked_product(vendors=[(a, "100.00")]), 1)]))
    vq = qr.vendor_quotes.get()
    later = vq.valid_until + timedelta(seconds=1)
    # before the validity ends nothing happens
    assert services.quotes_expire(now=vq.valid_until - timedelta(seconds=1)) == {"quotes": 0, "requests": 0}
    # after it, the quote and then the request expire
    assert services.quotes_expire(now=later) == {"quotes": 1, "requests": 1}
    vq.refresh_from_db()
    qr.refresh_from_db()
    assert (vq.status, qr.status) == ("expired", "expired")
    assert vq.events.filter(kind="expired").values_list("note", flat=True).get() == "超过报价有效期。"


def test_vendors_are_reminded_once_after_24_hours():
    a, vendor_user = make_vendor()
    qr = process(submit_request(lines=[(stocked_product(vendors=[(a, "100.00")]), 1)]))
    now = timezone.now()
    assert services.quotes_remind_vendors(now=now + timedelta(hours=23)) == 0
    assert services.quotes_remind_vendors(now=now + timedelta(hours=25)) == 1
    assert services.quotes_remind_vendors(now=now + timedelta(hours=26)) == 0
    assert deliver_outbox() == 1
    assert [m.subject for m in mail.outbox] == [f"【湘慧商城】请尽快报价：询价 {qr.number}"]
    assert mail.outbox[0].to == [vendor_user.email]
    assert VendorQuoteEvent.objects.filter(kind="reminded").count() == 1


def test_sweep_finds_every_unfinished_step_older_than_the_grace_period():
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    waiting = submit_request(lines=[(product, 1)])
    processed = process(submit_request(lines=[(product, 2)]))
    now = timezone.now()
    # within the grace period nothing is re-enqueued
    assert set(services.quotes_sweep(now=now, grace_seconds=60).values()) == {0}
    # after it: the unprocessed request, and the processed one's pending PDF and e-mails
    found = services.quotes_sweep(now=now + timedelta(seconds=61), grace_seconds=60)
    assert found == {
        "quote_request_process": 1,
        "quote_request_mail_buyer": 1,
        "vendor_quote_render_pdf": 1,
        "vendor_quote_mail_vendor": 1,
        "vendor_quote_event_notify": 0,
    }
    assert waiting.pk != processed.pk
