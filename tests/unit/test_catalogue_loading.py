"""load_catalogue: the seed's 湘慧商城 section loaded completely and exactly, idempotently,
and bad fixture data rejected with file, item and field while nothing is written."""

import re
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from shop.apps.catalogue.loading import CatalogueInvalid, catalogue_read
from shop.apps.catalogue.models import OemCustomisation

pytestmark = pytest.mark.django_db

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")

FIXTURES = Path(settings.BASE_DIR) / "catalog_fixtures"

# The seed, section by section: (category code, name, top-level product codes in seed order).
XINCHUANG = {
    "XH-XC-HUAWEI": "华为",
    "XH-XC-GREATWALL": "长城",
    "XH-XC-INSPUR": "浪潮",
    "XH-XC-SUPERCLOUD": "超云",
    "XH-XC-UNIS": "紫光",
    "XH-XC-THUNISOFT": "华宇",
    "XH-XC-CASIC706": "航天 706",
    "XH-XC-CLOUDWISE": "云智慧",
    "XH-XC-JINGJIA": "景嘉微",
    "XH-XC-LENOVO": "联想",
    "XH-XC-KYLIN": "麒麟",
    "XH-XC-PHYTIUM": "飞腾",
    "XH-XC-QIANXIN": "奇安信",
    "XH-XC-WPS": "WPS",
    "XH-XC-YOZO": "永中",
}
BAIDU = {
    "XH-BDC-CITY-BRAIN": "城市大脑",
    "XH-BDC-AI": "人工智能",
    "XH-BDC-RISK-CONTROL": "大数据风控",
    "XH-BDC-MARKETING": "智能营销",
    "XH-BDC-FIN-PROFILE": "金融画像",
    "XH-BDC-PARKING": "智慧停车",
    "XH-BDC-AUTO-DRIVING": "智能驾驶",
    "XH-BDC-AI-TRAINING": "AI 实训",
    "XH-BDC-BIGDATA-TRAINING": "大数据实训",
    "XH-BDC-PARTY-ROBOT": "党建机器人",
    "XH-BDC-POLICE-FACE": "公安人脸验证",
}
SECTIONS = [
    ("meeting-displays", "党政企会议/教育一体机", ["XH-DISP"]),
    ("led-meeting-displays", "小间距会议一体机", ["XH-LED"]),
    ("emotion-detection", "情绪健康及测谎系统", ["XH-AI-EMOTION"]),
    ("xinchuang", "信创产品", list(XINCHUANG)),
    ("baidu-ai-cloud", "百度智能云", list(BAIDU)),
    ("traffic-brain", "交通大脑", ["XH-TRAFFIC-BRAIN"]),
    ("telemedicine", "远程医疗", ["XH-TELEMEDICINE"]),
    ("instant-messaging", "党政企即时通讯平台", ["XH-IM-PLATFORM"]),
    ("developer-outsourcing", "人才开发外包", ["XH-DEV"]),
    ("consulting", "政企咨询服务包", ["XH-CONSULT"]),
    ("freelance", "自由职业服务包", ["XH-FREELANCE"]),
    ("planning-finance", "规划融资服务包", ["XH-FINANCE"]),
]
# Every price of the seed: code -> (parent code, 含税价, unit, tax rate, 起). A variant is a concrete
# item at its own price (no 起); a standalone item with 起 in the seed is a starting price. A unit
# only where the seed names one (the consulting periods).
PRICED = {
    "XH-DISP-75": ("XH-DISP", "11800", "", "0.13", False),
    "XH-DISP-86": ("XH-DISP", "15800", "", "0.13", False),
    "XH-DISP-98": ("XH-DISP", "29800", "", "0.13", False),
    "XH-LED-122": ("XH-LED", "198000", "", "0.13", False),
    "XH-LED-158": ("XH-LED", "298000", "", "0.13", False),
    "XH-LED-220": ("XH-LED", "398000", "", "0.13", False),
    "XH-AI-EMOTION": (None, "300000", "", "0.13", True),
    "XH-TRAFFIC-BRAIN": (None, "1000000", "", "0.06", True),
    "XH-TELEMEDICINE": (None, "1000000", "", "0.06", True),
    "XH-IM-PLATFORM": (None, "100000", "", "0.06", True),
    "XH-DEV-L1": ("XH-DEV", "20000", "", "0.06", False),
    "XH-DEV-L2": ("XH-DEV", "15000", "", "0.06", False),
    "XH-DEV-L3": ("XH-DEV", "10000", "", "0.06", False),
    "XH-CONSULT-DAY": ("XH-CONSULT", "500", "天", "0.06", False),
    "XH-CONSULT-MONTH": ("XH-CONSULT", "5000", "月", "0.06", False),
    "XH-CONSULT-HALF-YEAR": ("XH-CONSULT", "30000", "半年", "0.06", False),
    "XH-CONSULT-YEAR": ("XH-CONSULT", "50000", "年", "0.06", False),
}
QUOTE_ONLY = {*XINCHUANG, *BAIDU, "XH-FREELANCE", "XH-FINANCE"}
PARENTS = {"XH-DISP", "XH-LED", "XH-DEV", "XH-CONSULT"}


