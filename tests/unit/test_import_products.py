"""manage.py import_products: bulk JSON-lines import (the benchmark generator's format) and our
catalogue YAML; bad rows reported and skipped, re-import idempotent, results visible at once."""

import json
from decimal import Decimal
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def row(n: int, **overrides) -> dict:
    data = {
        "upc": f"XH-T{n:04d}",
        "title": f"华为会议一体机标准版 86寸 型号T{n:04d}",
        "category": ["会议一体机", "会议一体机标准版"],
        "product_class": "会议一体机",
        "unit": "台",
        "attributes": {"屏幕尺寸": "86寸", "分辨率": "4K"},
        "brand": "华为",
        "price": "15800",
        "num_in_stock": 12,
        "partner": "长沙智联科技",
        "description": "适用于党政机关会议室。",
    }
    data.update(overrides)
    return data


def write_jsonl(path, lines) -> str:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
        ),
        encoding="utf-8",
    )
    return str(path)


def run_import(path: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_products", path, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_good_rows_are_imported_and_bad_rows_reported_by_line_without_stopping_the_good(tmp_path):
    # given a file with three good rows and five bad ones between them
    path = write_jsonl(
        tmp_path / "products.jsonl",
        [
            row(1),
            "{not json",
            row(2, upc=""),
            row(3, price="-5"),
            row(4, price="12.345"),
            row(5, num_in_stock="很多"),
            row(
                6,
                title="麒麟信创终端 飞腾D2000",
                category=["信创终端"],
                product_class="信创终端",
                price="4999.50",
            ),
            row(1, title="同一编码的第二行"),
            row(8),
        ],
    )

    # when it is imported
    out, err = run_import(path)

    # then the good rows are products with category, stock record and attribute values
    assert sorted(Product.objects.values_list("upc", flat=True)) == ["XH-T0001", "XH-T0006", "XH-T0008"]
    first = Product.objects.get(upc="XH-T0001")
    assert first.title == "华为会议一体机标准版 86寸 型号T0001"
    assert first.unit == "台"
    assert [c.full_name for c in first.categories.all()] == ["会议一体机 > 会议一体机标准版"]
    record = StockRecord.objects.get(product=first)
    assert (record.partner.name, record.partner_sku, record.price, record.num_in_stock) == (
        "长沙智联科技",
        "XH-T0001",
        Decimal("15800.00"),
        12,
    )
    assert first.attr.get_values().count() == 2
    assert {v.attribute.name: v.value for v in first.attr.get_values()} == {
        "屏幕尺寸": "86寸",
        "分辨率": "4K",
    }
    terminal = Product.objects.get(upc="XH-T0006")
    assert StockRecord.objects.get(product=terminal).price == Decimal("4999.50")
    assert [c.full_name for c in terminal.categories.all()] == ["信创终端"]
    # and every bad row is reported with its line number and a Chinese reason
    assert err.splitlines() == [
        "第 2 行：JSON 格式错误（第 2 列：Expecting property name enclosed in double quotes）",
        "第 3 行：缺少商品编码（upc）",
        "第 4 行：价格“-5”不能为负数",
        "第 5 行：价格“12.345”最多两位小数",
        "第 6 行：库存（num_in_stock）必须是非负整数",
        "第 8 行：商品编码 XH-T0001 与第 1 行重复，已跳过",
    ]
    assert "新增 3 件，更新 0 件，未变 0 件，错误 6 行" in out


def test_reimport_updates_by_upc_and_never_duplicates(tmp_path):
    # given two products imported once
    run_import(write_jsonl(tmp_path / "a.jsonl", [row(1), row(2)]))
    ids = dict(Product.objects.values_list("upc", "id"))

    # when the same file is imported again, then nothing is created or changed
    out, _ = run_import(write_jsonl(tmp_path / "a.jsonl", [row(1), row(2)]))
    assert "新增 0 件，更新 0 件，未变 2 件，错误 0 行" in out

    # when a changed file is imported: a new price, stock, title, attribute and category
    changed = row(
        2,
        title="华为会议一体机旗舰版 98寸",
        price="29800",
        num_in_stock=3,
        attributes={"屏幕尺寸": "98寸", "分辨率": "4K"},
        category=["会议一体机", "会议一体机旗舰版"],
    )
    out, _ = run_import(write_jsonl(tmp_path / "b.jsonl", [row(1), changed, row(3)]))

    # then the existing products are updated in place and only the new one is added
    assert "新增 1 件，更新 1 件，未变 1 件，错误 0 行" in out
    assert Product.objects.count() == 3
    assert StockRecord.objects.count() == 3
    assert ProductAttributeValue.objects.count() == 6
    product = Product.objects.get(upc="XH-T0002")
    assert product.pk == ids["XH-T0002"]
    assert product.title == "华为会议一体机旗舰版 98寸"
    assert StockRecord.objects.get(product=product).price == Decimal("29800.00")
    assert StockRecord.objects.get(product=product).num_in_stock == 3
    assert product.attr.get_values().get(attribute__name="屏幕尺寸").value == "98寸"
    assert [c.full_name for c in product.categories.all()] == ["会议一体机 > 会议一体机旗舰版"]
    assert Category.objects.filter(name="会议一体机").count() == 1


def test_imported_products_are_searchable_and_listed_at_once_even_after_pages_were_cached(tmp_path):
    # given a search and a category page already served (and cached) before the import
    run_import(write_jsonl(tmp_path / "seed.jsonl", [row(1)]))
    client = Client()
    search_url = f"{reverse('search:search')}?q={quote('麒麟')}"
    assert "麒麟信创终端" not in client.get(search_url).content.decode()
    catalogue_before = client.get(reverse("catalogue:index")).content.decode()
    assert "麒麟信创终端" not in catalogue_before

    # when a file with a new product is imported
    new = row(2, title="麒麟信创终端 飞腾D2000 型号T0002", category=["信创终端"], product_class="信创终端")
    run_import(write_jsonl(tmp_path / "new.jsonl", [new]))

    # then the very next anonymous requests find it: by word, by product number, in listings
    assert "麒麟信创终端 飞腾D2000 型号T0002" in client.get(search_url).content.decode()
    by_number = client.get(f"{reverse('search:search')}?q=XH-T0002").content.decode()
    assert "麒麟信创终端 飞腾D2000 型号T0002" in by_number
    assert "麒麟信创终端 飞腾D2000 型号T0002" in client.get(reverse("catalogue:index")).content.decode()
    category = Category.objects.get(name="信创终端")
    assert "麒麟信创终端 飞腾D2000 型号T0002" in client.get(category.get_absolute_url()).content.decode()
    product = Product.objects.get(upc="XH-T0002")
    assert client.get(product.get_absolute_url()).status_code == 200


def test_our_catalogue_yaml_goes_through_the_catalogue_loader(tmp_path):
    # when the shipped catalogue folder is imported twice
    first, _ = run_import("catalog_fixtures")
    second, _ = run_import("catalog_fixtures")

    # then it is loaded once and the second run changes nothing
    assert "商品目录已载入" in first
    assert "无变化" in second
    assert Product.objects.filter(upc="XH-DISP-75").count() == 1


def test_bad_catalogue_yaml_is_refused_whole_in_chinese(tmp_path):
    # given a category file whose product has no title
    bad = tmp_path / "99_bad.yaml"
    bad.write_text(
        "category: {code: bad-cat, name: 坏分类}\nproducts:\n  - {code: XH-BAD-1, class: smart-display, price: 1}\n",
        encoding="utf-8",
    )

    # when it is imported, then nothing is written and the problem is named
    with pytest.raises(CommandError) as exc:
        run_import(str(bad))
    assert "商品目录数据有误" in str(exc.value)
    assert "title" in str(exc.value)
    assert not Product.objects.filter(upc="XH-BAD-1").exists()


def test_a_missing_file_or_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        run_import(str(tmp_path / "nope.jsonl"))
    other = tmp_path / "products.csv"
    other.write_text("upc,title\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不支持的文件格式"):
        run_import(str(other))


def test_a_upc_repeated_in_a_later_batch_is_refused_naming_its_first_line(tmp_path):
    # given a file written in batches of two, whose fifth line repeats the first line's UPC
    path = write_jsonl(
        tmp_path / "products.jsonl",
        [row(1), row(2), row(3), row(4), row(1, title="又一个"), "{bad", row(6)],
    )

    # when it is imported
    out, err = StringIO(), StringIO()
    call_command("import_products", path, "--no-progress", "--batch-size", "2", stdout=out, stderr=err)

    # then the repeat is skipped with the line it repeats, errors in line order, the rest imported
    assert err.getvalue().splitlines() == [
        "第 5 行：商品编码 XH-T0001 与第 1 行重复，已跳过",
        "第 6 行：JSON 格式错误（第 2 列：Expecting property name enclosed in double quotes）",
    ]
    assert sorted(Product.objects.values_list("upc", flat=True)) == [
        "XH-T0001",
        "XH-T0002",
        "XH-T0003",
        "XH-T0004",
        "XH-T0006",
    ]
    assert Product.objects.get(upc="XH-T0001").title == "华为会议一体机标准版 86寸 型号T0001"
    assert "新增 5 件，更新 0 件，未变 0 件，错误 2 行" in out.getvalue()
    assert "进程内存峰值" in out.getvalue()


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_written(tmp_path):
    # given a product whose title and description hold characters COPY text escapes
    description = "第一行\t制表\\反斜杠\n第二行\r\n结束"
    path = write_jsonl(tmp_path / "p.jsonl", [row(1, title="型号 A\\B", description=description)])

    # when it is imported, then the database holds exactly that text
    run_import(path)
    product = Product.objects.get(upc="XH-T0001")
    assert product.title == "型号 A\\B"
    assert product.description == description.strip()


def _schema(cursor) -> tuple[list, list]:
    tables = ["catalogue_product", "catalogue_productcategory", "catalogue_productattributevalue"]
    tables.append("partner_stockrecord")
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1", [tables]
    )
    # a partial index's condition reads back with its casts written another way, same meaning
    indexes = [(name, definition.split(" WHERE ")[0], " WHERE " in definition) for name, definition in cursor]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1",
        [tables],
    )
    return indexes, cursor.fetchall()


