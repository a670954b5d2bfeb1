"""Bulk product import: validated rows in, products with categories, stock and attributes out.

Used by ``manage.py import_products``. Rows come from a JSON-lines file (one product per line,
the benchmark generator's format) or from our own catalogue YAML; both are turned into
:class:`ImportRow` first, so validation and writing are shared.

Writing is done in batches with ``bulk_create``/``bulk_update`` (no per-product ``save()``):
product classes, attributes, categories and partners are looked up once and cached. A row is
keyed by its UPC, so importing the same file twice updates the products instead of
duplicating them. A bad row is reported (line number and reason, in Chinese) and skipped; the
good rows are still imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

try:
    from psycopg.types.json import Jsonb
except ImportError:  # an install without PostgreSQL's driver
    Jsonb = ()
from oscar.core.loading import get_model
from oscar.core.utils import slugify

from shop.core.tax import VAT_RATES, is_vat_rate
from shop.storefront.cache import catalogue_changed
from shop.storefront.facetcounts import facets_changed

from .listprice import refresh_list_prices

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

MAX_PRICE = Decimal("9999999999.99")  # StockRecord.price: 12 digits, 2 decimals
CODE_RE = re.compile(r"^[a-zA-Z_][0-9a-zA-Z_]*$")
BOOL_FIELDS = ("price_is_from", "quote_only", "supports_oem")
INT_FIELDS = ("oem_min_quantity", "lead_time_days")
PRODUCT_UPDATE_FIELDS = [
    "title",
    "slug",
    "description",
    "product_class",
    "is_public",
    "unit",
    "tax_rate",
    "price_is_from",
    "quote_only",
    "supports_oem",
    "oem_min_quantity",
    "lead_time_days",
    "date_updated",
]


class RowError(Exception):
    """A row that cannot be imported; the message is shown to the operator as is."""


@dataclass
class ImportRow:
    line: int
    upc: str
    title: str
    category_path: tuple[str, ...]
    product_class: str
    partner: str
    price: Decimal | None
    num_in_stock: int | None
    description: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    product_fields: dict[str, object] = field(default_factory=dict)
    is_public: bool = True
    # filled in when the batch is written
    product_class_id: int | None = None
    category_id: int | None = None
    partner_id: int | None = None
    resolved_attributes: list = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


# --- reading and validating ------------------------------------------------------------------


def _text(data: dict, key: str, label: str, *, max_length: int, required: bool = True) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(f"缺少{label}（{key}）")
        return ""
    if not isinstance(value, str | int):
        raise RowError(f"{label}（{key}）必须是文本")
    value = str(value).strip()
    if len(value) > max_length:
        raise RowError(f"{label}（{key}）超过 {max_length} 个字符")
    return value


def _price(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RowError(f"价格“{value}”不是有效金额")
    try:
        price = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise RowError(f"价格“{value}”不是有效金额")
    if not price.is_finite() or price < 0:
        raise RowError(f"价格“{value}”不能为负数")
    if price > MAX_PRICE:
        raise RowError(f"价格“{value}”超出上限")
    if price != price.quantize(Decimal("0.01")):
        raise RowError(f"价格“{value}”最多两位小数")
    return price.quantize(Decimal("0.01"))


def _non_negative_int(value, label: str, key: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(f"{label}（{key}）必须是非负整数")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise RowError(f"{label}（{key}）必须是非负整数")
    if number < 0 or number > 2_147_483_647:
        raise RowError(f"{label}（{key}）必须是非负整数")
    return number


def row_from_dict(line: int, data) -> ImportRow:
    """Validate one product given as a dict (JSON-lines format) and return it as an ImportRow."""
    if not isinstance(data, dict):
        raise RowError("每行必须是一个 JSON 对象")
    upc = _text(data, "upc", "商品编码", max_length=64)
    title = _text(data, "title", "商品名称", max_length=255)
    product_class = _text(data, "product_class", "商品类型", max_length=128)
    partner = _text(data, "partner", "供应商", max_length=128)

    category = data.get("category")
    if isinstance(category, str):
        category = [part.strip() for part in category.split(">")]
    if not isinstance(category, list) or not 1 <= len(category) <= 4:
        raise RowError("分类（category）必须是 1–4 级分类名称的列表")
    if not all(isinstance(c, str) and c.strip() and len(c.strip()) <= 255 for c in category):
        raise RowError("分类（category）的每一级都必须是不超过 255 字的名称")

    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise RowError("属性（attributes）必须是“名称: 值”的对象")
    clean_attributes = {}
    for name, value in attributes.items():
        if not str(name).strip() or len(str(name)) > 128:
            raise RowError("属性名不能为空且不超过 128 个字符")
        if isinstance(value, dict | list):
            raise RowError(f"属性“{name}”的值必须是文本")
        if value is not None and str(value).strip():
            clean_attributes[str(name).strip()] = str(value).strip()

    product_fields: dict[str, object] = {}
    unit = _text(data, "unit", "计量单位", max_length=16, required=False)
    if unit:
        product_fields["unit"] = unit
    if data.get("tax_rate") not in (None, ""):
        try:
            tax_rate = Decimal(str(data["tax_rate"]))
        except InvalidOperation:
            raise RowError(f"税率“{data['tax_rate']}”无效")
        if not is_vat_rate(tax_rate):  # the one list of rates: shop.core.tax
            allowed = "、".join(f"{r:f}".rstrip("0").rstrip(".") for r in sorted(VAT_RATES))
            raise RowError(f"税率“{data['tax_rate']}”无效，应为 {allowed}")
        product_fields["tax_rate"] = tax_rate
    for key in BOOL_FIELDS:
        if key in data and data[key] is not None:
            if not isinstance(data[key], bool):
                raise RowError(f"{key} 必须是 true 或 false")
            product_fields[key] = data[key]
    for key in INT_FIELDS:
        number = _non_negative_int(data.get(key), key, key)
        if number is not None:
            product_fields[key] = number

    is_public = data.get("is_public", True)
    if not isinstance(is_public, bool):
        raise RowError("is_public 必须是 true 或 false")

    return ImportRow(
        line=line,
        upc=upc,
        title=title,
        category_path=tuple(c.strip() for c in category),
        product_class=product_class,
        partner=partner,
        price=_price(data.get("price")),
        num_in_stock=_non_negative_int(data.get("num_in_stock"), "库存", "num_in_stock"),
        description=_text(data, "description", "商品描述", max_length=20000, required=False),
        attributes=clean_attributes,
        product_fields=product_fields,
        is_public=is_public,
    )


def read_jsonl(path: Path) -> Iterator[tuple[int, ImportRow | None, str | None]]:
    """Yield (line number, row, error) for each non-empty line of a JSON-lines file."""
    with open(path, encoding="utf-8-sig") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, None, f"JSON 格式错误（第 {exc.colno} 列：{exc.msg}）"
                continue
            try:
                yield number, row_from_dict(number, data), None
            except RowError as exc:
                yield number, None, str(exc)


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


# --- writing ---------------------------------------------------------------------------------


def _find_or_create(model, name: str, code_field: str):
    """The row named ``name`` (or whose code is ``name``), created with that name if none."""
    return (
        model.objects.filter(name=name).first()
        or model.objects.filter(**{code_field: name}).first()
        or model.objects.create(name=name)
    )


def _repeated(upc: str, first_line: int) -> str:
    return f"商品编码 {upc} 与第 {first_line} 行重复，已跳过"


class SeenUpcs:
    """The UPCs an import has written so far and their lines, in a temporary table of the
    import's connection (dropped at the end), so a file of any length takes the same memory."""

    _count = 0

    def __init__(self):
        SeenUpcs._count += 1
        self.table = connection.ops.quote_name(f"xh_import_seen_{SeenUpcs._count}")
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} (upc varchar(64) PRIMARY KEY, line integer)")

    def taken(self, upcs: list[str]) -> dict[str, int]:
        """The line of each of ``upcs`` already seen."""
        found: dict[str, int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(upcs), 500):
                part = upcs[start : start + 500]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"SELECT upc, line FROM {self.table} WHERE upc IN ({marks})", part)
                found.update(cursor.fetchall())
        return found

    def add(self, pairs: list[tuple[str, int]]) -> None:
        if not pairs:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} (upc, line) FROM STDIN") as copy:
                    copy.write("".join(f"{_copy_value(upc)}\t{line}\n" for upc, line in pairs))
            else:
                cursor.executemany(f"INSERT INTO {self.table} (upc, line) VALUES (%s, %s)", pairs)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


