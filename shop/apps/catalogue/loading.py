"""The 湘慧商城 catalogue as data: read and validate ``catalog_fixtures/*.yaml``, then load it.

Two steps, so bad data never writes anything:

* :func:`catalogue_read` parses every file and checks it completely (required fields, types,
  Decimal prices > 0, known product classes and attribute codes, unique codes, child variants
  only under parents).  Every problem found is reported as file › item › field: message.
* :func:`catalogue_load` writes the validated catalogue in one transaction, matching rows by
  their stable codes (product ``code``/``upc``, category ``code``, product-class slug,
  attribute code, stock record ``partner_sku``) and saving only rows whose values differ, so a
  second run changes nothing.

The loader never deletes products, categories or classes: rows created elsewhere (vendors, the
dashboard) are left alone.  For the products it owns, the fixtures are the truth: fields,
attribute values, category links and prices follow the files.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from oscar.core.loading import get_model
from oscar.core.utils import slugify

from shop.core.tax import VAT_RATES, is_vat_rate

from .models import OemCustomisation, ReviewStatus

logger = logging.getLogger(__name__)

DEFAULT_FIXTURES_DIR = Path(settings.BASE_DIR) / "catalog_fixtures"
DEFAULT_SELLER = {"code": "xianghui", "name": "湘慧商城自营"}
CURRENCY = "CNY"

ATTRIBUTE_TYPES = ("text", "richtext", "integer", "float", "boolean")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")

# Product fields a product class may default and a product or child may override.
INHERITED_FIELDS = (
    "unit",
    "tax_rate",
    "supports_oem",
    "oem_min_quantity",
    "lead_time_days",
    "oem_customisations",
    "num_in_stock",
    "price_is_from",
    "quote_only",
)
# What the catalogue's source does not say stays unsaid: no unit, no lead time, no OEM minimum
# above one, no stock level (the storefront shows these only as a vendor's own statement).
FIELD_DEFAULTS = {
    "unit": "",
    "tax_rate": Decimal("0.13"),
    "supports_oem": False,
    "oem_min_quantity": 1,
    "lead_time_days": None,
    "oem_customisations": [],
    "num_in_stock": None,
    "price_is_from": False,
    "quote_only": False,
}
TOP_LEVEL_KEYS = {"seller", "product_classes", "category", "products"}
SELLER_KEYS = {"code", "name"}
CLASS_KEYS = {"code", "name", "requires_shipping", "track_stock", "defaults", "attributes"}
ATTRIBUTE_KEYS = {"code", "name", "type", "required"}
CATEGORY_KEYS = {"code", "name", "description"}
PRODUCT_KEYS = {"code", "title", "class", "description", "price", "attributes", "children", *INHERITED_FIELDS}
CLASS_DEFAULT_KEYS = set(INHERITED_FIELDS) - {"price_is_from", "quote_only"}


# --- validated catalogue ------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"文件 {self.file}，条目 {self.item}，字段 {self.field}：{self.message}"


class CatalogueInvalid(Exception):
    """The fixtures have problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class AttributeData:
    code: str
    name: str
    type: str | None  # None: the definition is broken (reported)
    required: bool


@dataclass
class ClassData:
    code: str
    name: str
    requires_shipping: bool
    track_stock: bool
    defaults: dict[str, Any]
    attributes: dict[str, AttributeData]


@dataclass
class CategoryData:
    code: str
    name: str
    description: str
    file: str


@dataclass
class ProductData:
    code: str
    title: str
    description: str
    class_code: str
    category_code: str
    parent_code: str | None
    structure: str  # standalone / parent / child
    priority: int
    fields: dict[str, Any]  # INHERITED_FIELDS minus num_in_stock, resolved
    price: Decimal | None
    num_in_stock: int | None
    attributes: dict[str, Any]
    file: str


@dataclass
class Catalogue:
    seller: dict[str, str]
    classes: dict[str, ClassData] = field(default_factory=dict)
    categories: dict[str, CategoryData] = field(default_factory=dict)
    products: dict[str, ProductData] = field(default_factory=dict)  # parents before children


# --- reading and validation ---------------------------------------------------------------


