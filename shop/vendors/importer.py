"""Bulk listing: read a vendor's CSV/XLSX, validate each row, import the valid ones.

Every data row ends as one ``ProductImportRow`` (ok, or the Chinese reasons it failed). A row
and its product are written in one transaction, and (import, row number) is unique, so running
the task again — after a killed worker, or twice at once — imports each row at most once."""

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.apps.catalogue.listprice import refresh_list_prices
from shop.core.tax import DEFAULT_VAT_RATE, VAT_RATES, parse_vat_rate, vat_rate_percent

from . import selectors, services
from .models import ImportStatus, ProductImport, ProductImportRow, VendorProduct

logger = logging.getLogger("shop.vendors")

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductAttribute = get_model("catalogue", "ProductAttribute")
AttributeOption = get_model("catalogue", "AttributeOption")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""
    help: str = ""


COLUMNS = [
    Column("title", "商品名称", True, "智慧路灯控制器 XH-100", "最多 255 字"),
    Column("product_class", "商品类型", True, "智慧城市设备", "须为平台已有的商品类型名称"),
    Column("category", "商品分类", True, "智慧城市 > 智慧照明", "已有分类的名称，或用“>”分隔的完整路径"),
    Column("partner_sku", "供应商SKU", True, "XH-100-STD", "您自己的货号；与已有货号相同则更新该商品"),
    Column("price", "单价（元）", True, "1280.00", "含税单价，最多两位小数"),
    Column("num_in_stock", "库存数量", False, "500", "非负整数，默认 0"),
    Column("unit", "计量单位", False, "台", "默认“台”"),
    Column("tax_rate", "税率", False, "13%", "0%、1%、3%、6%、9% 或 13%，默认 13%"),
    Column("price_is_from", "起价", False, "否", "是/否：价格为起价"),
    Column("quote_only", "仅询价", False, "否", "是/否：只能询价，不能直接购买"),
    Column("supports_oem", "支持OEM", False, "是", "是/否，默认“是”"),
    Column("oem_min_quantity", "OEM最小起订量", False, "100", "正整数，默认 1"),
    Column("lead_time_days", "交期（天）", False, "15", "0–365 的整数；不填则商品页不显示交期"),
    Column("upc", "商品编码", False, "", "可留空；填写时须全平台唯一"),
    Column("description", "商品描述", False, "支持 NB-IoT 远程调光", ""),
]
ATTRIBUTE_PREFIX = "属性:"
# The mall's own product fields a row sets (besides title, description and UPC).
MALL_FIELDS = (
    "unit",
    "tax_rate",
    "price_is_from",
    "quote_only",
    "supports_oem",
    "oem_min_quantity",
    "lead_time_days",
)
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "支持"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "不支持", ""}


class FileError(Exception):
    """The file as a whole cannot be read (no rows imported)."""


def _norm_header(value) -> str:
    text = str(value or "").strip().lstrip("\ufeff").replace("*", "").replace("＊", "").strip()
    return text.replace("：", ":")


HEADER_TO_KEY = {c.header: c.key for c in COLUMNS}