def _load(path=None) -> str:
    out = StringIO()
    call_command("load_catalogue", *(["--path", str(path)] if path else []), stdout=out)
    return out.getvalue()


def _attrs(code) -> dict:
    return {v.attribute.code: v.value for v in Product.objects.get(code=code).get_attribute_values()}


def test_load_catalogue_creates_the_twelve_sections_with_every_item_in_seed_order():
    # when the fixtures are loaded into an empty database
    summary = _load()
    # then the twelve sections are the twelve root categories, in seed order
    roots = Category.objects.get_root_nodes()
    assert [(c.code, c.name) for c in roots] == [(code, name) for code, name, _ in SECTIONS]
    # and each category lists exactly the seed's items, first item first (highest priority)
    for code, _name, products in SECTIONS:
        listed = Product.objects.filter(categories__code=code).order_by("-priority")
        assert [p.code for p in listed] == products, code
    assert Product.objects.filter(structure="child").count() == 13
    assert Product.objects.count() == 49
    assert "12 个分类，36 个商品（另有 13 个子商品），10 个商品类型，45 条库存记录" in summary


def test_load_catalogue_gives_every_priced_item_its_exact_price_unit_tax_rate_and_qi():
    _load()
    for code, (parent, price, unit, rate, is_from) in PRICED.items():
        product = Product.objects.get(code=code)
        record = product.stockrecords.get()
        assert (product.parent.code if product.parent else None) == parent, code
        assert (record.partner.code, record.partner_sku, record.price_currency) == ("xianghui", code, "CNY")
        assert record.price == Decimal(price), code
        assert (product.unit, product.tax_rate) == (unit, Decimal(rate)), code
        assert (product.price_is_from, product.quote_only, product.upc) == (is_from, False, code), code
        # the seed states no stock level
        assert record.num_in_stock is None, code
    # parents have no stock record of their own (their children carry the prices)
    assert StockRecord.objects.filter(product__code__in=PARENTS).count() == 0
    assert Partner.objects.get(code="xianghui").name == "湘慧商城自营"


def test_load_catalogue_makes_brands_solutions_freelance_and_financing_browsable_quote_only():
    _load()
    quote_only = set(Product.objects.filter(quote_only=True).values_list("code", flat=True))
    assert quote_only == QUOTE_ONLY
    for code in QUOTE_ONLY:
        product = Product.objects.get(code=code)
        assert product.is_public and product.structure == "standalone" and not product.price_is_from, code
        assert product.stockrecords.get().price is None, code
    assert {code: _attrs(code)["brand"] for code in XINCHUANG} == XINCHUANG
    for code, solution in BAIDU.items():
        product = Product.objects.get(code=code)
        assert product.title == f"百度智能云 · {solution}"
        assert _attrs(code)["provider"] == "百度智能云"
    robot = Product.objects.get(code="XH-BDC-PARTY-ROBOT")
    assert (robot.unit, robot.tax_rate) == ("", Decimal("0.13"))
    assert (Product.objects.get(code="XH-BDC-CITY-BRAIN").tax_rate) == Decimal("0.06")
    assert Product.objects.get(code="XH-XC-KYLIN").unit == ""
    assert _attrs("XH-XC-KYLIN") == {"brand": "麒麟"}  # the seed names the brand, no product line
    finance = Product.objects.get(code="XH-FINANCE")
    assert (finance.unit, finance.tax_rate) == ("", Decimal("0.06"))
    assert _attrs("XH-FINANCE") == {
        "service_scope": "智慧城市规划及资金",
        "financing_range": "1000 万-10 亿",
        "interest": "年利息以银行当期为准",
        "term": "一年起",
        "project_modes": "EPC 或 PPP 项目均可",
    }
    assert "非员工对私结算困难" in Product.objects.get(code="XH-FREELANCE").description


