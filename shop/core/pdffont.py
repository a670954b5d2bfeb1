"""The CJK font every PDF of the mall embeds (contracts, 验收单, quotes, invoices).

The font is Noto Sans CJK SC (SIL Open Font License), shipped as a Python wheel. Its outlines
are PostScript (CFF2, variable), which reportlab cannot embed, so for each document we cut a
subset of exactly the characters the document uses, fix the weight, convert the outlines to
TrueType quadratics (fontTools' cu2qu) and register that subset with reportlab. reportlab then
embeds it (FontFile2), so the PDF looks the same on any machine, whatever fonts it has.

Usage::

    font = cjk_font(all_text_of_the_document)            # regular
    bold = cjk_font(all_text_of_the_document, bold=True)  # headings

The registered name is derived from the character set and weight, so the same text gives the
same font name and byte-identical font data (documents rendered twice with reportlab's
``invariant=True`` are byte-identical). A bounded number of subsets stays registered.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections import OrderedDict
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

REGULAR = 400
BOLD = 700
SC_INDEX = 2  # the collection's faces: JP, KR, SC, TC, HK
KEEP_REGISTERED = 32
# Always in the subset, so figures, Latin, punctuation and 大写 amounts never fall back.
BASE_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "¥×÷—–…‘’“”·、。，：；？！（）【】《》〈〉「」『』〔〕％＃＠＆＊＋－／＝～"
    + "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整圆正〇一二三四五六七八九十百千年月日第页共号"
    + "□☑√"
)

_lock = threading.Lock()
_registered: OrderedDict[str, str] = OrderedDict()


@lru_cache(maxsize=1)
def font_path() -> str:
    import manimgx_fonts_cjk

    return os.path.join(os.path.dirname(manimgx_fonts_cjk.__file__), "NotoSansCJK-VF.otf.ttc")


def _charset(text: str) -> str:
    chars = set(BASE_CHARS)
    chars.update(ch for ch in text if ch.isprintable() and ch not in "\r\n\t")
    return "".join(sorted(chars))


def subset_ttf(text: str, *, weight: int = REGULAR) -> bytes:
    """A TrueType (glyf) font of Noto Sans CJK SC at ``weight`` covering ``text``."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.tables._g_l_y_f import table__g_l_y_f

    font = TTFont(font_path(), fontNumber=SC_INDEX, lazy=False)
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.hinting = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GPOS", "GSUB", "GDEF", "STAT", "MVAR", "HVAR"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_charset(text))
    subsetter.subset(font)

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet(location={"wght": weight})
    glyf = table__g_l_y_f()
    glyf.glyphOrder = order
    glyf.glyphs = {}
    hmtx = font["hmtx"]
    for name in order:
        pen = TTGlyphPen(None)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
        hmtx.metrics[name] = (round(glyphs[name].width), hmtx.metrics[name][1])
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "CFF2", "fvar", "gvar", "avar", "VVAR"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    style = "Bold" if weight >= BOLD else "Regular"
    names = font["name"]
    names.names = [record for record in names.names if record.nameID not in (1, 2, 3, 4, 6, 16, 17)]
    for name_id, value in (
        (1, "Noto Sans SC"),
        (2, style),
        (3, f"NotoSansSC-{style}"),
        (4, f"Noto Sans SC {style}"),
        (6, f"NotoSansSC-{style}"),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def cjk_font(text: str, *, bold: bool = False) -> str:
    """Register (once) and return the reportlab font name of a subset covering ``text``."""
    weight = BOLD if bold else REGULAR
    charset = _charset(text)
    digest = hashlib.sha256(f"{weight}:{charset}".encode()).hexdigest()[:16]
    name = f"NotoSansSC-{weight}-{digest}"
    with _lock:
        if name in _registered:
            _registered.move_to_end(name)
            return name
    data = subset_ttf(charset, weight=weight)
    with _lock:
        if name not in _registered:
            font = ReportlabTTFont(name, io.BytesIO(data))
            # reportlab maps a dynamic font whose face name (NotoSansSC-Regular, the same for
            # every subset) it has seen before to the first font registered under it, so each
            # later subset would draw with the first one's glyphs (characters missing from it
            # come out blank): forget the face name first, so this subset registers as itself
            pdfmetrics._dynFaceNames.pop(font.face.name, None)
            pdfmetrics.registerFont(font)
            _registered[name] = name
            while len(_registered) > KEEP_REGISTERED:
                old, _ = _registered.popitem(last=False)
                pdfmetrics._fonts.pop(old, None)
        return name
