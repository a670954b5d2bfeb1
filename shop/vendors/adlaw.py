"""Absolute terms that 《中华人民共和国广告法》第九条第（三）项 forbids in advertising ("使用
"国家级"、"最高级"、"最佳"等用语"), flagged in a vendor's product title and description for
the operator's 商品审核. The one list of such terms in the project.

A flag is a prompt for the operator, not a verdict: "最" also starts harmless words, so the page
shows each hit highlighted in its sentence and the operator decides."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

# Longest first, so "全国第一" is one hit rather than "第一" inside it.
ABSOLUTE_TERMS = sorted(
    {
        "最",
        "第一",
        "首创",
        "首个",
        "首家",
        "首选",
        "独家",
        "唯一",
        "国家级",
        "世界级",
        "国际级",
        "顶级",
        "顶尖",
        "极致",
        "极品",
        "绝对",
        "万能",
        "至尊",
        "巅峰",
        "冠军",
        "王牌",
        "领袖品牌",
        "遥遥领先",
        "全网",
        "全球领先",
        "独一无二",
        "史无前例",
        "填补国内空白",
        "100%",
        "百分之百",
        "No.1",
        "NO.1",
        "TOP1",
        "Top1",
    },
    key=lambda t: (-len(t), t),
)
_PATTERN = re.compile("|".join(re.escape(t) for t in ABSOLUTE_TERMS), flags=re.IGNORECASE)


@dataclass(frozen=True)
class Flag:
    field: str  # 商品名称 / 商品描述
    terms: tuple[str, ...]  # distinct terms, in order of appearance
    highlighted: SafeString  # the text, escaped, each hit in <mark>


def plain_text(value: str) -> str:
    """A description (HTML from the dashboard's editor or an import) as plain text."""
    text = re.sub(r"<\s*(br\s*/?|/p|/div|/li)\s*>", "\n", value or "", flags=re.IGNORECASE)
    return html.unescape(strip_tags(text)).strip()


def absolute_terms(text: str) -> list[str]:
    """The forbidden terms in ``text``, each once, in order of appearance."""
    seen: list[str] = []
    for match in _PATTERN.finditer(text or ""):
        term = match.group(0)
        if term not in seen:
            seen.append(term)
    return seen


def highlight(text: str) -> SafeString:
    """``text`` escaped, with every forbidden term wrapped in <mark class="adlaw-term">."""
    out, last = [], 0
    for match in _PATTERN.finditer(text or ""):
        out.append(html.escape(text[last : match.start()]))
        out.append(f'<mark class="adlaw-term">{html.escape(match.group(0))}</mark>')
        last = match.end()
    out.append(html.escape((text or "")[last:]))
    return mark_safe("".join(out))


def product_flags(*, title: str, description: str) -> list[Flag]:
    """The flags for one product's title and description (empty when it has none)."""
    flags = []
    for field, text in (("商品名称", title or ""), ("商品描述", plain_text(description))):
        terms = absolute_terms(text)
        if terms:
            flags.append(Flag(field=field, terms=tuple(terms), highlighted=highlight(text)))
    return flags
