"""The 采购合同 / 补充协议 PDF, rendered from a version's ``terms`` snapshot only.

The text is laid out first (``_Layout`` records every string), then the embedded CJK font is cut
for exactly that text (``shop.core.pdffont.cjk_font``) and the story is built with reportlab's
``invariant=True``: the same terms give byte-identical PDFs on any machine, so the SHA-256 a party
confirms identifies the text exactly. The signed PDF appends a 签署页 with both confirmations
(member, time, client address) and the hash of the PDF they confirmed."""

import io
from datetime import date

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shop.core.pdffont import cjk_font

GRID = colors.HexColor("#999999")
HEAD_BG = colors.HexColor("#e8eef7")


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(value: str, default: str = "") -> str:
    if not value:
        return default
    d = date.fromisoformat(value)
    return f"{d.year}年{d.month}月{d.day}日"


class _Layout:
    """Records the document as (kind, payload) blocks and all its text, before any font exists."""

    def __init__(self):
        self.blocks: list[tuple] = []
        self.text: list[str] = []

    def p(self, text: str, style: str = "base") -> None:
        self.blocks.append(("p", str(text), style))
        self.text.append(str(text))

    def space(self, height_mm: float) -> None:
        self.blocks.append(("space", height_mm))

    def table(
        self, rows: list[list[str]], widths: list[float], *, header: bool = True, right_from: int = 99
    ) -> None:
        self.blocks.append(("table", rows, widths, header, right_from))
        self.text.extend(str(c) for row in rows for c in row)

    def page_break(self) -> None:
        self.blocks.append(("break",))

    def build(self, *, title: str) -> bytes:
        text = "".join(self.text) + title
        regular, bold = cjk_font(text), cjk_font(text, bold=True)
        base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=15)
        styles = {
            "base": base,
            "small": ParagraphStyle(
                "small", parent=base, fontSize=8, leading=12, textColor=colors.HexColor("#555555")
            ),
            "title": ParagraphStyle(
                "title", parent=base, fontName=bold, fontSize=18, leading=26, alignment=TA_CENTER
            ),
            "head": ParagraphStyle(
                "head", parent=base, fontName=bold, fontSize=11, leading=17, spaceBefore=5
            ),
            "mono": ParagraphStyle("mono", parent=base, fontSize=8.5, leading=12),
        }
        cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
        story = []
        for block in self.blocks:
            if block[0] == "p":
                story.append(Paragraph(_escape(block[1]).replace("\n", "<br/>"), styles[block[2]]))
            elif block[0] == "space":
                story.append(Spacer(1, block[1] * mm))
            elif block[0] == "break":
                story.append(PageBreak())
            else:
                _kind, rows, widths, header, right_from = block
                data = [
                    [Paragraph(_escape(c), cell) if len(str(c)) > 12 else str(c) for c in row] for row in rows
                ]
                t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0)
                commands = [
                    ("FONTNAME", (0, 0), (-1, -1), regular),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
                if header:
                    commands += [
                        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                        ("FONTNAME", (0, 0), (-1, 0), bold),
                    ]
                if right_from < len(widths):
                    commands.append(("ALIGN", (right_from, 1), (-1, -1), "RIGHT"))
                t.setStyle(TableStyle(commands))
                story.append(t)
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=title,
            author=settings.OSCAR_SHOP_NAME,
            invariant=True,
        )
        doc.build(story)
        return buf.getvalue()


def _parties(doc: _Layout, terms: dict) -> None:
    doc.table(
        [
            ["甲方（采购人）", terms["buyer"]["name"], "统一社会信用代码", terms["buyer"]["uscc"] or "—"],
            ["乙方（供应商）", terms["seller"]["name"], "统一社会信用代码", terms["seller"]["uscc"] or "—"],
        ],
        [26, 64, 28, 56],
        header=False,
    )


