"""One tax-rate source (shop.core.tax) in quotes, OEM, the quote PDF and the catalogue loader:
0/1/3/6/9/13% are kept as the product says, never turned into 13%."""

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from shop.oem import services as oem_services
from shop.quotes import services
from shop.quotes.forms import VendorAnswerForm
from shop.quotes.pdf import render_vendor_quote_pdf
from shop.quotes.services import PriceInput
from tests.factories.oem import (
    oem_private_root,  # noqa: F401  (fixture)
    oem_world,
    offered_oem_order,
)
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request
from tests.unit.test_quotes_pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


def test_a_zero_rated_product_is_quoted_at_0_percent_not_13():
    # given a 0% product (e.g. exempt software service)
    vendor, _ = make_vendor()
    product = stocked_product(vendors=[(vendor, "1000.00")], tax_rate=Decimal("0.00"))
    # when it is requested and routed
    qr = process(submit_request(lines=[(product, 1)]))
    # then the request line and the indicative quote keep 0%
    assert qr.lines.get().tax_rate == Decimal("0.00")
    vq = qr.vendor_quotes.get()
    assert vq.lines.get().tax_rate == Decimal("0.00")
    assert vq.totals()["tax"] == Decimal("0.00")


def test_a_vendor_may_answer_with_any_chinese_vat_rate():
    vendor, user = make_vendor()
    product = stocked_product(vendors=[(vendor, "1090.00")], title="施工安装")
    qr = process(submit_request(lines=[(product, 1)]))
    vq = qr.vendor_quotes.get()
    line = vq.lines.get()
    # the dashboard form offers every rate
    form = VendorAnswerForm(vendor_quote=vq)
    assert [value for value, _label in form.fields[f"rate_{line.pk}"].choices] == [
        "0.13",
        "0.09",
        "0.06",
        "0.03",
        "0.01",
        "0.00",
    ]
    # and the service takes 9% (construction), which it used to refuse
    vq = services.vendor_quote_answer(
        vendor_quote=vq,
        actor=user,
        prices={line.pk: PriceInput(Decimal("1090.00"), Decimal("0.09"))},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    assert vq.lines.get().tax_rate == Decimal("0.09")
    assert vq.totals()["by_rate"] == [
        {"rate": Decimal("0.09"), "excl": Decimal("1000.00"), "tax": Decimal("90.00")}
    ]


def test_the_pdf_footnote_names_the_rates_on_the_document():
    # given a quote with a 9% and a 0% line
    vendor, user = make_vendor("星城科技")
    works = stocked_product(vendors=[(vendor, "1090.00")], title="安装工程", tax_rate=Decimal("0.09"))
    exempt = stocked_product(vendors=[(vendor, "500.00")], title="技术咨询", tax_rate=Decimal("0.00"))
    qr = process(submit_request(lines=[(works, 1), (exempt, 1)]))
    vq = qr.vendor_quotes.get()
    # when its PDF is rendered
    text = pdf_text(render_vendor_quote_pdf(vendor_quote=vq)).replace("\n", "")
    # then the footnote lists exactly those rates, not a fixed 13%/6% sentence
    assert "适用增值税税率：9%（交通运输、建筑等）、0%（零税率/免税）。" in text
    assert "13%（货物）" not in text


def test_an_oem_order_line_carries_the_products_rate():
    world = oem_world(buyer_username="tax-buyer", tax_rate=Decimal("0.06"))
    order = offered_oem_order(buyer=world["buyer"], product=world["product"], vendor=world["vendor"])
    order = oem_services.oem_order_accept_offer(
        order=order, actor=world["buyer"], offer_revision=order.offer_revision
    )
    assert {line.tax_code for line in order.oscar_order.lines.all()} == {"0.06"}


def _catalogue_copy(tmp_path, change):
    target = tmp_path / "fixtures"
    shutil.copytree(settings.BASE_DIR / "catalog_fixtures", target)
    path = target / "06_traffic_brain.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["products"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_the_catalogue_loader_refuses_a_rate_that_is_not_a_vat_rate(tmp_path):
    fixtures = _catalogue_copy(tmp_path, lambda p: p.update(tax_rate=0.17))
    with pytest.raises(CommandError) as exc:
        call_command("load_catalogue", "--path", str(fixtures))
    assert (
        "字段 tax_rate：税率只能是 0.00、0.01、0.03、0.06、0.09、0.13（0%、1%、3%、6%、9%、13%），现为 0.17"
        in str(exc.value)
    )


def test_the_catalogue_loader_accepts_every_vat_rate(tmp_path):
    fixtures = _catalogue_copy(tmp_path, lambda p: p.update(tax_rate=0.01))
    call_command("load_catalogue", "--path", str(fixtures))
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product").objects.get(upc="XH-TRAFFIC-BRAIN")
    assert product.tax_rate == Decimal("0.01")


def test_the_product_import_takes_1_percent_and_refuses_17(tmp_path):
    # given an import file with a 1% row (small taxpayer) and a 17% row (no longer a rate)
    from tests.unit.test_import_products import row, run_import, write_jsonl

    path = write_jsonl(tmp_path / "p.jsonl", [row(1, tax_rate="0.01"), row(2, tax_rate="0.17")])
    # when it is imported
    _out, err = run_import(path)
    # then the 1% product exists with its rate and the 17% row is reported
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product").objects.get(upc="XH-T0001")
    assert product.tax_rate == Decimal("0.01")
    assert not get_model("catalogue", "Product").objects.filter(upc="XH-T0002").exists()
    assert "税率“0.17”无效，应为 0、0.01、0.03、0.06、0.09、0.13" in err