def test_load_catalogue_stores_real_attributes_with_children_inheriting_the_parents():
    _load()
    assert _attrs("XH-DISP-98") == {
        "screen_size": 98,
        "resolution": "4K 高清",
        "configuration": "I5/8G/256G",
        "screen_casting": "支持电脑/手机混投及反向操控",
        "certification": "通过 EMC",
    }
    assert _attrs("XH-LED-158") == {
        "screen_size": 158,
        "pixel_pitch": "P1.26",
        "resolution": "4K 高清",
        "cabinet": "压铸铝箱体钢结构",
        "display_control": "支持 IP 分布显控",
        "included_software": "赠会议软件",
    }
    assert [_attrs(f"XH-DEV-L{n}")["developer_level"] for n in (1, 2, 3)] == [
        "一级开发师",
        "二级开发师",
        "三级开发师",
    ]
    consulting = [
        _attrs(f"XH-CONSULT-{s}")["service_duration"] for s in ("DAY", "MONTH", "HALF-YEAR", "YEAR")
    ]
    assert consulting == ["天", "月", "半年", "年"]
    assert _attrs("XH-CONSULT-DAY")["consulting_scope"].startswith("产品比选，价格比选，服务比选，证书查验")
    assert _attrs("XH-TRAFFIC-BRAIN")["modules"] == "计算路网平台、认知分析平台、仿真决策平台"
    assert _attrs("XH-TRAFFIC-BRAIN")["custom_development"] == "支持区县定制开发"
    assert _attrs("XH-IM-PLATFORM") == {
        "solutions": "企业微信、钉钉、腾讯 RTX、中湘通等全方位本地化方案",
        "localisation": "全面支持国产化，可不限点数",
    }
    emotion = _attrs("XH-AI-EMOTION")
    assert (emotion["face_database"], emotion["detection"]) == ("无需人脸库", "非接触式检测")
    # child variants carry no product class or category of their own (Oscar's rules)
    child = Product.objects.get(code="XH-DISP-75")
    assert child.product_class is None and child.categories.count() == 0
    assert child.get_product_class().slug == "smart-display"


# Goods (and the white-label software platforms) support OEM; services do not.
OEM = {
    "XH-DISP",
    "XH-LED",
    "XH-AI-EMOTION",
    *XINCHUANG,
    "XH-TRAFFIC-BRAIN",
    "XH-TELEMEDICINE",
    "XH-IM-PLATFORM",
}


def test_only_goods_support_oem_and_nothing_unstated_is_stored():
    _load()
    known = set(OemCustomisation.values)
    for product in Product.objects.all():
        base = product.parent or product
        assert product.supports_oem is (base.code in OEM), product.code
        # the seed states no lead time and no OEM minimum
        assert (product.oem_min_quantity, product.lead_time_days) == (1, None), product.code
        assert set(product.oem_customisations) <= known, product.code
        assert bool(product.oem_customisations) is product.supports_oem, product.code
        assert product.review_status == "approved"
        if product.structure != "child":
            assert product.description.startswith("<p>"), product.code
            assert ("支持 OEM" in product.description) is product.supports_oem, product.code
    assert "boot_screen" in Product.objects.get(code="XH-DISP-75").oem_customisations


def test_fixtures_hold_no_phone_number_or_contact_name():
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.yaml")))
    assert not re.search(r"1[3-9]\d{9}", text)
    assert "曹" not in text and "微信同号" not in text and "热线" not in text


# --- idempotency -----------------------------------------------------------------------------


def _snapshot():
    return {
        "partner": list(Partner.objects.order_by("pk").values_list("pk", "code", "name")),
        "classes": list(ProductClass.objects.order_by("pk").values_list()),
        "attributes": list(ProductAttribute.objects.order_by("pk").values_list()),
        "categories": list(Category.objects.order_by("pk").values_list()),
        "links": list(ProductCategory.objects.order_by("pk").values_list()),
        "products": list(Product.objects.order_by("pk").values_list()),
        "values": list(ProductAttributeValue.objects.order_by("pk").values_list()),
        "stock": list(StockRecord.objects.order_by("pk").values_list()),
    }


def test_loading_twice_changes_nothing():
    # given a loaded catalogue
    _load()
    before = _snapshot()
    # when it is loaded again
    summary = _load()
    # then every row, including its updated timestamp, is identical
    assert _snapshot() == before
    assert len(before["products"]) == 49 and len(before["stock"]) == 45
    assert summary.endswith("无变化。\n")


