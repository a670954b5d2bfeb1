"""The 履约验收单 (acceptance certificate) PDF of one order: its lines with the quantities
ordered, delivered, accepted and rejected, every acceptance with its result, comments, who
recorded it and when, and whether the order is accepted in full.

Built only from stored rows (never "now"), with the embedded CJK font subset and
``invariant=True``: the same records give byte-identical PDFs on any machine."""

import io

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shop.core.pdffont import cjk_font

from . import selectors
from .models import Fulfilment


def _who(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _buyer_name(order) -> str:
    unit_id = selectors.order_unit_id(order)
    if unit_id is not None:
        return order.origin.unit.org_name
    return _who(order.user)


def acceptance_pdf(*, order, partner_ids: list[int] | None = None) -> bytes:
    """The order's 验收单; a vendor's copy (``partner_ids``) shows its own lines only."""
    fulfilment = Fulfilment.objects.filter(order_id=order.pk).select_related("accepted_by").first()
    done = fulfilment is not None and fulfilment.status == Fulfilment.Status.ACCEPTED
    lines = order.lines.order_by("pk")
    records = selectors.acceptance_records(order=order)
    if partner_ids is not None:
        lines = lines.filter(partner_id__in=partner_ids)
        records = records.filter(line__partner_id__in=partner_ids)
    views = selectors.line_views(order=order, lines=lines)
    records = list(records)
    sellers = sorted({v.line.partner_name for v in views if v.line.partner_name})

    title = "履 约 验 收 单"
    status = "全部验收合格" if done else "部分验收（尚未全部验收合格）"
    info = [
        (f"订单号：{order.number}", f"下单时间：{_when(order.date_placed)}"),
        (f"采购方：{_buyer_name(order)}", f"供应商：{'、'.join(sellers) or '—'}"),
        (f"验收状态：{status}", f"验收完成时间：{_when(fulfilment.accepted_at) if done else '—'}"),
    ]
    line_rows = [["序号", "商品/服务", "订购", "已交付", "验收合格", "不合格", "状态"]]
    for i, v in enumerate(views, start=1):
        s = v.state
        line_rows.append(
            [
                str(i),
                v.line.title,
                str(s.ordered),
                str(s.delivered),
                str(s.accepted),
                str(s.rejected),
                s.get_status_display(),
            ]
        )
    record_rows = [["验收时间", "商品/服务", "数量", "结论", "验收意见", "验收人"]]
    for a in records:
        record_rows.append(
            [
                _when(a.created_at),
                a.line.line.title,
                str(a.quantity),
                a.get_result_display(),
                a.comments or "—",
                _who(a.created_by),
            ]
        )
    signer = _who(fulfilment.accepted_by) if done else "—"
    closing = [
        f"验收人（采购方确认）：{signer}",
        f"确认时间：{_when(fulfilment.accepted_at) if done else '—'}",
        f"本验收单由{settings.OSCAR_SHOP_NAME}根据采购方在线登记的验收记录生成，记录不可更改。",
    ]

    texts = [title, "订单行", "验收记录", *[t for row in info for t in row], *closing]
    texts += [str(c) for row in line_rows + record_rows for c in row]
    everything = "".join(texts)
    font = cjk_font(everything)
    bold = cjk_font(everything, bold=True)

    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", parent=base, fontName=bold, fontSize=11, leading=16, spaceBefore=6)
    big = ParagraphStyle("title", parent=base, fontName=bold, fontSize=18, leading=24, alignment=TA_CENTER)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"履约验收单 {order.number}",
        author=settings.OSCAR_SHOP_NAME,
        invariant=True,
    )
    story = [_p(title, big), Spacer(1, 4 * mm)]
    t = Table([[_p(a, base), _p(b, base)] for a, b in info], colWidths=[90 * mm, 90 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    story += [t, Spacer(1, 3 * mm), _p("订单行", head)]
    story += [
        _table(line_rows, [10, 66, 18, 18, 20, 18, 30], font, bold, cell, wrap=(1, 6)),
        Spacer(1, 3 * mm),
    ]
    story += [_p("验收记录", head)]
    story += [
        _table(record_rows, [28, 46, 14, 16, 50, 26], font, bold, cell, wrap=(1, 4, 5)),
        Spacer(1, 6 * mm),
    ]
    story += [_p(text, base) for text in closing]
    doc.build(story)
    return buf.getvalue()


def _table(rows, widths_mm, font, bold, cell, *, wrap=()):
    data = [rows[0]] + [[_p(c, cell) if i in wrap else c for i, c in enumerate(row)] for row in rows[1:]]
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _p(text: str, style) -> Paragraph:
    """A paragraph of plain text (user input is never read as markup)."""
    return Paragraph(
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>"),
        style,
    )
