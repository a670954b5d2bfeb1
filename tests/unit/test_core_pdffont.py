"""PDFs embed their own CJK font: a TrueType subset of Noto Sans CJK SC cut per document."""

import io

from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from shop.core.pdffont import cjk_font

TEXT = "政府采购合同 甲方：长沙市某某局 合计 ¥12,345.60 人民币壹万贰仟叁佰肆拾伍元陆角整 喆珺"


def _render(text: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, invariant=True)
    doc.build(
        [
            Paragraph(text, ParagraphStyle("h", fontName=cjk_font(text, bold=True), fontSize=16)),
            Paragraph(text, ParagraphStyle("p", fontName=cjk_font(text))),
        ]
    )
    return buf.getvalue()


def test_the_pdf_embeds_a_truetype_subset_and_names_no_system_font():
    # given a document with Chinese, figures and rare characters (喆珺 are outside GB2312)
    data = _render(TEXT)
    reader = PdfReader(io.BytesIO(data))
    # then every font on the page is embedded (FontFile2) and is a subset of Noto Sans SC
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    # (reportlab lists its standard-14 Helvetica as the canvas's initial font; no text uses it)
    embedded = [font for font in fonts if font["/BaseFont"] != "/Helvetica"]
    assert sorted(str(font["/BaseFont"]).split("+")[1] for font in embedded) == [
        "NotoSansSC-Bold",
        "NotoSansSC-Regular",
    ]
    for font in embedded:
        assert "/FontFile2" in font["/FontDescriptor"]
    assert b"STSong" not in data
    # and the text reads back exactly
    assert TEXT.replace(" ", "") in reader.pages[0].extract_text().replace(" ", "").replace("\n", "")


def test_the_same_text_renders_byte_identical_pdfs_and_other_text_does_not():
    assert _render(TEXT) == _render(TEXT)
    assert _render(TEXT) != _render(TEXT + "。")


def test_regular_and_bold_are_different_subsets():
    assert cjk_font(TEXT) != cjk_font(TEXT, bold=True)
    assert cjk_font(TEXT) == cjk_font(TEXT)