def test_reloading_changed_fixture_updates_only_that_row(tmp_path):
    # given a loaded catalogue
    _load()
    before = _snapshot()
    # when a copy with one new price is loaded
    fixtures = _copy(tmp_path)
    _edit(
        fixtures / "01_meeting_displays.yaml", lambda d: d["products"][0]["children"][1].update(price=16800)
    )
    summary = _load(fixtures)
    # then only that stock record changed, and that variant's stored list price with it
    after = _snapshot()
    assert StockRecord.objects.get(partner_sku="XH-DISP-86").price == Decimal("16800.00")
    assert {k: v for k, v in after.items() if k not in ("stock", "products")} == {
        k: v for k, v in before.items() if k not in ("stock", "products")
    }
    changed = [a for a, b in zip(after["stock"], before["stock"], strict=True) if a != b]
    assert len(changed) == 1
    changed = [a for a, b in zip(after["products"], before["products"], strict=True) if a != b]
    variant = Product.objects.get(upc="XH-DISP-86")
    assert [row[0] for row in changed] == [variant.pk]
    assert variant.list_price == Decimal("16800.00")
    assert Product.objects.get(upc="XH-DISP").list_price == Decimal("11800.00")  # its lowest variant
    assert "新建 0 条记录，更新 1 条记录" in summary


# --- validation ------------------------------------------------------------------------------