@dataclass
class ParsedFile:
    keys: list  # key per column position (None for unknown columns)
    rows: list = field(default_factory=list)  # (row_number, {key: text})


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def iter_table(data: bytes, kind: str) -> Iterator[list[str]]:
    """The file's rows as lists of cell texts, read one at a time (openpyxl ``read_only``
    streams the sheet), so a caller can stop reading at the row cap."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise FileError("无法读取 Excel 文件，请使用模板另存为 .xlsx 后重新上传。")
        try:
            for row in wb.worksheets[0].iter_rows(values_only=True):
                yield [_cell_text(v) for v in row]
        finally:
            wb.close()
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码后重新上传。")
    try:
        for row in csv.reader(io.StringIO(text)):
            yield [cell.strip() for cell in row]
    except csv.Error as exc:
        raise FileError(f"CSV 文件格式有误：{exc}")


def parse_rows(table: Iterable[list[str]]) -> ParsedFile:
    """Header and data rows from ``table`` (an iterator); stops reading as soon as the data rows
    exceed ``VENDOR_IMPORT_MAX_ROWS`` (cap + 1 rows read, never the whole file)."""
    table = iter(table)
    header = next(table, None)
    if not header or not any(header):
        raise FileError("文件是空的，或第一行不是表头。请使用模板填写。")
    headers = [_norm_header(h) for h in header]
    keys = []
    for h in headers:
        if h in HEADER_TO_KEY:
            keys.append(HEADER_TO_KEY[h])
        elif h.startswith(ATTRIBUTE_PREFIX) and h[len(ATTRIBUTE_PREFIX) :].strip():
            keys.append("attr:" + h[len(ATTRIBUTE_PREFIX) :].strip())
        else:
            keys.append(None)
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        raise FileError("缺少必填列：" + "、".join(missing) + "。请使用模板填写。")
    cap = settings.VENDOR_IMPORT_MAX_ROWS
    parsed = ParsedFile(keys=keys)
    for index, raw in enumerate(table, start=2):
        if not any(cell for cell in raw):
            continue
        if len(parsed.rows) >= cap:
            raise FileError(f"一次最多导入 {cap} 行，本文件超过 {cap} 行，请拆分后上传。")
        row = {}
        for pos, key in enumerate(keys):
            if key is not None and pos < len(raw):
                row[key] = raw[pos]
        parsed.rows.append((index, row))
    if not parsed.rows:
        raise FileError("文件中没有数据行。")
    return parsed


def parse_file(data: bytes, kind: str) -> ParsedFile:
    return parse_rows(iter_table(data, kind))


# --- one row --------------------------------------------------------------------------------


class RowError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _bool(value: str, label: str, default: bool, errors: list) -> bool:
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    errors.append(f"“{label}”只能填“是”或“否”，当前为“{value}”。")
    return default


def _int(
    value: str, label: str, default: int, errors: list, *, minimum: int = 0, maximum: int = 10**9
) -> int:
    text = (value or "").strip().replace(",", "")
    if not text:
        return default
    try:
        number = Decimal(text)
        if number != number.to_integral_value():
            raise InvalidOperation
        number = int(number)
    except (InvalidOperation, ValueError):
        errors.append(f"“{label}”应为整数，当前为“{value}”。")
        return default
    if not minimum <= number <= maximum:
        errors.append(f"“{label}”应在 {minimum} 到 {maximum} 之间，当前为 {number}。")
        return default
    return number


def _price(value: str, errors: list) -> Decimal | None:
    text = (value or "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        errors.append("“单价（元）”为必填项。")
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        errors.append(f"“单价（元）”应为数字，当前为“{value}”。")
        return None
    if not price.is_finite() or price < 0:
        errors.append("“单价（元）”不能为负数。")
        return None
    if price.as_tuple().exponent < -2:
        errors.append("“单价（元）”最多两位小数。")
        return None
    if price >= Decimal("1000000000"):
        errors.append("“单价（元）”过大。")
        return None
    return price.quantize(Decimal("0.01"))


def _tax_rate(value: str, errors: list) -> Decimal:
    """The row's 税率 through the one VAT-rate source (shop.core.tax); empty means 13%."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_VAT_RATE
    try:
        return parse_vat_rate(text)
    except ValidationError:
        percents = [vat_rate_percent(rate) for rate in sorted(VAT_RATES)]
        errors.append(f"“税率”只能是 {'、'.join(percents[:-1])} 或 {percents[-1]}，当前为“{value}”。")
        return DEFAULT_VAT_RATE


def _product_class(value: str, errors: list):
    name = (value or "").strip()
    if not name:
        errors.append("“商品类型”为必填项。")
        return None
    pc = ProductClass.objects.filter(name=name).first() or ProductClass.objects.filter(slug=name).first()
    if pc is None:
        errors.append(f"商品类型“{name}”不存在。")
    return pc


