"""Site pages: the body markup (escaped, paragraphs, headings, lists) and the standard texts."""

import re

import pytest

from shop.sitepages.content import DEFAULT_PAGES, SLUGS
from shop.sitepages.markup import render_body

# 《广告法》第九条: absolute terms a page of the mall must not use.
ABSOLUTE_TERMS = ("最", "第一", "首创", "独家", "国家级", "顶级", "唯一")


def test_blank_lines_make_paragraphs_and_single_breaks_stay_breaks():
    assert render_body("第一行\n第二行\n\n另一段") == "<p>第一行<br>第二行</p>\n<p>另一段</p>"


def test_heading_and_list_lines_become_a_subheading_and_a_list():
    html = render_body("## 付款方式\n- 对公转账\n- 银行卡\n以上方式任选其一。")
    assert (
        html
        == '<h2 class="h5 mt-4">付款方式</h2>\n<ul><li>对公转账</li><li>银行卡</li></ul>\n<p>以上方式任选其一。</p>'
    )


def test_markup_from_an_operator_is_shown_as_text_never_as_html():
    html = render_body('<script>alert(1)</script>\n## <img src=x onerror="y">\n- <b>粗体</b>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        '<h2 class="h5 mt-4">&lt;img src=x onerror=&quot;y&quot;&gt;</h2>\n'
        "<ul><li>&lt;b&gt;粗体&lt;/b&gt;</li></ul>"
    )


def test_windows_line_ends_and_surrounding_blank_lines_change_nothing():
    assert render_body("\r\n\r\n甲\r\n乙\r\n\r\n\r\n丙\r\n") == "<p>甲<br>乙</p>\n<p>丙</p>"
    assert render_body("   \n\n") == ""


def test_the_five_standard_pages_exist_in_footer_order():
    assert SLUGS == ("contact", "help", "terms", "privacy", "vendor-rules")
    assert [DEFAULT_PAGES[s][0] for s in SLUGS] == [
        "联系我们",
        "帮助中心",
        "用户协议",
        "隐私政策",
        "入驻规则",
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_standard_texts_avoid_absolute_terms_and_hold_no_contact_details(slug):
    title, body = DEFAULT_PAGES[slug]
    text = title + body
    for term in ABSOLUTE_TERMS:
        assert term not in text, f"{slug}: {term}"
    # contact details come from settings (MALL_*), never from the page text
    assert not re.search(r"\d{3,4}-\d{7,8}", text)  # telephone numbers
    assert not re.search(r"1[3-9]\d{9}", text)  # mobile numbers
    assert "@" not in text
    assert len(body) > 200  # a real page, not a stub
