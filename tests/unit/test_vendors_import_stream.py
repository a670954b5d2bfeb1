"""A bulk-listing file over VENDOR_IMPORT_MAX_ROWS is refused after reading cap + 1 data rows,
never the whole file (shop.vendors.importer streams XLSX with openpyxl read_only)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shop.vendors import importer, services
from shop.vendors.tasks import run_product_import
from tests.factories.accounts import make_vendor_user

from .test_vendors_import import HEADER

CAP = 20
ROWS = 5000


def big_xlsx(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append([f"路灯控制器{n}", "智慧城市设备", "智慧城市", f"LC-{n}", 1280, 5, "", "", "", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Counted:
    """An iterator that counts the rows taken from it."""

    def __init__(self, rows):
        self.rows, self.taken = iter(rows), 0

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self.rows)
        self.taken += 1
        return row


def test_an_xlsx_over_the_row_cap_is_refused_after_reading_cap_plus_one_rows(settings):
    # given a cap of 20 rows and a file of 5,000
    settings.VENDOR_IMPORT_MAX_ROWS = CAP
    rows = Counted(importer.iter_table(big_xlsx(ROWS), "xlsx"))
    # when it is parsed
    with pytest.raises(importer.FileError) as exc:
        importer.parse_rows(rows)
    # then it is refused in Chinese after the header and 21 data rows, the rest never read
    assert str(exc.value) == "一次最多导入 20 行，本文件超过 20 行，请拆分后上传。"
    assert rows.taken == 1 + CAP + 1
    assert next(rows)[0] == f"路灯控制器{CAP + 1}"


def test_a_file_at_the_cap_is_accepted(settings):
    settings.VENDOR_IMPORT_MAX_ROWS = CAP
    parsed = importer.parse_file(big_xlsx(CAP), "xlsx")
    assert [number for number, _row in parsed.rows] == list(range(2, CAP + 2))


@pytest.mark.django_db
def test_the_import_of_a_file_over_the_cap_fails_with_the_chinese_message(settings):
    settings.VENDOR_IMPORT_MAX_ROWS = CAP
    vendor, _partner = make_vendor_user()
    upload = SimpleUploadedFile("products.xlsx", big_xlsx(CAP + 1))
    product_import = services.product_import_create(user=vendor, upload=upload)
    run_product_import(product_import.pk)
    product_import.refresh_from_db()
    assert (product_import.status, product_import.error_message) == (
        "failed",
        "一次最多导入 20 行，本文件超过 20 行，请拆分后上传。",
    )
    assert product_import.rows.count() == 0