def _category(value: str, errors: list):
    text = (value or "").strip()
    if not text:
        errors.append("“商品分类”为必填项。")
        return None
    # A name first: the mall's own categories have "/" in them (党政企会议/教育一体机).
    exact = list(Category.objects.filter(name=text)[:2])
    if len(exact) == 1:
        return exact[0]
    parts = [p.strip() for p in text.replace("＞", ">").replace("/", ">").split(">") if p.strip()]
    if len(parts) > 1:
        nodes = Category.objects.get_root_nodes().filter(name=parts[0])
        node = nodes.first()
        for part in parts[1:]:
            if node is None:
                break
            node = node.get_children().filter(name=part).first()
        if node is None:
            errors.append(f"商品分类“{text}”不存在。")
        return node
    matches = list(Category.objects.filter(name=parts[0])[:2])
    if not matches:
        errors.append(f"商品分类“{text}”不存在。")
        return None
    if len(matches) > 1:
        errors.append(f"商品分类“{text}”有重名，请用“上级分类 > {text}”的完整路径。")
        return None
    return matches[0]


def _attribute_value(attribute, value: str, errors: list):
    text = (value or "").strip()
    label = f"属性“{attribute.name}”"
    if not text:
        return None
    kind = attribute.type
    if kind in (ProductAttribute.TEXT, ProductAttribute.RICHTEXT):
        return text
    if kind == ProductAttribute.INTEGER:
        return _int(text, label, None, errors, minimum=-(10**9))
    if kind == ProductAttribute.FLOAT:
        try:
            return float(Decimal(text))
        except InvalidOperation:
            errors.append(f"{label}应为数字，当前为“{text}”。")
            return None
    if kind == ProductAttribute.BOOLEAN:
        return _bool(text, label, False, errors)
    if kind in (ProductAttribute.OPTION, ProductAttribute.MULTI_OPTION):
        names = [t.strip() for t in text.replace("，", ",").split(",") if t.strip()]
        options = []
        for name in names:
            option = AttributeOption.objects.filter(group_id=attribute.option_group_id, option=name).first()
            if option is None:
                errors.append(f"{label}没有选项“{name}”。")
                return None
            options.append(option)
        return options if kind == ProductAttribute.MULTI_OPTION else options[0]
    errors.append(f"{label}不支持批量导入，请在后台逐个填写。")
    return None