class _Checker:
    """Collects problems while converting raw YAML values into typed ones."""

    def __init__(self):
        self.problems: list[Problem] = []

    def fail(self, file, item, fld, message):
        self.problems.append(Problem(file, item, fld, message))

    def unknown_keys(self, data, allowed, file, item):
        for key in sorted(set(data) - allowed, key=str):
            self.fail(file, item, str(key), f"未知字段（可用字段：{'、'.join(sorted(allowed))}）")

    def text(self, value, file, item, fld, *, required=True, max_length=None, blank=False):
        if value is None:
            if required:
                self.fail(file, item, fld, "必填")
            return None
        if not isinstance(value, str):
            self.fail(file, item, fld, f"应为文本，现为 {value!r}")
            return None
        value = value.strip()
        if not value and not blank:
            self.fail(file, item, fld, "不能为空")
            return None
        if max_length and len(value) > max_length:
            self.fail(file, item, fld, f"最长 {max_length} 个字符，现为 {len(value)} 个")
            return None
        return value

    def boolean(self, value, file, item, fld):
        if not isinstance(value, bool):
            self.fail(file, item, fld, f"应为 true 或 false，现为 {value!r}")
            return None
        return value

    def integer(self, value, file, item, fld, *, minimum=None):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(file, item, fld, f"应为整数，现为 {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.fail(file, item, fld, f"不能小于 {minimum}，现为 {value}")
            return None
        return value

    def decimal(self, value, file, item, fld, *, max_digits, places=2):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(file, item, fld, f"应为数字，现为 {value!r}")
            return None
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            self.fail(file, item, fld, f"应为数字，现为 {value!r}")
            return None
        if not number.is_finite():
            self.fail(file, item, fld, f"应为有限的数字，现为 {value!r}")
            return None
        if number.as_tuple().exponent < -places:
            self.fail(file, item, fld, f"最多 {places} 位小数，现为 {value!r}")
            return None
        if len(number.quantize(Decimal(1).scaleb(-places)).as_tuple().digits) > max_digits:
            self.fail(file, item, fld, f"数值过大：{value!r}")
            return None
        return number.quantize(Decimal(1).scaleb(-places))

    def field_value(self, name, value, file, item):
        """One of INHERITED_FIELDS, checked and converted."""
        fld = name
        if name == "unit":
            if value == "":
                return ""
            return self.text(value, file, item, fld, max_length=16)
        if name == "tax_rate":
            rate = self.decimal(value, file, item, fld, max_digits=4)
            if rate is not None and not (Decimal(0) <= rate < Decimal(1)):
                self.fail(file, item, fld, f"税率应在 0 到 1 之间（如 0.13、0.06），现为 {value!r}")
                return None
            if rate is not None and not is_vat_rate(rate):  # the one list of rates: shop.core.tax
                allowed = "、".join(f"{r:f}" for r in sorted(VAT_RATES))
                self.fail(file, item, fld, f"税率只能是 {allowed}（0%、1%、3%、6%、9%、13%），现为 {value!r}")
                return None
            return rate
        if name in ("supports_oem", "price_is_from", "quote_only"):
            return self.boolean(value, file, item, fld)
        if name == "oem_min_quantity":
            return self.integer(value, file, item, fld, minimum=1)
        if name in ("lead_time_days", "num_in_stock"):
            return self.integer(value, file, item, fld, minimum=0)
        if name == "oem_customisations":
            if not isinstance(value, list):
                self.fail(file, item, fld, f"应为列表，现为 {value!r}")
                return None
            known = set(OemCustomisation.values)
            bad = [v for v in value if v not in known]
            if bad:
                self.fail(
                    file,
                    item,
                    fld,
                    f"未知的 OEM 定制项 {bad}（可用：{'、'.join(OemCustomisation.values)}）",
                )
                return None
            dupes = [v for v, n in Counter(value).items() if n > 1]
            if dupes:
                self.fail(file, item, fld, f"重复的 OEM 定制项 {dupes}")
                return None
            return list(value)
        raise AssertionError(name)  # pragma: no cover

    def attribute_value(self, attr: AttributeData, value, file, item):
        fld = f"attributes.{attr.code}"
        if attr.type is None:  # its definition is already reported as broken
            return value
        if attr.type in ("text", "richtext"):
            return self.text(value, file, item, fld)
        if attr.type == "integer":
            return self.integer(value, file, item, fld)
        if attr.type == "boolean":
            return self.boolean(value, file, item, fld)
        if attr.type == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(file, item, fld, f"应为数字，现为 {value!r}")
                return None
            return float(value)
        raise AssertionError(attr.type)  # pragma: no cover


def _load_yaml(path: Path, check: _Checker):
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        check.fail(path.name, "（整个文件）", "—", "文件不是 UTF-8 编码")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "（整个文件）"
        check.fail(path.name, where, "—", f"YAML 语法错误：{getattr(exc, 'problem', None) or exc}")
        return None
    if not isinstance(data, dict):
        check.fail(
            path.name,
            "（整个文件）",
            "—",
            "文件内容应为映射（seller / product_classes / category / products）",
        )
        return None
    return data


def _read_classes(raw, file, check: _Checker, catalogue: Catalogue):
    if not isinstance(raw, list):
        check.fail(file, "product_classes", "product_classes", "应为列表")
        return
    for index, entry in enumerate(raw):
        item = f"商品类型 #{index + 1}"
        if not isinstance(entry, dict):
            check.fail(file, item, "—", "应为映射")
            continue
        code = entry.get("code")
        item = f"商品类型 {code}" if isinstance(code, str) and code else item
        check.unknown_keys(entry, CLASS_KEYS, file, item)
        if not (isinstance(code, str) and SLUG_RE.match(code)):
            check.fail(file, item, "code", f"应为小写字母、数字和连字符组成的代码，现为 {code!r}")
            continue
        if code in catalogue.classes:
            check.fail(file, item, "code", f"商品类型代码 {code} 重复")
            continue
        name = check.text(entry.get("name"), file, item, "name", max_length=128)
        shipping = check.boolean(entry.get("requires_shipping", True), file, item, "requires_shipping")
        track = check.boolean(entry.get("track_stock", True), file, item, "track_stock")
        defaults = {}
        raw_defaults = entry.get("defaults", {}) or {}
        if not isinstance(raw_defaults, dict):
            check.fail(file, item, "defaults", "应为映射")
        else:
            check.unknown_keys(raw_defaults, CLASS_DEFAULT_KEYS, file, item)
            for key in CLASS_DEFAULT_KEYS & set(raw_defaults):
                value = check.field_value(key, raw_defaults[key], file, item)
                if value is not None:
                    defaults[key] = value
        attributes: dict[str, AttributeData] = {}
        raw_attrs = entry.get("attributes", []) or []
        if not isinstance(raw_attrs, list):
            check.fail(file, item, "attributes", "应为列表")
            raw_attrs = []
        for a_index, a in enumerate(raw_attrs):
            a_item = f"{item} 的属性 #{a_index + 1}"
            if not isinstance(a, dict):
                check.fail(file, a_item, "—", "应为映射")
                continue
            check.unknown_keys(a, ATTRIBUTE_KEYS, file, a_item)
            a_code = a.get("code")
            if not (isinstance(a_code, str) and re.match(r"^[a-z][a-z0-9_]{0,127}$", a_code)):
                check.fail(file, a_item, "code", f"应为小写字母、数字和下划线组成的代码，现为 {a_code!r}")
                continue
            a_item = f"{item} 的属性 {a_code}"
            if a_code in attributes:
                check.fail(file, a_item, "code", f"属性代码 {a_code} 重复")
                continue
            a_name = check.text(a.get("name"), file, a_item, "name", max_length=128)
            a_type = a.get("type", "text")
            if a_type not in ATTRIBUTE_TYPES:
                check.fail(
                    file, a_item, "type", f"未知的属性类型 {a_type!r}（可用：{'、'.join(ATTRIBUTE_TYPES)}）"
                )
                a_type = None  # keep the code known, so products using it report nothing more
            a_required = check.boolean(a.get("required", False), file, a_item, "required")
            attributes[a_code] = AttributeData(a_code, a_name or a_code, a_type, bool(a_required))
        catalogue.classes[code] = ClassData(
            code, name or code, bool(shipping), bool(track), defaults, attributes
        )


def _read_category(raw, file, check: _Checker, catalogue: Catalogue):
    item = "分类"
    if not isinstance(raw, dict):
        check.fail(file, item, "category", "应为映射（code / name / description）")
        return None
    code = raw.get("code")
    item = f"分类 {code}" if isinstance(code, str) and code else item
    check.unknown_keys(raw, CATEGORY_KEYS, file, item)
    if not (isinstance(code, str) and SLUG_RE.match(code)):
        check.fail(file, item, "code", f"应为小写字母、数字和连字符组成的代码，现为 {code!r}")
        return None
    if code in catalogue.categories:
        other = catalogue.categories[code].file
        check.fail(file, item, "code", f"分类代码 {code} 重复（已在 {other} 中使用）")
        return None
    name = check.text(raw.get("name"), file, item, "name", max_length=255)
    description = check.text(raw.get("description", ""), file, item, "description", blank=True)
    catalogue.categories[code] = CategoryData(code, name or code, description or "", file)
    return code


def _read_product_list(raw_list, *, prefix, parent, **context):
    """Validate products (or one parent's children); earlier entries get higher priority."""
    for index, raw in enumerate(raw_list):
        _read_product(
            raw, position=f"{prefix}[{index}]", priority=len(raw_list) - index, parent=parent, **context
        )


def _read_product(raw, *, file, position, priority, category_code, parent, check, catalogue, pending):
    """Validate one product (and its children). ``pending`` holds seen codes → file."""
    if not isinstance(raw, dict):
        check.fail(file, position, "—", "应为映射")
        return
    code = raw.get("code")
    item = f"商品 {code}（{position}）" if isinstance(code, str) and code else f"商品 {position}"
    check.unknown_keys(raw, PRODUCT_KEYS, file, item)  # "class"/"children" on a child: see below
    if parent is not None and "children" in raw:
        check.fail(file, item, "children", "子商品不能再有子商品（子商品只能挂在父商品下）")
    if parent is not None and "class" in raw:
        check.fail(file, item, "class", "子商品沿用父商品的商品类型，不能单独指定")
    if not (isinstance(code, str) and CODE_RE.match(code)):
        check.fail(
            file, item, "code", f"应为大写字母、数字和连字符组成的代码（如 XH-DISP-75），现为 {code!r}"
        )
        return
    if code in pending:
        check.fail(file, item, "code", f"商品代码 {code} 重复（已在 {pending[code]} 中使用）")
        return
    pending[code] = file
    title = check.text(raw.get("title"), file, item, "title", max_length=255)
    description = check.text(raw.get("description", ""), file, item, "description", blank=True)

    if parent is None:
        class_code = raw.get("class")
        if class_code is None:
            check.fail(file, item, "class", "必填（商品类型代码）")
            return
        if class_code not in catalogue.classes:
            known = "、".join(catalogue.classes) or "（无）"
            check.fail(file, item, "class", f"未知的商品类型 {class_code!r}（已定义：{known}）")
            return
        pclass = catalogue.classes[class_code]
        inherited = {**FIELD_DEFAULTS, **pclass.defaults}
        inherited_attrs: dict[str, Any] = {}
    else:
        pclass = catalogue.classes[parent.class_code]
        # A variant is a concrete item with its own price: it is a 起价 only when it says so
        # itself, never because its parent's listing shows the lowest variant price "起".
        inherited = {**parent.fields, "num_in_stock": parent.num_in_stock, "price_is_from": False}
        inherited_attrs = dict(parent.attributes)

    fields = dict(inherited)
    ok = True
    for key in INHERITED_FIELDS:
        if key in raw:
            value = check.field_value(key, raw[key], file, item)
            if value is None:
                ok = False
            else:
                fields[key] = value

    attributes: dict[str, Any] = {}
    raw_attrs = raw.get("attributes", {}) or {}
    if not isinstance(raw_attrs, dict):
        check.fail(file, item, "attributes", "应为映射（属性代码: 值）")
        ok = False
        raw_attrs = {}
    for a_code, a_value in raw_attrs.items():
        attr = pclass.attributes.get(a_code)
        if attr is None:
            known = "、".join(pclass.attributes) or "（无）"
            check.fail(
                file, item, f"attributes.{a_code}", f"商品类型 {pclass.code} 没有此属性（可用：{known}）"
            )
            ok = False
            continue
        value = check.attribute_value(attr, a_value, file, item)
        if value is None:
            ok = False
        else:
            attributes[a_code] = value

    raw_children = raw.get("children")
    is_parent = parent is None and raw_children is not None
    if is_parent and (not isinstance(raw_children, list) or not raw_children):
        check.fail(file, item, "children", "应为非空列表（子商品）")
        return

    price = None
    if "price" in raw:
        if is_parent:
            check.fail(file, item, "price", "父商品不设价格：价格写在各子商品上，父商品显示最低子商品价格")
            ok = False
        else:
            price = check.decimal(raw["price"], file, item, "price", max_digits=12)
            if price is None:
                ok = False
            elif price <= 0:
                check.fail(file, item, "price", f"价格必须大于 0，现为 {raw['price']!r}")
                ok = False
    if not is_parent and ok:
        if fields["quote_only"] and price is not None:
            check.fail(file, item, "price", "仅询价（quote_only）的商品不能有价格")
            ok = False
        elif not fields["quote_only"] and price is None:
            check.fail(file, item, "price", "必填（或设 quote_only: true 表示仅询价）")
            ok = False
        else:
            combined = {**inherited_attrs, **attributes}
            for attr in pclass.attributes.values():
                if attr.required and attr.code not in combined:
                    check.fail(file, item, f"attributes.{attr.code}", f"商品类型 {pclass.code} 要求此属性")
                    ok = False
    if not ok or title is None:
        return

    quote_only = fields["quote_only"]
    num_in_stock = fields.pop("num_in_stock")
    if not is_parent:
        fields["price_is_from"] = fields["price_is_from"] and not quote_only
        if not pclass.track_stock or quote_only:
            num_in_stock = None
    data = ProductData(
        code=code,
        title=title,
        description=description or "",
        class_code=pclass.code,
        category_code=category_code,
        parent_code=parent.code if parent else None,
        structure="parent" if is_parent else ("child" if parent else "standalone"),
        priority=priority,
        fields=fields,
        price=price,
        num_in_stock=num_in_stock,
        attributes=attributes,
        file=file,
    )
    catalogue.products[code] = data
    if is_parent:
        _read_product_list(
            raw_children,
            prefix=f"{position}.children",
            parent=data,
            file=file,
            category_code=category_code,
            check=check,
            catalogue=catalogue,
            pending=pending,
        )


def catalogue_read(*, path: Path | str | None = None) -> Catalogue:
    """Parse and validate every ``*.yaml`` file under ``path``; raise CatalogueInvalid if bad."""
    directory = Path(path) if path else DEFAULT_FIXTURES_DIR
    check = _Checker()
    if not directory.is_dir():
        raise CatalogueInvalid([Problem(str(directory), "（目录）", "—", "目录不存在")])
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise CatalogueInvalid([Problem(str(directory), "（目录）", "—", "没有找到 .yaml 文件")])

    loaded = []
    for path_ in files:
        data = _load_yaml(path_, check)
        if data is not None:
            check.unknown_keys(data, TOP_LEVEL_KEYS, path_.name, "（文件顶层）")
            loaded.append((path_.name, data))

    catalogue = Catalogue(seller=dict(DEFAULT_SELLER))
    seller_file = None
    # Pass 1: seller and product classes, so product files may come in any order.
    for name, data in loaded:
        if "seller" in data:
            raw = data["seller"]
            if seller_file:
                check.fail(name, "卖家", "seller", f"卖家只能定义一次（已在 {seller_file} 中定义）")
            elif not isinstance(raw, dict):
                check.fail(name, "卖家", "seller", "应为映射（code / name）")
            else:
                seller_file = name
                check.unknown_keys(raw, SELLER_KEYS, name, "卖家")
                code = check.text(raw.get("code"), name, "卖家", "code", max_length=128)
                title = check.text(raw.get("name"), name, "卖家", "name", max_length=128)
                if code and title:
                    catalogue.seller = {"code": code, "name": title}
        if "product_classes" in data:
            _read_classes(data["product_classes"], name, check, catalogue)
    # Pass 2: categories and products.
    pending: dict[str, str] = {}
    for name, data in loaded:
        if "products" in data and "category" not in data:
            check.fail(name, "（文件顶层）", "category", "有 products 的文件必须定义 category")
            continue
        if "category" in data:
            category_code = _read_category(data["category"], name, check, catalogue)
            if category_code is None:
                continue
            if "products" not in data:
                check.fail(name, f"分类 {category_code}", "products", "必填（该分类下的商品列表）")
                continue
            if not isinstance(data["products"], list) or not data["products"]:
                check.fail(name, f"分类 {category_code}", "products", "应为非空列表")
                continue
            _read_product_list(
                data["products"],
                prefix="products",
                parent=None,
                file=name,
                category_code=category_code,
                check=check,
                catalogue=catalogue,
                pending=pending,
            )
    if check.problems:
        raise CatalogueInvalid(check.problems)
    return catalogue


# --- writing ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    categories: int = 0
    products: int = 0  # top-level (browsable) products
    variants: int = 0  # child products
    classes: int = 0
    stockrecords: int = 0
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        created = sum(self.created.values())
        updated = sum(self.updated.values())
        change = "无变化" if not created and not updated else f"新建 {created} 条记录，更新 {updated} 条记录"
        return (
            f"商品目录已载入：{self.categories} 个分类，{self.products} 个商品"
            f"（另有 {self.variants} 个子商品），{self.classes} 个商品类型，"
            f"{self.stockrecords} 条库存记录；{change}。"
        )


def description_html(text: str) -> str:
    """Plain fixture text → the HTML Oscar stores in ``description`` (one <p> per line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)


def _assign(obj, values: dict) -> list[str]:
    """Set the values that differ; return the changed field names."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


_VALUE_FIELD = {
    "text": "value_text",
    "richtext": "value_richtext",
    "integer": "value_integer",
    "float": "value_float",
    "boolean": "value_boolean",
}


def catalogue_load(*, catalogue: Catalogue) -> LoadResult:
    """Write a validated catalogue in one transaction; rows already equal are not touched."""
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    ProductClass = get_model("catalogue", "ProductClass")
    ProductAttribute = get_model("catalogue", "ProductAttribute")
    ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
    Category = get_model("catalogue", "Category")
    ProductCategory = get_model("catalogue", "ProductCategory")
    Product = get_model("catalogue", "Product")

    result = LoadResult(
        categories=len(catalogue.categories),
        products=sum(1 for p in catalogue.products.values() if p.structure != "child"),
        variants=sum(1 for p in catalogue.products.values() if p.structure == "child"),
        classes=len(catalogue.classes),
    )
    created, updated = result.created, result.updated

    with transaction.atomic():
        seller, made = Partner.objects.get_or_create(
            code=catalogue.seller["code"], defaults={"name": catalogue.seller["name"]}
        )
        created["partner"] += made

        # Product classes and their attributes.
        classes = {pc.slug: pc for pc in ProductClass.objects.filter(slug__in=catalogue.classes)}
        for data in catalogue.classes.values():
            values = {
                "name": data.name,
                "requires_shipping": data.requires_shipping,
                "track_stock": data.track_stock,
            }
            pclass = classes.get(data.code)
            if pclass is None:
                classes[data.code] = ProductClass.objects.create(slug=data.code, **values)
                created["product_class"] += 1
            elif _assign(pclass, values):
                pclass.save()
                updated["product_class"] += 1
        attributes = {
            (a.product_class_id, a.code): a
            for a in ProductAttribute.objects.filter(product_class__in=list(classes.values()))
        }
        attr_by_class: dict[str, dict[str, Any]] = {}
        for data in catalogue.classes.values():
            pclass = classes[data.code]
            attr_by_class[data.code] = {}
            for a in data.attributes.values():
                values = {"name": a.name, "type": a.type, "required": a.required}
                attr = attributes.get((pclass.pk, a.code))
                if attr is None:
                    attr = ProductAttribute.objects.create(product_class=pclass, code=a.code, **values)
                    created["attribute"] += 1
                elif _assign(attr, values):
                    attr.save()
                    updated["attribute"] += 1
                attr_by_class[data.code][a.code] = attr

        # Categories: top-level, in file order.
        categories = {c.code: c for c in Category.objects.filter(code__in=catalogue.categories)}
        for data in catalogue.categories.values():
            values = {"name": data.name, "description": data.description, "slug": data.code}
            category = categories.get(data.code)
            if category is None:
                categories[data.code] = Category.objects.add_root({"code": data.code, **values})
                created["category"] += 1
            elif _assign(category, values):
                category.save()
                updated["category"] += 1

        # Products (parents are listed before their children).
        codes = list(catalogue.products)
        existing = {}
        for product in Product.objects.filter(Q(code__in=codes) | Q(upc__in=codes)):
            existing[product.code if product.code in catalogue.products else product.upc] = product
        products = {}
        for data in catalogue.products.values():
            values = {
                "structure": data.structure,
                "title": data.title,
                "slug": slugify(data.title),
                "description": description_html(data.description),
                "upc": data.code,
                "code": data.code,
                "product_class_id": None if data.parent_code else classes[data.class_code].pk,
                "parent_id": products[data.parent_code].pk if data.parent_code else None,
                "is_public": True,
                "priority": data.priority,
                "review_status": ReviewStatus.APPROVED,
                **data.fields,
            }
            product = existing.get(data.code)
            if product is None:
                product = Product(**values)
                product.save()
                created["product"] += 1
            elif _assign(product, values):
                product.save()
                updated["product"] += 1
            products[data.code] = product

        # Category links: exactly the fixture category for every top-level product.
        ids = [p.pk for p in products.values()]
        links = {
            (pc.product_id, pc.category_id): pc for pc in ProductCategory.objects.filter(product_id__in=ids)
        }
        wanted = {
            (products[d.code].pk, categories[d.category_code].pk)
            for d in catalogue.products.values()
            if d.structure != "child"
        }
        stale = [pc.pk for key, pc in links.items() if key not in wanted]
        missing = [ProductCategory(product_id=p, category_id=c) for p, c in wanted - set(links)]
        if stale:
            ProductCategory.objects.filter(pk__in=stale).delete()
            updated["category_link"] += len(stale)
        if missing:
            ProductCategory.objects.bulk_create(missing)
            created["category_link"] += len(missing)
        if stale or missing:
            from oscar.apps.catalogue.receivers import refresh_materialized_view

            refresh_materialized_view(sender=ProductCategory)

        # Attribute values: exactly the fixture values for every product.
        current = {
            (v.product_id, v.attribute_id): v
            for v in ProductAttributeValue.objects.filter(product_id__in=ids).select_related("attribute")
        }
        seen, to_create, to_update = set(), [], []
        for data in catalogue.products.values():
            product = products[data.code]
            for a_code, value in data.attributes.items():
                attr = attr_by_class[data.class_code][a_code]
                key = (product.pk, attr.pk)
                seen.add(key)
                value_field = _VALUE_FIELD[attr.type]
                row = current.get(key)
                if row is None:
                    to_create.append(
                        ProductAttributeValue(product=product, attribute=attr, **{value_field: value})
                    )
                elif getattr(row, value_field) != value:
                    setattr(row, value_field, value)
                    to_update.append((row, value_field))
        stale_values = [row.pk for key, row in current.items() if key not in seen]
        if to_create:
            ProductAttributeValue.objects.bulk_create(to_create)
            created["attribute_value"] += len(to_create)
        for row, value_field in to_update:
            row.save(update_fields=[value_field])
            updated["attribute_value"] += 1
        if stale_values:
            ProductAttributeValue.objects.filter(pk__in=stale_values).delete()
            updated["attribute_value"] += len(stale_values)

        # Stock records of the seller: price (CNY, tax-inclusive). Stock levels are only set
        # when the record is created, so sales recorded later are not undone by a reload.
        new_records = []
        records = {
            sr.partner_sku: sr for sr in StockRecord.objects.filter(partner=seller, partner_sku__in=codes)
        }
        for data in catalogue.products.values():
            record = records.get(data.code)
            if data.structure == "parent":
                if record is not None:  # a parent never has stock records (Oscar's rule)
                    record.delete()
                    updated["stockrecord"] += 1
                continue
            product = products[data.code]
            values = {"product_id": product.pk, "price": data.price, "price_currency": CURRENCY}
            if record is None:
                new_records.append(
                    StockRecord(
                        partner=seller, partner_sku=data.code, num_in_stock=data.num_in_stock, **values
                    )
                )
            elif _assign(record, values):
                record.save()
                updated["stockrecord"] += 1
            result.stockrecords += 1
        if new_records:
            # New records need no stock alerts; bulk_create skips those signal handlers.
            StockRecord.objects.bulk_create(new_records)
            created["stockrecord"] += len(new_records)
        if new_records or updated["stockrecord"]:
            from .listprice import refresh_list_prices  # bulk_create sends no signals

            refresh_list_prices([product.pk for product in products.values()])

        if stale or missing or to_create or stale_values or new_records:
            _bulk_writes_done()
    return result


def _bulk_writes_done() -> None:
    """Bulk writes send no signals: tell the storefront cache the catalogue changed."""
    try:
        from shop.storefront.cache import catalogue_changed
        from shop.storefront.facetcounts import facets_changed
    except ImportError:  # the storefront app is optional for the loader
        return
    facets_changed()  # in the loader's transaction, like the writes
    try:
        catalogue_changed()
    except Exception as exc:  # the cache may not be running yet (first start): the data is what counts
        logger.warning("商品目录已更新，但无法通知店面缓存：%s", exc)
