from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shop.core.tax import (
    VAT_RATES,
    parse_vat_rate,
    product_vat_rate,
    validate_vat_rate,
    vat_footnote,
    vat_rate_choices,
    vat_rate_label,
)
from tests.factories.catalogue import ChildProductFactory, ParentProductFactory


def test_vat_rates_are_the_six_chinese_rates():
    # given the one tax-rate source, then it holds 13/9/6/3/1/0% as Decimal
    assert VAT_RATES == tuple(Decimal(r) for r in ("0.13", "0.09", "0.06", "0.03", "0.01", "0.00"))
    assert vat_rate_choices()[0] == ("0.13", "13%（货物）")
    assert vat_rate_choices()[-1] == ("0.00", "0%（零税率/免税）")
    assert vat_rate_label(Decimal("0.06")) == "6%（服务）"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("13%", "0.13"),
        ("0.09", "0.09"),
        ("1", "0.01"),
        ("0", "0.00"),
        (Decimal("0.030"), "0.03"),
        ("6％", "0.06"),
    ],
)
def test_parse_vat_rate_reads_fractions_and_percentages(value, expected):
    # when parsing, then the stored fraction comes back with two places
    assert parse_vat_rate(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["0.125", "17%", "abc", "", None, "NaN", Decimal("13")])
def test_parse_and_validate_vat_rate_refuse_other_rates_in_chinese(value):
    # when an unknown rate is given, then a Chinese message lists the allowed ones
    with pytest.raises(ValidationError) as exc:
        parse_vat_rate(value)
    assert "税率只能是 0%、1%、3%、6%、9%、13%" in exc.value.messages[0]


@pytest.mark.parametrize("value", [Decimal("0.125"), Decimal("0.17"), Decimal("13"), None])
def test_validate_vat_rate_refuses_values_outside_the_list(value):
    with pytest.raises(ValidationError) as exc:
        validate_vat_rate(value)
    assert exc.value.code == "vat_rate"


@pytest.mark.django_db
def test_product_vat_rate_uses_own_rate_then_parent_then_goods_rate():
    # given a 0% product, a child with a stray stored rate, and no product at all
    parent = ParentProductFactory(tax_rate=Decimal("0.00"))
    child = ChildProductFactory(parent=parent, tax_rate=Decimal("0.00"))
    child.tax_rate = Decimal("0.17")
    # then each resolves to a rate of VAT_RATES (0% stays 0%, never 13%)
    assert product_vat_rate(parent) == Decimal("0.00")
    assert product_vat_rate(child) == Decimal("0.00")
    assert product_vat_rate(None) == Decimal("0.13")


def test_vat_footnote_lists_the_rates_used_highest_first():
    # given the rates on a document, then the footnote names exactly those
    assert vat_footnote([Decimal("0.06"), Decimal("0.13"), Decimal("0.060")]) == (
        "以上价格为含税价，适用增值税税率：13%（货物）、6%（服务）。"
    )
    assert vat_footnote([Decimal("0")]) == "以上价格为含税价，适用增值税税率：0%（零税率/免税）。"