def _clean_row(row: dict, *, partner_id: int) -> dict:
    """Validate one row; return the values to write, or raise RowError with every problem."""
    errors: list[str] = []
    title = (row.get("title") or "").strip()
    if not title:
        errors.append("“商品名称”为必填项。")
    elif len(title) > 255:
        errors.append("“商品名称”不能超过 255 个字。")
    sku = (row.get("partner_sku") or "").strip()
    if not sku:
        errors.append("“供应商SKU”为必填项。")
    elif len(sku) > 128:
        errors.append("“供应商SKU”不能超过 128 个字符。")
    product_class = _product_class(row.get("product_class"), errors)
    category = _category(row.get("category"), errors)
    if category is not None:
        # a vendor lists only in the categories approved for it at 入驻 (its application's 供货类目)
        scope = selectors.vendor_category_scope(partner_ids=[partner_id])
        if scope is not None and not scope.allows(category):
            errors.append(scope.refusal(category))
    price = _price(row.get("price"), errors)
    values = {
        "title": title,
        "partner_sku": sku,
        "product_class": product_class,
        "category": category,
        "price": price,
        "num_in_stock": _int(row.get("num_in_stock"), "库存数量", 0, errors),
        "unit": (row.get("unit") or "").strip() or "台",
        "tax_rate": _tax_rate(row.get("tax_rate"), errors),
        "price_is_from": _bool(row.get("price_is_from"), "起价", False, errors),
        "quote_only": _bool(row.get("quote_only"), "仅询价", False, errors),
        "supports_oem": _bool(row.get("supports_oem"), "支持OEM", True, errors),
        "oem_min_quantity": _int(row.get("oem_min_quantity"), "OEM最小起订量", 1, errors, minimum=1),
        "lead_time_days": _int(row.get("lead_time_days"), "交期（天）", None, errors, maximum=365),
        "upc": (row.get("upc") or "").strip() or None,
        "description": (row.get("description") or "").strip(),
        "attributes": {},
    }
    if len(values["unit"]) > 16:
        errors.append("“计量单位”不能超过 16 个字。")
    if values["upc"] and len(values["upc"]) > 64:
        errors.append("“商品编码”不能超过 64 个字符。")
    existing = None
    if sku:
        record = (
            StockRecord.objects.filter(partner_id=partner_id, partner_sku=sku)
            .select_related("product")
            .first()
        )
        if record is not None:
            existing = record.product
            owner = (
                VendorProduct.objects.filter(product_id=existing.pk)
                .values_list("partner_id", flat=True)
                .first()
            )
            if not existing.is_standalone or owner != partner_id:
                errors.append(
                    f"供应商SKU“{sku}”属于一个不能批量修改的商品（规格子商品或平台商品），请在后台修改。"
                )
                existing = None
    values["existing"] = existing
    if values["upc"]:
        clash = Product.objects.filter(upc=values["upc"])
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            errors.append(f"商品编码“{values['upc']}”已被其他商品使用。")
    if product_class is not None:
        for key, raw in row.items():
            if not key.startswith("attr:"):
                continue
            name = key[5:]
            attribute = (
                product_class.attributes.filter(code=name).first()
                or product_class.attributes.filter(name=name).first()
            )
            if attribute is None:
                if (raw or "").strip():
                    errors.append(f"商品类型“{product_class.name}”没有属性“{name}”。")
                continue
            value = _attribute_value(attribute, raw, errors)
            if value is not None:
                values["attributes"][attribute.code] = value
        for attribute in product_class.attributes.filter(required=True):
            if attribute.code not in values["attributes"]:
                errors.append(f"属性“{attribute.name}”为必填项（表头“{ATTRIBUTE_PREFIX}{attribute.name}”）。")
    if errors:
        raise RowError(errors)
    return values


def _write_row(values: dict, *, partner_id: int, actor) -> tuple:
    product = values["existing"]
    created = product is None
    if created:
        product = Product(structure=Product.STANDALONE, product_class=values["product_class"])
    for name in ("title", "description", "upc", *MALL_FIELDS):
        setattr(product, name, values[name])
    if created:
        product.product_class = values["product_class"]
        product.is_public = False
    for code, value in values["attributes"].items():
        setattr(product.attr, code, value)
    try:
        product.full_clean(exclude=["slug", "parent", "review_status", "review_note"])
    except ValidationError as exc:
        raise RowError([m for msgs in exc.message_dict.values() for m in msgs])
    product.save()
    if created:
        ProductCategory.objects.create(product=product, category=values["category"])
        StockRecord.objects.create(
            product=product,
            partner_id=partner_id,
            partner_sku=values["partner_sku"],
            price=values["price"],
            price_currency=settings.OSCAR_DEFAULT_CURRENCY,
            num_in_stock=values["num_in_stock"],
        )
        services.product_ownership_assign(product=product, partner_id=partner_id, actor=actor)
    else:
        ProductCategory.objects.get_or_create(product=product, category=values["category"])
        StockRecord.objects.filter(
            product=product, partner_id=partner_id, partner_sku=values["partner_sku"]
        ).update(price=values["price"], num_in_stock=values["num_in_stock"])
        refresh_list_prices([product.pk])  # update() sends no signals
    services.product_review_submit(product=product, actor=actor, note="批量上架")
    return product, created