class ProductImporter:
    """Write validated rows in batches. Reusable across batches: lookups are cached."""

    def __init__(self, *, batch_size: int = 2000):
        self.batch_size = batch_size
        self.report = ImportReport()
        self._classes: dict[str, object] = {}
        self._attributes: dict[tuple[int, str], object] = {}
        self._categories: dict[tuple[str, ...], object] = {}
        self._partners: dict[str, object] = {}
        # Products already in the catalogue whose stored list price a batch may have changed
        # (``listprice``). Refreshed at the end of each batch, or, while the indexes are
        # deferred (``refresh_list_prices_later``), once they are built again.
        self.refresh_list_prices_later = False
        self.stale_list_prices: set[int] = set()

    # Lookups, created on first use ----------------------------------------------------------

    def product_class(self, name: str):
        pc = self._classes.get(name)
        if pc is None:
            pc = _find_or_create(ProductClass, name, "slug")
            self._classes[name] = pc
            for attribute in ProductAttribute.objects.filter(product_class=pc):
                self._attributes[(pc.pk, attribute.code)] = attribute
                self._attributes.setdefault((pc.pk, attribute.name), attribute)
        return pc

    def attribute(self, product_class, name: str):
        key = (product_class.pk, name)
        attribute = self._attributes.get(key)
        if attribute is None:
            taken = {code for (pk, code) in self._attributes if pk == product_class.pk}
            code = name if CODE_RE.match(name) else f"attr_{len(taken) + 1}"
            while code in taken:
                code = f"{code}_1"
            attribute = ProductAttribute.objects.create(
                product_class=product_class, name=name, code=code, type=ProductAttribute.TEXT
            )
            self._attributes[(product_class.pk, code)] = attribute
            self._attributes[key] = attribute
        return attribute

    def category(self, path: tuple[str, ...]):
        category = self._categories.get(path)
        if category is None:
            name = path[-1]
            if len(path) == 1:
                category = Category.objects.get_root_nodes().filter(name=name).first()
                if category is None:
                    category = Category.objects.add_root({"name": name, "slug": slugify(name)})
            else:
                parent = self.category(path[:-1])
                category = Category.objects.get_children(parent).filter(name=name).first()
                if category is None:
                    category = Category.objects.add_child(parent, {"name": name, "slug": slugify(name)})
                    parent.refresh_from_db()
            self._categories[path] = category
        return category

    def partner(self, name: str):
        partner = self._partners.get(name)
        if partner is None:
            partner = _find_or_create(Partner, name, "code")
            self._partners[name] = partner
        return partner

    # Batches ---------------------------------------------------------------------------------

    def add_error(self, line: int, message: str) -> None:
        self.report.errors.append((line, message))

    def import_rows(
        self,
        items: Iterable[tuple[int, ImportRow | None, str | None]],
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Write the good rows in batches; errors are reported in line order. A UPC repeated
        in the file is refused from its second line on: the UPCs taken so far are kept in a
        temporary table, not in memory, so memory stays flat whatever the file's length."""
        seen = SeenUpcs()
        batch: list[ImportRow] = []
        in_batch: dict[str, int] = {}
        try:
            for line, row, error in items:
                if error:
                    self.add_error(line, error)
                elif row.upc in in_batch:
                    self.add_error(line, _repeated(row.upc, in_batch[row.upc]))
                else:
                    in_batch[row.upc] = line
                    batch.append(row)
                    if len(batch) >= self.batch_size:
                        self._flush(batch, seen, on_progress)
                        batch, in_batch = [], {}
            if batch:
                self._flush(batch, seen, on_progress)
        finally:
            seen.drop()
        self.report.errors.sort(key=lambda error: error[0])
        return self.report

    def _flush(self, batch: list[ImportRow], seen: SeenUpcs, on_progress) -> None:
        earlier = seen.taken([row.upc for row in batch])
        fresh = []
        for row in batch:
            if row.upc in earlier:
                self.add_error(row.line, _repeated(row.upc, earlier[row.upc]))
            else:
                fresh.append(row)
        seen.add([(row.upc, row.line) for row in fresh])
        self.write_batch(fresh)
        if on_progress:
            on_progress(len(batch))

    def write_batch(self, rows: list[ImportRow]) -> None:
        rows = self._resolve(rows)
        with transaction.atomic():
            self._write_batch(rows)
            # bulk writes send no model signals: invalidate the storefront's caches ourselves
            catalogue_changed()
            facets_changed()

    def _resolve(self, rows: list[ImportRow]) -> list[ImportRow]:
        """Look up class, attributes, category and partner; typed attribute values are coerced
        here, before anything is written, so a row with a bad value is reported and skipped."""
        good = []
        for row in rows:
            try:
                product_class = self.product_class(row.product_class)
                row.resolved_attributes = [
                    (attribute, coerce_attribute_value(attribute, value))
                    for attribute, value in (
                        (self.attribute(product_class, name), value) for name, value in row.attributes.items()
                    )
                ]
                row.product_class_id = product_class.pk
                row.category_id = self.category(row.category_path).pk
                row.partner_id = self.partner(row.partner).pk
            except RowError as exc:
                self.add_error(row.line, str(exc))
                continue
            good.append(row)
        return good

    def _write_batch(self, rows: list[ImportRow]) -> None:
        now = timezone.now()
        existing = {p.upc: p for p in Product.objects.filter(upc__in=[r.upc for r in rows])}
        new_products, updated_products, unchanged_products, targets = [], [], [], []
        for row in rows:
            values = {
                "title": row.title,
                "slug": slugify(row.title)[:255] or slugify(row.upc),
                "description": row.description,
                "product_class_id": row.product_class_id,
                "is_public": row.is_public,
                **row.product_fields,
            }
            product = existing.get(row.upc)
            if product is None:
                # its one stock record is the row's: the list price is the row's price
                quote_only = values.get("quote_only", False)
                list_price = None if quote_only else row.price
                product = NewProduct(upc=row.upc, values={**values, "list_price": list_price})
                new_products.append(product)
            elif any(getattr(product, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(product, key, value)
                product.date_updated = now
                updated_products.append(product)
                self.stale_list_prices.add(product.pk)
            else:
                unchanged_products.append(product)
            targets.append((row, product))

        insert_products(new_products, now=now)
        if updated_products:
            Product.objects.bulk_update(updated_products, PRODUCT_UPDATE_FIELDS, batch_size=1000)
        # Products already in the database: their categories, stock and attributes are compared
        # and only what differs is written, so re-importing the same file changes nothing.
        known_ids = [p.pk for p in updated_products] + [p.pk for p in unchanged_products]

        self._write_categories(targets, known_ids)
        self._write_stock(targets, known_ids, now)
        self._write_attributes(targets, known_ids)
        if not self.refresh_list_prices_later:
            self.refresh_stale_list_prices()
        self.report.created += len(new_products)
        self.report.updated += len(updated_products)
        self.report.unchanged += len(unchanged_products)

    def refresh_stale_list_prices(self) -> None:
        if self.stale_list_prices:
            refresh_list_prices(sorted(self.stale_list_prices))
            self.stale_list_prices.clear()

    def _write_categories(self, targets, known_ids) -> None:
        wanted = {(product.pk, row.category_id) for row, product in targets}
        if known_ids:
            current = set(
                ProductCategory.objects.filter(product_id__in=known_ids).values_list(
                    "product_id", "category_id"
                )
            )
            for product_id, category_id in current - wanted:
                ProductCategory.objects.filter(product_id=product_id, category_id=category_id).delete()
            wanted -= current
        insert_many(ProductCategory, ("product_id", "category_id"), sorted(wanted))

    def _write_stock(self, targets, known_ids, now) -> None:
        current = {}
        if known_ids:
            current = {
                (s.product_id, s.partner_id): s for s in StockRecord.objects.filter(product_id__in=known_ids)
            }
        new, changed = [], []
        for row, product in targets:
            if row.price is None and row.num_in_stock is None:
                continue
            record = current.get((product.pk, row.partner_id))
            if record is None:
                new.append((product.pk, row.partner_id, row.upc, row.price, row.num_in_stock))
                if not isinstance(product, NewProduct):
                    self.stale_list_prices.add(product.pk)
            elif record.price != row.price or record.num_in_stock != row.num_in_stock:
                if record.price != row.price:
                    self.stale_list_prices.add(product.pk)
                record.price = row.price
                record.num_in_stock = row.num_in_stock
                record.date_updated = now
                changed.append(record)
        insert_many(
            StockRecord,
            ("product_id", "partner_id", "partner_sku", "price", "num_in_stock"),
            new,
            constants={"price_currency": "CNY", "date_created": now, "date_updated": now},
        )
        if changed:
            StockRecord.objects.bulk_update(
                changed, ["price", "num_in_stock", "date_updated"], batch_size=2000
            )

    def _write_attributes(self, targets, known_ids) -> None:
        current = {}
        if known_ids:
            current = {
                (v.product_id, v.attribute_id): v
                for v in ProductAttributeValue.objects.filter(product_id__in=known_ids)
            }
        new: dict[str, list] = {}
        changed: dict[str, list] = {}
        for row, product in targets:
            for attribute, value in row.resolved_attributes:
                column = VALUE_FIELDS[attribute.type]
                existing = current.get((product.pk, attribute.pk))
                if existing is None:
                    new.setdefault(column, []).append((product.pk, attribute.pk, value))
                elif getattr(existing, column) != value:
                    setattr(existing, column, value)
                    changed.setdefault(column, []).append(existing)
        for column, values in new.items():
            insert_many(ProductAttributeValue, ("product_id", "attribute_id", column), values)
        for column, values in changed.items():
            ProductAttributeValue.objects.bulk_update(values, [column], batch_size=2000)


VALUE_FIELDS = {
    ProductAttribute.TEXT: "value_text",
    ProductAttribute.RICHTEXT: "value_richtext",
    ProductAttribute.INTEGER: "value_integer",
    ProductAttribute.FLOAT: "value_float",
    ProductAttribute.BOOLEAN: "value_boolean",
}


def coerce_attribute_value(attribute, value):
    """The Python value stored for ``attribute`` (text in the file, typed in the database)."""
    kind = attribute.type
    if kind not in VALUE_FIELDS:
        raise RowError(f"属性“{attribute.name}”的类型（{kind}）不支持批量导入")
    if kind in (ProductAttribute.TEXT, ProductAttribute.RICHTEXT):
        return str(value)
    if kind == ProductAttribute.BOOLEAN:
        text = str(value).strip().lower()
        if text in ("true", "1", "是", "支持", "yes"):
            return True
        if text in ("false", "0", "否", "不支持", "no"):
            return False
        raise RowError(f"属性“{attribute.name}”应为是/否，收到“{value}”")
    try:
        return int(str(value)) if kind == ProductAttribute.INTEGER else float(str(value))
    except ValueError:
        label = "整数" if kind == ProductAttribute.INTEGER else "数字"
        raise RowError(f"属性“{attribute.name}”应为{label}，收到“{value}”")


def _converter(field):
    """How one value becomes what the database driver takes; None where it takes it as is.

    Plain text, integers, booleans and ids pass unchanged; dates, decimals and JSON go through
    the field (``get_db_prep_save``) as Django itself would."""
    if field.get_internal_type() in ("DateTimeField", "DateField", "DecimalField", "JSONField"):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert_many(
    model,
    fields: tuple[str, ...],
    rows: list[tuple],
    *,
    constants: dict | None = None,
    returning: bool = False,
) -> list[int]:
    """INSERT rows in multi-row statements: ``fields`` vary per row, ``constants`` are the same
    for every row (prepared once); any other column is left to its database default (NULL).
    With ``returning`` the new primary keys come back in row order.

    Much faster than building model instances for ``bulk_create`` when there are many rows:
    PostgreSQL gets one ``COPY``, SQLite multi-row ``INSERT … RETURNING`` statements."""
    if not rows:
        return []
    opts = model._meta
    qn = connection.ops.quote_name
    varying = [opts.get_field(name) for name in fields]
    fixed = [(opts.get_field(name), value) for name, value in (constants or {}).items()]
    fixed_values = [f.get_db_prep_save(value, connection) for f, value in fixed]
    converters = [_converter(f) for f in varying]
    columns = [qn(f.column) for f in [*varying, *(f for f, _ in fixed)]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_rows(cursor, opts, columns, converters, rows, fixed_values, returning=returning)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        chunk = max(1, min(1000, 30000 // len(columns)))
        suffix = f" RETURNING {qn(opts.pk.column)}" if returning else ""
        ids: list[int] = []
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = []
            for row in part:
                params.extend(v if c is None else c(v) for c, v in zip(converters, row, strict=True))
                params.extend(fixed_values)
            sql = f"INSERT INTO {qn(opts.db_table)} ({', '.join(columns)}) VALUES {', '.join([one] * len(part))}{suffix}"
            cursor.execute(sql, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
        return ids


def _copy_rows(cursor, opts, columns, converters, rows, fixed_values, *, returning: bool) -> list[int]:
    """PostgreSQL: ``COPY … FROM STDIN`` (no SQL to parse per row); new ids are drawn from the
    table's sequence first, so they are known in row order. Rows are written as COPY text, one
    string per statement, when every value is a plain type (text, numbers, booleans, dates);
    psycopg's per-row ``write_row`` otherwise."""
    qn = connection.ops.quote_name
    ids: list[int] = []
    if returning:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = [qn(opts.pk.column), *columns]
    with cursor.cursor.copy(f"COPY {qn(opts.db_table)} ({', '.join(columns)}) FROM STDIN") as copy:
        try:
            copy.write(_copy_text(converters, rows, fixed_values, ids if returning else None))
            return ids
        except _NotPlain:
            pass
        for n, row in enumerate(rows):
            values = [v if c is None else c(v) for c, v in zip(converters, row, strict=True)]
            copy.write_row([ids[n], *values, *fixed_values] if returning else [*values, *fixed_values])
    return ids


class _NotPlain(Exception):
    """A value COPY text cannot be written for here (the row writer takes it)."""


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Jsonb):  # a JSONField's value as Django adapts it
        return json.dumps(value.obj).translate(_COPY_ESCAPES)
    raise _NotPlain


def _copy_text(converters, rows, fixed_values, ids) -> str:
    fixed = "".join("\t" + _copy_value(v) for v in fixed_values)
    out = []
    for n, row in enumerate(rows):
        values = [_copy_value(v if c is None else c(v)) for c, v in zip(converters, row, strict=True)]
        if ids is not None:
            values.insert(0, str(ids[n]))
        out.append("\t".join(values) + fixed + "\n")
    return "".join(out)


class NewProduct:
    """A product to create: its UPC and field values; ``pk`` once inserted."""

    __slots__ = ("upc", "values", "pk")

    def __init__(self, *, upc: str, values: dict):
        self.upc, self.values, self.pk = upc, values, None


# Product columns an import row may set; every other column gets the model's default.
PRODUCT_ROW_FIELDS = (
    "upc",
    "title",
    "slug",
    "description",
    "product_class",
    "is_public",
    "unit",
    "tax_rate",
    "price_is_from",
    "quote_only",
    "supports_oem",
    "oem_min_quantity",
    "lead_time_days",
    "list_price",
)


def insert_products(products: list[NewProduct], *, now) -> None:
    """Create standalone products in bulk and set their ``pk``; the model's defaults fill every
    column a row does not set (auto_now dates: ``now``)."""
    if not products:
        return
    defaults, constants = {}, {}
    for model_field in Product._meta.concrete_fields:
        if model_field.primary_key or model_field.name in PRODUCT_ROW_FIELDS:
            if model_field.name in PRODUCT_ROW_FIELDS:
                defaults[model_field.name] = model_field.get_default()
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            constants[model_field.name] = now
        elif model_field.name == "structure":
            constants[model_field.name] = Product.STANDALONE
        else:
            constants[model_field.name] = model_field.get_default()
    rows = []
    for product in products:
        values = {**defaults, **product.values, "upc": product.upc}
        values["product_class"] = values.pop("product_class_id")
        rows.append(tuple(values[name] for name in PRODUCT_ROW_FIELDS))
    ids = insert_many(Product, PRODUCT_ROW_FIELDS, rows, constants=constants, returning=True)
    for product, pk in zip(products, ids, strict=True):
        product.pk = pk


# --- sources and after-import hooks --------------------------------------------------------


YAML_SUFFIXES = (".yaml", ".yml")


def is_catalogue_yaml(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in YAML_SUFFIXES


def read_source(path: Path) -> tuple[Iterator[tuple[int, ImportRow | None, str | None]], int]:
    """The rows of a JSON-lines file and how many there are (for the progress bar)."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path), count_lines(path)
    raise RowError(f"不支持的文件格式：{path.name}（支持 .jsonl，或目录 YAML）")


def import_catalogue_yaml(path: Path) -> str:
    """Import our own catalogue format through the catalogue loader (its validation, its writes).

    ``path`` is a folder of catalogue YAML files, or one file; a single file that defines no
    product classes is read together with the class definitions of ``catalog_fixtures/``.
    The loader is all-or-nothing: any problem raises ``CatalogueInvalid`` and writes nothing.
    Returns the loader's summary line."""
    import tempfile

    import yaml

    from .loading import DEFAULT_FIXTURES_DIR, catalogue_load, catalogue_read

    if path.is_dir():
        catalogue = catalogue_read(path=path)
    else:
        with tempfile.TemporaryDirectory(prefix="xh-import-") as tmp:
            directory = Path(tmp)
            (directory / path.name).symlink_to(path.resolve())
            own = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if isinstance(own, dict) and "product_classes" not in own:
                for fixture in sorted(DEFAULT_FIXTURES_DIR.glob("*.y*ml")):
                    data = yaml.safe_load(fixture.read_text(encoding="utf-8")) or {}
                    if "product_classes" in data and "category" not in data and fixture.name != path.name:
                        (directory / fixture.name).symlink_to(fixture.resolve())
            catalogue = catalogue_read(path=directory)
    return catalogue_load(catalogue=catalogue).summary()


# A JSON-lines file of at least this many rows, into a catalogue at most a quarter its size,
# is written with the tables' secondary indexes built afterwards (PostgreSQL).
DEFER_INDEXES_FROM = 50_000


def should_defer_indexes(*, rows: int) -> bool:
    return (
        connection.vendor == "postgresql"
        and rows >= DEFER_INDEXES_FROM
        and Product.objects.count() * 4 <= rows
    )


@contextmanager
def indexes_built_after(*, defer: bool, then: Callable[[], None] | None = None) -> Iterator[int]:
    """With ``defer`` (PostgreSQL): drop the secondary (non-unique) indexes and the foreign keys
    of the written tables, let the import write, then build the indexes again and add the
    foreign keys back from their own definitions (each key checked by one query over the
    table), all in one transaction. Building the trigram and character GIN indexes once over
    a million rows takes a minute; keeping them up to date row by row, and checking each
    row's keys one by one, took most of the import. Unique indexes (UPC, primary keys) stay,
    so the import's lookups and guarantees are unchanged. Readers of these tables wait until
    the import commits, and an interrupted import leaves nothing (neither the indexes nor
    half a catalogue). Yields how many indexes and keys were deferred. ``then`` runs after the
    indexes are built again, in the same transaction (not at all without ``defer``)."""
    if not defer:
        yield 0
        return
    qn = connection.ops.quote_name
    tables = list(ANALYZED_TABLES)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT ic.relname, pg_get_indexdef(ix.indexrelid)
                FROM pg_index ix
                JOIN pg_class ic ON ic.oid = ix.indexrelid
                JOIN pg_class tc ON tc.oid = ix.indrelid
                WHERE tc.relname = ANY(%s) AND tc.relnamespace = current_schema()::regnamespace
                  AND NOT ix.indisunique AND NOT ix.indisprimary
                ORDER BY ic.relname
                """,
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                """
                SELECT tc.relname, co.conname, pg_get_constraintdef(co.oid)
                FROM pg_constraint co
                JOIN pg_class tc ON tc.oid = co.conrelid
                WHERE co.contype = 'f' AND tc.relname = ANY(%s)
                  AND tc.relnamespace = current_schema()::regnamespace
                ORDER BY tc.relname, co.conname
                """,
                [tables],
            )
            keys = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
        yield len(indexes) + len(keys)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        if then is not None:
            then()


ANALYZED_TABLES = (
    "catalogue_product",
    "catalogue_productcategory",
    "catalogue_productattributevalue",
    "partner_stockrecord",
)


def after_import() -> None:
    """Make what was written visible at once. The storefront searches the database (see
    ``shop.storefront.search``), so there is no index to build; its caches are keyed by the
    catalogue version, bumped by every batch (bulk writes send no model signals).

    On PostgreSQL the written tables are vacuumed and analysed. The planner's statistics must
    describe the new tables: until autovacuum caught up, a filtered category page of 100,000
    products was planned badly enough to take half a minute. And the category pages read
    indexes only (storefront migration 0004), which needs VACUUM to have marked the new pages
    all-visible: right after an import of 1,000,000 products, before autovacuum had run, a
    cold filtered category took 315 ms instead of 132 ms. Inside a transaction (VACUUM cannot
    run in one) only ANALYZE runs."""
    catalogue_changed()
    from django.db import connection

    if connection.vendor == "postgresql":
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} " + ", ".join(ANALYZED_TABLES))
