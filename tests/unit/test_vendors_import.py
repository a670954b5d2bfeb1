"""Bulk listing: CSV/XLSX validated row by row, valid rows imported (pending review), a Chinese
report of the failed rows, progress as JSON, a downloadable template, safe to run twice."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from oscar.core.loading import get_model

from shop.vendors import importer, services
from shop.vendors.models import ProductImport, VendorProduct
from shop.vendors.tasks import run_product_import
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import child_category, make_vendor_product, product_class, root_category

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

HEADER = [
    "商品名称*",
    "商品类型*",
    "商品分类*",
    "供应商SKU*",
    "单价（元）*",
    "库存数量",
    "税率",
    "支持OEM",
    "OEM最小起订量",
    "交期（天）",
]


@pytest.fixture
def catalogue_setup():
    pc = product_class("智慧城市设备")
    city = root_category("智慧城市")
    light = child_category(city, "智慧照明")
    return pc, city, light


def rows_good_and_bad():
    return [
        [
            "智慧路灯控制器",
            "智慧城市设备",
            "智慧城市 > 智慧照明",
            "LC-100",
            "1280.00",
            "500",
            "13%",
            "是",
            "100",
            "15",
        ],
        ["", "智慧城市设备", "智慧城市", "LC-101", "99", "", "", "", "", ""],  # no title
        ["环境监测站", "不存在的类型", "智慧城市", "EM-1", "abc", "-3", "8%", "也许", "0", "400"],
        ["单灯控制器", "智慧城市设备", "智慧照明", "LC-100", "10", "1", "", "", "", ""],  # SKU repeated
        ["井盖传感器", "智慧城市设备", "智慧城市", "WS-9", "35.5", "20", "0.09", "否", "", "7"],
    ]


def csv_upload(rows, name="products.csv", header=HEADER, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def xlsx_upload(rows, name="products.xlsx", header=HEADER):
    wb = Workbook()
    sheet = wb.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def run_import(user, upload) -> ProductImport:
    product_import = services.product_import_create(user=user, upload=upload)
    run_product_import(product_import.pk)  # the task, run eagerly
    product_import.refresh_from_db()
    return product_import


def assert_good_and_bad_report(product_import, partner):
    assert product_import.status == "done"
    assert product_import.total_rows == 5
    rows = {r.row_number: r for r in product_import.rows.all()}
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert [n for n, r in rows.items() if r.ok] == [2, 6]
    assert rows[3].errors == ["“商品名称”为必填项。"]
    assert rows[4].errors == [
        "商品类型“不存在的类型”不存在。",
        "“单价（元）”应为数字，当前为“abc”。",
        "“库存数量”应在 0 到 1000000000 之间，当前为 -3。",
        "“税率”只能是 0%、1%、3%、6%、9% 或 13%，当前为“8%”。",
        "“支持OEM”只能填“是”或“否”，当前为“也许”。",
        "“OEM最小起订量”应在 1 到 1000000000 之间，当前为 0。",
        "“交期（天）”应在 0 到 365 之间，当前为 400。",
    ]
    assert rows[5].errors == ["供应商SKU“LC-100”与第 2 行重复。"]
    # the valid rows are the vendor's products, waiting for review, with their stock records
    lamp = Product.objects.get(title="智慧路灯控制器")
    assert (lamp.review_status, lamp.is_public) == ("pending", False)
    assert (lamp.tax_rate, lamp.supports_oem, lamp.oem_min_quantity, lamp.lead_time_days) == (
        Decimal("0.13"),
        True,
        100,
        15,
    )
    assert [c.name for c in lamp.categories.all()] == ["智慧照明"]
    record = StockRecord.objects.get(product=lamp)
    assert (record.partner, record.partner_sku, record.price, record.num_in_stock) == (
        partner,
        "LC-100",
        Decimal("1280.00"),
        500,
    )
    assert VendorProduct.objects.get(product=lamp).partner == partner
    sensor = Product.objects.get(title="井盖传感器")
    assert (sensor.tax_rate, sensor.supports_oem, sensor.lead_time_days) == (Decimal("0.09"), False, 7)
    assert StockRecord.objects.get(product=sensor).price == Decimal("35.50")
    assert not Product.objects.filter(title__in=["环境监测站", "单灯控制器"]).exists()


def test_csv_import_imports_good_rows_and_reports_bad_ones(catalogue_setup, client):
    vendor, partner = make_vendor_user()
    product_import = run_import(vendor, csv_upload(rows_good_and_bad()))
    assert_good_and_bad_report(product_import, partner)
    # the report page lists every failed row and why, in Chinese
    client.force_login(vendor)
    page = client.get(reverse("dashboard:vendors-import-detail", args=[product_import.pk]))
    body = page.content.decode()
    assert "共 5 行：成功 2 行，失败 3 行" in body
    assert "第 4 行" in body and "商品类型“不存在的类型”不存在。" in body
    assert "供应商SKU“LC-100”与第 2 行重复。" in body
    assert 'src="/static/shop/js/vendors-import-progress.js"' in body
    assert "<script>" not in body
    progress = client.get(reverse("dashboard:vendors-import-progress", args=[product_import.pk])).json()
    assert progress == {
        "id": product_import.pk,
        "status": "done",
        "status_display": "已完成",
        "total": 5,
        "processed": 5,
        "ok": 2,
        "failed": 3,
        "percent": 100,
        "finished": True,
        "error": "",
    }


def test_xlsx_import_works_the_same(catalogue_setup):
    vendor, partner = make_vendor_user()
    rows = rows_good_and_bad()
    rows[0][4] = 1280  # numbers as Excel numbers
    rows[0][5] = 500
    product_import = run_import(vendor, xlsx_upload(rows))
    assert product_import.kind == "xlsx"
    assert_good_and_bad_report(product_import, partner)


def test_gbk_csv_from_excel_is_read(catalogue_setup):
    vendor, _partner = make_vendor_user()
    product_import = run_import(vendor, csv_upload([rows_good_and_bad()[0]], encoding="gb18030"))
    assert list(product_import.rows.values_list("ok", flat=True)) == [True]


def test_a_category_whose_name_has_a_slash_is_found_by_its_name(catalogue_setup):
    # given the mall's own category 党政企会议/教育一体机 (a "/" in its name, not a path)
    displays = root_category("党政企会议/教育一体机")
    vendor, _partner = make_vendor_user()
    row = [
        "星辰 75 寸会议平板",
        "智慧城市设备",
        "党政企会议/教育一体机",
        "XC-75",
        "10800",
        "5",
        "",
        "",
        "",
        "",
    ]
    # when a vendor imports a product into it, and another one by the "A > B" path
    path_row = ["路灯网关", "智慧城市设备", "智慧城市/智慧照明", "LG-1", "99", "1", "", "", "", ""]
    product_import = run_import(vendor, csv_upload([row, path_row]))
    # then both rows are imported into their categories
    assert [(r.ok, r.errors) for r in product_import.rows.order_by("row_number")] == [(True, []), (True, [])]
    assert [c.name for c in Product.objects.get(title="星辰 75 寸会议平板").categories.all()] == [
        displays.name
    ]
    assert [c.name for c in Product.objects.get(title="路灯网关").categories.all()] == ["智慧照明"]


def test_running_the_import_twice_imports_each_row_once(catalogue_setup):
    vendor, _partner = make_vendor_user()
    product_import = run_import(vendor, csv_upload(rows_good_and_bad()))
    # a re-delivered task after completion, and a re-run from the middle, change nothing
    run_product_import(product_import.pk)
    assert Product.objects.filter(title="智慧路灯控制器").count() == 1
    ProductImport.objects.filter(pk=product_import.pk).update(status="running")
    run_product_import(product_import.pk)
    assert Product.objects.filter(title="智慧路灯控制器").count() == 1
    assert product_import.rows.count() == 5


def test_same_sku_updates_the_vendors_product_and_sends_it_back_to_review(catalogue_setup):
    vendor, partner = make_vendor_user()
    existing = make_vendor_product(partner=partner, title="旧名称", sku="LC-100", price=Decimal("1.00"))
    product_import = run_import(vendor, csv_upload([rows_good_and_bad()[0]]))
    row = product_import.rows.get()
    assert (row.ok, row.created, row.product_id) == (True, False, existing.pk)
    existing.refresh_from_db()
    assert (existing.title, existing.review_status, existing.is_public) == (
        "智慧路灯控制器",
        "pending",
        False,
    )
    assert existing.stockrecords.get().price == Decimal("1280.00")


def test_whole_file_problems_fail_the_import_with_a_chinese_message(catalogue_setup):
    vendor, _partner = make_vendor_user()
    missing = run_import(vendor, csv_upload([["x"]], header=["商品名称", "备注"]))
    assert missing.status == "failed"
    assert missing.error_message == "缺少必填列：商品类型、商品分类、供应商SKU、单价（元）。请使用模板填写。"
    empty = run_import(vendor, csv_upload([]))
    assert (empty.status, empty.error_message) == ("failed", "文件中没有数据行。")
    assert not Product.objects.exists()


def test_disguised_or_oversized_files_are_refused_at_upload(client, settings):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    url = reverse("dashboard:vendors-import-list")
    cases = [
        (
            SimpleUploadedFile("products.xlsx", b"PK\x03\x04 not really a zip"),
            "不支持的文件类型，仅接受：Excel (XLSX)。",
        ),
        (
            SimpleUploadedFile("products.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
            "文件扩展名“.csv”与文件内容不符。",
        ),
        (SimpleUploadedFile("products.exe", b"MZ\x90\x00"), "不支持的文件类型，仅接受：Excel (XLSX)。"),
    ]
    for upload, message in cases:
        response = client.post(url, {"file": upload})
        assert response.status_code == 200
        assert response.context["form"].errors["file"] == [message]
    settings.VENDOR_IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("products.csv", b"a," * (600 * 1024))
    response = client.post(url, {"file": big})
    assert response.context["form"].errors["file"] == ["文件过大：1.2 MB，最大允许 1 MB。"]
    assert ProductImport.objects.count() == 0


def test_upload_through_the_dashboard_enqueues_the_import(
    client, catalogue_setup, django_capture_on_commit_callbacks
):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("dashboard:vendors-import-list"), {"file": csv_upload(rows_good_and_bad())}
        )
    product_import = ProductImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:vendors-import-detail", args=[product_import.pk])
    assert len([c for c in callbacks if getattr(c, "task_name", "") == "vendors.run_product_import"]) == 1
    # before the task runs, the page shows the progress box polled by the static script
    page = client.get(response["Location"]).content.decode()
    assert 'data-finished="0"' in page
    assert (
        client.get(reverse("dashboard:vendors-import-progress", args=[product_import.pk])).json()["status"]
        == "queued"
    )


def test_operators_cannot_upload_but_see_all_imports(client, catalogue_setup):
    vendor, _partner = make_vendor_user()
    product_import = run_import(vendor, csv_upload(rows_good_and_bad()))
    client.force_login(OperatorFactory())
    page = client.get(reverse("dashboard:vendors-import-list"))
    assert list(page.context["imports"]) == [product_import]
    assert page.context["can_upload"] is False
    assert client.get(reverse("dashboard:vendors-import-detail", args=[product_import.pk])).status_code == 200


def test_template_files_have_the_columns_the_importer_reads(client):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    response = client.get(reverse("dashboard:vendors-import-template", args=["csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="product-import-template.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [importer.HEADER_TO_KEY[h.rstrip("*")] for h in header] == [c.key for c in importer.COLUMNS]
    response = client.get(reverse("dashboard:vendors-import-template", args=["xlsx"]))
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["商品", "填写说明"]
    assert [c.value for c in wb["商品"][1]] == header
    assert client.get(reverse("dashboard:vendors-import-template", args=["exe"])).status_code == 404