def import_row(
    *, product_import: ProductImport, row_number: int, row: dict, seen_skus: dict
) -> ProductImportRow | None:
    """Validate and import one row; None if another run already recorded it."""
    title = (row.get("title") or "").strip()[:255]
    sku = (row.get("partner_sku") or "").strip()
    actor = product_import.created_by
    try:
        with transaction.atomic():
            if sku and sku in seen_skus and seen_skus[sku] != row_number:
                raise RowError([f"供应商SKU“{sku}”与第 {seen_skus[sku]} 行重复。"])
            values = _clean_row(row, partner_id=product_import.partner_id)
            product, created = _write_row(values, partner_id=product_import.partner_id, actor=actor)
            return ProductImportRow.objects.create(
                product_import=product_import,
                row_number=row_number,
                ok=True,
                created=created,
                product=product,
                title=title,
            )
    except RowError as exc:
        try:
            with transaction.atomic():
                return ProductImportRow.objects.create(
                    product_import=product_import,
                    row_number=row_number,
                    ok=False,
                    title=title,
                    errors=exc.errors,
                )
        except IntegrityError:
            return None
    except IntegrityError:
        # Recorded by a concurrent run (its row and product won; ours rolled back), or a
        # uniqueness clash in the data: record the latter as a failure.
        if ProductImportRow.objects.filter(product_import=product_import, row_number=row_number).exists():
            return None
        with transaction.atomic():
            return ProductImportRow.objects.create(
                product_import=product_import,
                row_number=row_number,
                ok=False,
                title=title,
                errors=["与已有数据冲突（商品编码或货号重复），请检查后重试。"],
            )


def product_import_run(*, import_id: int) -> None:
    product_import = ProductImport.objects.filter(pk=import_id).first()
    if product_import is None or product_import.is_finished:
        return
    if product_import.status == ImportStatus.QUEUED:
        services.product_import_move(
            product_import=product_import,
            to=ImportStatus.RUNNING,
            extra_updates={"started_at": timezone.now()},
        )
    try:
        with product_import.file.open("rb") as fh:
            data = fh.read()
        parsed = parse_file(data, product_import.kind)
    except (FileError, OSError) as exc:
        message = str(exc) if isinstance(exc, FileError) else "上传的文件已丢失，请重新上传。"
        services.product_import_move(
            product_import=product_import,
            to=ImportStatus.FAILED,
            note=message,
            extra_updates={"error_message": message, "finished_at": timezone.now()},
        )
        return
    ProductImport.objects.filter(pk=import_id).update(total_rows=len(parsed.rows), updated_at=timezone.now())
    done = set(product_import.rows.values_list("row_number", flat=True))
    seen_skus: dict[str, int] = {}
    for row_number, row in parsed.rows:
        sku = (row.get("partner_sku") or "").strip()
        if sku:
            seen_skus.setdefault(sku, row_number)
    for count, (row_number, row) in enumerate(parsed.rows, start=1):
        if row_number in done:
            continue
        import_row(product_import=product_import, row_number=row_number, row=row, seen_skus=seen_skus)
        if count % 20 == 0:  # a heartbeat for the sweep
            ProductImport.objects.filter(pk=import_id).update(updated_at=timezone.now())
    failed = product_import.rows.filter(ok=False).count()
    services.product_import_move(
        product_import=product_import,
        to=ImportStatus.DONE,
        note=f"共 {len(parsed.rows)} 行，失败 {failed} 行",
        extra_updates={"finished_at": timezone.now()},
    )


# --- the template file --------------------------------------------------------------------


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{c.header}*" if c.required else c.header for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "商品"
    sheet.append([f"{c.header}*" if c.required else c.header for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            12, len(column.header) * 2 + 4
        )
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "示例", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "否", column.example, column.help])
    notes.append(
        [f"{ATTRIBUTE_PREFIX}<属性名>", "视商品类型", "", "商品类型的属性，每个属性一列，如“属性:功率”"]
    )
    notes.append(["", "", "", "只导入第一个工作表“商品”；导入的商品需平台审核通过后才会上架。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
