from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shop.core.money import rmb_upper, split_tax_inclusive
from shop.core.uploads import bytes_upload, check_svg, check_upload
from shop.core.validators import is_valid_uscc, uscc_check_character, validate_uscc


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buf, "PNG")
    return buf.getvalue()


PNG_1x1 = _png()


def test_uscc_check_character_matches_published_example():
    # given the first 17 characters of a published code, when computing, then the 18th is Y
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")


@pytest.mark.parametrize(
    "value,code",
    [
        ("91350100M000100Y44", "uscc_checksum"),
        ("9135010", "uscc_length"),
        ("91350100M000100YO3", "uscc_chars"),
    ],
)
def test_uscc_rejects_bad_codes_with_chinese_message(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert exc.value.code == code
    assert "统一社会信用代码" in exc.value.messages[0]


@pytest.mark.parametrize(
    "amount,text",
    [
        ("11800", "壹万壹仟捌佰元整"),
        ("398000", "叁拾玖万捌仟元整"),
        ("1000000", "壹佰万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1200345.07", "壹佰贰拾万零叁佰肆拾伍元零柒分"),
        ("0.50", "伍角整"),
    ],
)
def test_rmb_upper(amount, text):
    assert rmb_upper(Decimal(amount)) == text


def test_tax_split_adds_up_exactly():
    excl, tax = split_tax_inclusive(Decimal("11800"), Decimal("0.13"))
    assert (excl, tax) == (Decimal("10442.48"), Decimal("1357.52"))
    assert excl + tax == Decimal("11800.00")


def test_upload_accepts_png_by_content():
    checked = check_upload(bytes_upload(PNG_1x1, "logo.png"), allowed={"png"})
    assert checked.kind == "png" and checked.display_name == "logo.png"


def test_upload_rejects_disguised_file():
    with pytest.raises(ValidationError) as exc:
        check_upload(bytes_upload(b"MZ\x90\x00 not a pdf", "需求说明.pdf"), allowed={"pdf"})
    assert exc.value.code == "bad_type"


def test_upload_rejects_extension_mismatch_and_strips_paths():
    with pytest.raises(ValidationError) as exc:
        check_upload(bytes_upload(PNG_1x1, "logo.pdf"), allowed={"png", "pdf"})
    assert exc.value.code == "ext_mismatch"
    # a path in the name never reaches disk: only the sanitised last part is kept as a label
    checked = check_upload(bytes_upload(PNG_1x1, "../../etc/\u202elogo.png"), allowed={"png"})
    assert checked.display_name == "logo.png"


def test_upload_rejects_oversized(settings):
    with pytest.raises(ValidationError) as exc:
        check_upload(bytes_upload(b"%PDF-1.4" + b"0" * 2000, "a.pdf"), allowed={"pdf"}, max_bytes=1000)
    assert exc.value.code == "too_large"


def test_svg_with_script_is_rejected_and_clean_svg_passes():
    check_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>')
    with pytest.raises(ValidationError):
        check_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    with pytest.raises(ValidationError):
        check_svg(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')


def test_rmb_shows_money_with_thousands_separators_and_two_decimals():
    from shop.core.money import rmb
    from shop.core.templatetags.shop_money import rmb as rmb_filter

    assert rmb(Decimal("1034000")) == "¥1,034,000.00"
    assert rmb(Decimal("5660.375")) == "¥5,660.38"
    assert [rmb_filter(v) for v in (Decimal("999999.99"), "23600", None, "")] == [
        "¥999,999.99",
        "¥23,600.00",
        "—",
        "—",
    ]