def _copy(tmp_path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


def _edit(path: Path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


BAD_DATA = [
    pytest.param(
        "01_meeting_displays.yaml",
        lambda d: d["products"][0]["children"][0].update(price=0),
        "文件 01_meeting_displays.yaml，条目 商品 XH-DISP-75（products[0].children[0]），字段 price：价格必须大于 0，现为 0",
        id="price-zero",
    ),
    pytest.param(
        "02_led_meeting_displays.yaml",
        lambda d: d["products"][0]["children"][2].update(price="39.8万"),
        "文件 02_led_meeting_displays.yaml，条目 商品 XH-LED-220（products[0].children[2]），字段 price：应为数字，现为 '39.8万'",
        id="price-not-a-number",
    ),
    pytest.param(
        "10_consulting.yaml",
        lambda d: d["products"][0]["children"][0].update(price="500.005"),
        "条目 商品 XH-CONSULT-DAY（products[0].children[0]），字段 price：最多 2 位小数",
        id="price-three-decimals",
    ),
    pytest.param(
        "01_meeting_displays.yaml",
        lambda d: d["products"][0].update(price=11800),
        "条目 商品 XH-DISP（products[0]），字段 price：父商品不设价格",
        id="price-on-parent",
    ),
    pytest.param(
        "06_traffic_brain.yaml",
        lambda d: d["products"][0].pop("price"),
        "文件 06_traffic_brain.yaml，条目 商品 XH-TRAFFIC-BRAIN（products[0]），字段 price：必填",
        id="price-missing",
    ),
    pytest.param(
        "12_planning_finance.yaml",
        lambda d: d["products"][0].update(price=10000000),
        "条目 商品 XH-FINANCE（products[0]），字段 price：仅询价（quote_only）的商品不能有价格",
        id="price-on-quote-only",
    ),
    pytest.param(
        "07_telemedicine.yaml",
        lambda d: d["products"][0].update({"class": "hospital"}),
        "文件 07_telemedicine.yaml，条目 商品 XH-TELEMEDICINE（products[0]），字段 class：未知的商品类型 'hospital'",
        id="unknown-class",
    ),
    pytest.param(
        "01_meeting_displays.yaml",
        lambda d: d["products"][0]["children"][2]["attributes"].update(weight_kg=80),
        "条目 商品 XH-DISP-98（products[0].children[2]），字段 attributes.weight_kg：商品类型 smart-display 没有此属性",
        id="unknown-attribute",
    ),
    pytest.param(
        "01_meeting_displays.yaml",
        lambda d: d["products"][0]["children"][0]["attributes"].update(screen_size="75寸"),
        "条目 商品 XH-DISP-75（products[0].children[0]），字段 attributes.screen_size：应为整数，现为 '75寸'",
        id="attribute-wrong-type",
    ),
    pytest.param(
        "09_developer_outsourcing.yaml",
        lambda d: d["products"][0]["children"][1].update(code="XH-DEV-L1"),
        "条目 商品 XH-DEV-L1（products[0].children[1]），字段 code：商品代码 XH-DEV-L1 重复（已在 09_developer_outsourcing.yaml 中使用）",
        id="duplicate-code",
    ),
    pytest.param(
        "10_consulting.yaml",
        lambda d: d["products"][0]["children"][3].update(
            children=[{"code": "XH-X", "title": "x", "price": 1}]
        ),
        "条目 商品 XH-CONSULT-YEAR（products[0].children[3]），字段 children：子商品不能再有子商品",
        id="grandchild",
    ),
    pytest.param(
        "03_emotion_detection.yaml",
        lambda d: d["products"][0].pop("title"),
        "文件 03_emotion_detection.yaml，条目 商品 XH-AI-EMOTION（products[0]），字段 title：必填",
        id="title-missing",
    ),
    pytest.param(
        "08_instant_messaging.yaml",
        lambda d: d["products"][0].update(oem_customisations=["boot_screen", "hologram"]),
        "字段 oem_customisations：未知的 OEM 定制项 ['hologram']",
        id="unknown-oem-customisation",
    ),
    pytest.param(
        "06_traffic_brain.yaml",
        lambda d: d["products"][0].update(tax_rate=6),
        "条目 商品 XH-TRAFFIC-BRAIN（products[0]），字段 tax_rate：税率应在 0 到 1 之间",
        id="tax-rate-percent",
    ),
    pytest.param(
        "06_traffic_brain.yaml",
        lambda d: d["products"][0].update(pricee=1),
        "条目 商品 XH-TRAFFIC-BRAIN（products[0]），字段 pricee：未知字段",
        id="typo-field",
    ),
    pytest.param(
        "00_product_classes.yaml",
        lambda d: d["product_classes"][0]["attributes"][0].update(type="colour"),
        "文件 00_product_classes.yaml，条目 商品类型 smart-display 的属性 screen_size，字段 type：未知的属性类型 'colour'",
        id="unknown-attribute-type",
    ),
]


@pytest.mark.parametrize("file,change,message", BAD_DATA)
def test_bad_fixture_is_rejected_naming_file_item_and_field_and_nothing_is_written(
    tmp_path, file, change, message
):
    # given a copy of the fixtures with one broken field
    fixtures = _copy(tmp_path)
    _edit(fixtures / file, change)
    # when it is loaded into an empty database
    with pytest.raises(CommandError) as exc:
        _load(fixtures)
    # then the message names the file, the item and the field, and nothing was written
    assert "商品目录数据有误（共 1 处），未做任何修改" in str(exc.value)
    assert message in str(exc.value)
    assert Product.objects.count() == 0
    assert Category.objects.count() == ProductClass.objects.count() == 0
    assert not Partner.objects.filter(code="xianghui").exists()


def test_bad_fixture_leaves_a_loaded_catalogue_untouched(tmp_path):
    # given a loaded catalogue and a copy whose first file is fine but a later one is broken
    _load()
    before = _snapshot()
    fixtures = _copy(tmp_path)
    _edit(fixtures / "01_meeting_displays.yaml", lambda d: d["products"][0]["children"][0].update(price=9999))
    _edit(fixtures / "12_planning_finance.yaml", lambda d: d["products"][0].pop("class"))
    # when it is loaded
    with pytest.raises(
        CommandError,
        match="12_planning_finance.yaml，条目 商品 XH-FINANCE（products\\[0\\]），字段 class：必填",
    ):
        _load(fixtures)
    # then not even the valid price change was written
    assert _snapshot() == before


def test_yaml_syntax_error_names_the_file_and_line(tmp_path):
    fixtures = _copy(tmp_path)
    path = fixtures / "05_baidu_ai_cloud.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as exc:
        catalogue_read(path=fixtures)
    (problem,) = exc.value.problems
    assert problem.file == "05_baidu_ai_cloud.yaml"
    assert problem.item.startswith("第 ") and "YAML 语法错误" in problem.message


def test_every_problem_is_reported_at_once(tmp_path):
    fixtures = _copy(tmp_path)
    _edit(fixtures / "01_meeting_displays.yaml", lambda d: d["products"][0]["children"][0].update(price=-1))
    _edit(
        fixtures / "09_developer_outsourcing.yaml",
        lambda d: d["products"][0]["children"][2].pop("attributes"),
    )
    with pytest.raises(CatalogueInvalid) as exc:
        catalogue_read(path=fixtures)
    assert [(p.file, p.item, p.field) for p in exc.value.problems] == [
        ("01_meeting_displays.yaml", "商品 XH-DISP-75（products[0].children[0]）", "price"),
        (
            "09_developer_outsourcing.yaml",
            "商品 XH-DEV-L3（products[0].children[2]）",
            "attributes.developer_level",
        ),
    ]
