"""The Chinese 报价单 PDF of one vendor quote (reportlab), with its CJK font embedded.

The story is laid out once to know its text, then built with a subset of Noto Sans CJK SC cut
for exactly that text (``shop.core.pdffont.cjk_font``), so the PDF reads the same on any machine
(no reliance on the reader having STSong). ``invariant=True``: the same quote on the same day
gives the same bytes."""

import io
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shop.core.money import rmb_upper
from shop.core.pdffont import cjk_font
from shop.core.tax import vat_footnote, vat_rate_percent

LAYOUT_FONT = "Helvetica"  # the first pass only collects the text; nothing is drawn with it


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"¥{value:,.2f}"


def _rate(value: Decimal) -> str:
    return vat_rate_percent(value)


def render_vendor_quote_pdf(*, vendor_quote) -> bytes:
    text = _story_text(_story(vendor_quote, font=LAYOUT_FONT))
    story = _story(vendor_quote, font=cjk_font(text))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"报价单 {vendor_quote.number}",
        author=settings.OSCAR_SHOP_NAME,
        invariant=True,
    )
    doc.build(story)
    return buf.getvalue()


def _story_text(story) -> str:
    """Every character the story shows (paragraphs and table cells)."""
    parts = []
    for flowable in story:
        if isinstance(flowable, Paragraph):
            parts.append(flowable.getPlainText())
        elif isinstance(flowable, Table):
            for row in flowable._cellvalues:
                for cell in row:
                    parts.append(cell.getPlainText() if isinstance(cell, Paragraph) else str(cell))
    return "".join(parts)


def _story(vendor_quote, *, font: str) -> list:
    vq = vendor_quote
    qr = vq.request
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14)
    small = ParagraphStyle(
        "small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")
    )
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER)
    head = ParagraphStyle("head", parent=base, fontSize=11, leading=16, spaceBefore=6)

    story = [_p("报 价 单", title)]
    if vq.is_indicative:
        story.append(_p("（参考报价：按目录价 / 起价自动生成，最终价格以供应商确认报价为准）", small))
    story.append(Spacer(1, 4 * mm))

    valid = timezone.localtime(vq.valid_until).strftime("%Y年%m月%d日") if vq.valid_until else "—"
    info = [
        [_p(f"报价单号：{vq.number}", base), _p(f"询价单号：{qr.number}", base)],
        [
            _p(f"报价日期：{timezone.localtime().strftime('%Y年%m月%d日')}", base),
            _p(f"报价有效期至：{valid}", base),
        ],
        [
            _p(f"采购方：{qr.org_name}", base),
            _p(f"统一社会信用代码：{qr.org_uscc}", base),
        ],
        [
            _p(f"联系人：{qr.contact_name}　{qr.contact_mobile}", base),
            _p(f"收货地区：{qr.delivery_region}", base),
        ],
        [_p(f"供应商：{vq.partner.name}", base), _p(f"平台：{settings.OSCAR_SHOP_NAME}", base)],
    ]
    t = Table(info, colWidths=[90 * mm, 90 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    story += [t, Spacer(1, 4 * mm), _p("报价明细", head)]

    rows = [["序号", "商品", "数量", "单位", "不含税单价", "税率", "含税单价", "含税金额"]]
    for i, line in enumerate(vq.lines.select_related("request_line").order_by("request_line_id"), start=1):
        title_text = line.request_line.title + ("（起价）" if line.is_from_price else "")
        rows.append(
            [
                str(i),
                _p(title_text, base),
                str(line.quantity),
                line.request_line.unit,
                _money(line.unit_price_excl_tax),
                _rate(line.tax_rate),
                _money(line.unit_price_incl_tax),
                _money(line.line_total_incl_tax) if line.unit_price_incl_tax is not None else "未报价",
            ]
        )
    lines_table = Table(
        rows,
        colWidths=[10 * mm, 52 * mm, 14 * mm, 12 * mm, 25 * mm, 13 * mm, 25 * mm, 29 * mm],
        repeatRows=1,
    )
    lines_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [lines_table, Spacer(1, 4 * mm), _p("税额明细", head)]

    totals = vq.totals()
    tax_rows = [["税率", "不含税金额", "税额", "含税金额"]]
    for row in totals["by_rate"]:
        tax_rows.append(
            [_rate(row["rate"]), _money(row["excl"]), _money(row["tax"]), _money(row["excl"] + row["tax"])]
        )
    tax_rows.append(["合计", _money(totals["excl"]), _money(totals["tax"]), _money(totals["incl"])])
    tax_table = Table(tax_rows, colWidths=[30 * mm, 50 * mm, 50 * mm, 50 * mm])
    tax_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    story += [
        tax_table,
        Spacer(1, 4 * mm),
        _p(f"报价总额（含税）：{_money(totals['incl'])}", head),
        _p(f"大写：人民币{rmb_upper(totals['incl'])}", head),
        Spacer(1, 3 * mm),
        _p(f"交货期：{vq.lead_time_days} 天" if vq.lead_time_days else "交货期：以供应商确认为准", base),
        _p(f"报价有效期至：{valid}", base),
    ]
    if vq.terms:
        story.append(Paragraph("报价条款：" + _escape(vq.terms).replace("\n", "<br/>"), base))
    story += [
        Spacer(1, 6 * mm),
        _p(
            # the rates actually on this quote (shop.core.tax), not a fixed 13%/6% sentence
            "说明："
            + vat_footnote(row["rate"] for row in totals["by_rate"])
            + "报价在有效期内有效，逾期需重新报价。",
            small,
        ),
    ]
    return story


def _p(text: str, style) -> Paragraph:
    """A paragraph of plain text (user input is never read as markup)."""
    return Paragraph(_escape(str(text)), style)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