def _original(doc: _Layout, terms: dict) -> None:
    doc.p(f"合同编号：{terms['number']}　　订单编号：{terms['order_number']}", "base")
    doc.p(f"成交方式：{terms['source_label']}　　成交依据：{terms['award_reference']}", "base")
    doc.space(2)
    _parties(doc, terms)
    doc.space(2)
    doc.p(
        "甲、乙双方根据《中华人民共和国民法典》《中华人民共和国政府采购法》等法律法规及上述成交结果，"
        "经协商一致，订立本合同，共同遵守。",
        "base",
    )
    doc.p("第一条　合同标的", "head")
    rows = [["序号", "名称", "数量", "单位", "含税单价（元）", "税率", "含税金额（元）"]]
    for i, line in enumerate(terms["lines"], start=1):
        rows.append(
            [
                str(i),
                line["title"],
                str(line["quantity"]),
                line["unit"],
                line["unit_price"],
                line["tax_rate"],
                line["amount"],
            ]
        )
    rows.append(["合计", "", "", "", "", "", terms["total"]])
    doc.table(rows, [10, 62, 14, 12, 28, 14, 34], right_from=2)
    doc.p(terms["vat_footnote"], "small")
    doc.p("第二条　合同金额", "head")
    doc.p(f"合同总价（含税）：小写 {terms['total_text']}；大写 人民币{terms['total_upper']}。", "base")
    doc.p(
        f"其中增值税税额 ¥{terms['tax_total']}。合同总价包括货物（服务）、运输、安装调试、培训及税费等全部费用。",
        "base",
    )
    doc.p("第三条　交货", "head")
    doc.p(f"交货地点：{terms['delivery_place'] or '由甲方书面通知'}", "base")
    when = f"{_day(terms['delivery_date'])}前" if terms["delivery_date"] else "合同签订之日起 15 日内"
    doc.p(f"交货日期：{when}交货（可分批交货）。", "base")
    doc.p("第四条　履约验收", "head")
    doc.p(terms["acceptance_terms"], "base")
    doc.p("第五条　付款", "head")
    doc.p(
        f"甲方在履约验收合格之日起 {terms['payment_term_days']} 日内，向乙方支付合同款项"
        "（《保障中小企业款项支付条例》）；期限届满日为法定节假日的，顺延至其后第一个工作日。"
        "合同款项直接支付至乙方在湘慧商城登记并经核验的对公账户，不经湘慧商城代收代付。",
        "base",
    )
    doc.p("第六条　质量保证", "head")
    doc.p(terms["warranty"], "base")
    doc.p("第七条　发票", "head")
    doc.p("乙方按实际收款金额向甲方开具增值税发票。", "base")
    doc.p("第八条　违约责任与争议解决", "head")
    doc.p(
        "任何一方违约，应承担相应违约责任。因本合同引起的争议，双方协商解决；协商不成的，向甲方所在地人民法院提起诉讼。",
        "base",
    )
    doc.p("第九条　生效", "head")
    doc.p(
        "本合同经甲、乙双方在湘慧商城在线确认签订后生效。在线确认记录（确认人、时间、客户端地址及所确认合同文件的 "
        "SHA-256 校验值）附于签署页，与书面签章具有同等效力。合同签订后的变更须以补充协议形式经双方确认。",
        "base",
    )
    doc.p(f"合同生成日期：{_day(terms['created_on'])}", "small")


def _supplement(doc: _Layout, terms: dict) -> None:
    doc.p(f"补充协议编号：{terms['supplement_number']}　　原合同编号：{terms['number']}", "base")
    doc.p(f"原合同签订日期：{_day(terms['signed_on'], '—')}　　订单编号：{terms['order_number']}", "base")
    doc.space(2)
    _parties(doc, terms)
    doc.space(2)
    doc.p("甲、乙双方经协商一致，对原合同作如下变更，其余条款不变：", "base")
    rows = [["条款", "原约定", "变更为"]]
    rows += [[c["label"], c["old"], c["new"]] for c in terms["changes"]]
    doc.table(rows, [36, 69, 69])
    if terms.get("note"):
        doc.p(f"变更说明：{terms['note']}", "base")
    doc.p("本补充协议经双方在湘慧商城在线确认签订后生效，是原合同不可分割的组成部分。", "base")
    doc.p(f"生成日期：{_day(terms['created_on'])}", "small")


def render_contract_pdf(
    *,
    terms: dict,
    kind: str,
    title: str,
    confirmations: list[dict] | None = None,
    confirmed_sha256: str = "",
) -> bytes:
    """The PDF of one version. With ``confirmations``: the signed PDF, the same text followed by
    the 签署页 showing each confirmation and the SHA-256 of the PDF both confirmed."""
    doc = _Layout()
    doc.p(title, "title")
    doc.space(3)
    if kind == "original":
        _original(doc, terms)
    else:
        _supplement(doc, terms)
    if confirmations:
        doc.page_break()
        doc.p("签署页（在线确认签订记录）", "head")
        doc.p(f"双方确认的合同文件 SHA-256：{confirmed_sha256}", "mono")
        doc.space(2)
        rows = [["签订方", "单位", "确认人", "确认时间", "客户端地址"]]
        rows += [[c["side"], c["party"], c["member"], c["at"], c["address"]] for c in confirmations]
        doc.table(rows, [26, 50, 30, 36, 32])
        doc.space(2)
        for c in confirmations:
            doc.p(f"{c['side']}确认的文件 SHA-256：{c['sha256']}", "mono")
        doc.p("校验方法：对未附签署页的合同文件计算 SHA-256，应与上述校验值一致。", "small")
    number = terms.get("supplement_number") or terms["number"]
    return doc.build(title=f"{title} {number}")