def test_a_large_import_into_a_small_catalogue_builds_indexes_and_keys_after_writing(tmp_path, monkeypatch):
    from django.db import connection

    from shop.apps.catalogue import importing

    # given an empty catalogue and a file counted as large (the threshold lowered to three rows)
    monkeypatch.setattr(importing, "DEFER_INDEXES_FROM", 3)
    with connection.cursor() as cursor:
        before = _schema(cursor)
    new = row(3, title="麒麟信创终端 飞腾D2000 型号T0003", category=["信创终端"], product_class="信创终端")
    path = write_jsonl(tmp_path / "big.jsonl", [row(1), row(2), new])

    # when it is imported
    out, _ = run_import(path)

    # then the indexes and foreign keys were set aside and are back exactly as they were
    deferred = (
        len(before[0]) - sum(1 for _, d, _ in before[0] if d.startswith("CREATE UNIQUE")) + len(before[1])
    )
    assert f"大批量导入：{deferred} 个索引与外键在写入后重建" in out
    with connection.cursor() as cursor:
        assert _schema(cursor) == before
    # and the products are written and found by the indexed search
    assert "新增 3 件，更新 0 件，未变 0 件，错误 0 行" in out
    assert StockRecord.objects.count() == 3
    assert ProductAttributeValue.objects.count() == 6
    body = Client().get(f"{reverse('search:search')}?q={quote('麒麟')}").content.decode()
    assert "麒麟信创终端 飞腾D2000 型号T0003" in body

    # when the same file is imported into the catalogue it filled, then the indexes stay
    out, _ = run_import(path)
    assert "大批量导入" not in out
    assert "新增 0 件，更新 0 件，未变 3 件，错误 0 行" in out


@pytest.mark.django_db(transaction=True)
def test_an_import_outside_a_transaction_vacuums_the_written_tables(tmp_path):
    # given an import run as the command runs it, in autocommit (not in a test's transaction)
    from django.db import connection

    def vacuumed() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [["catalogue_product", "partner_stockrecord"]],
            )
            return dict(cursor.fetchall())

    before = vacuumed()
    # when two rows are imported
    run_import(write_jsonl(tmp_path / "two.jsonl", [row(1), row(2)]))
    # then the tables were vacuumed (their pages marked all-visible, for index-only scans)
    after = vacuumed()
    assert after["catalogue_product"] == before["catalogue_product"] + 1
    assert after["partner_stockrecord"] == before["partner_stockrecord"] + 1
    assert Product.objects.filter(upc__in=["XH-T0001", "XH-T0002"]).count() == 2
