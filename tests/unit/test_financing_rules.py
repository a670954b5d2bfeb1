"""规划融资 applications: the package's range (¥10,000,000 – ¥1,000,000,000, from the catalogue),
a term of at least one year, the required documents, the region down to county; a refused
application stores nothing and says why in Chinese."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.core.exceptions import Invalid, PermissionDenied
from shop.financing import selectors, services
from shop.financing.models import FinancingApplication, FinancingDocument, FinancingEvent
from shop.partners.regions import CITIES, region_parse
from tests.factories.services import application_input, documents, financing_world, pdf

pytestmark = pytest.mark.django_db


def _apply(member, product, **changes):
    return services.financing_apply(
        actor=member.user, product=product, data=application_input(**changes), documents=documents()
    )


def _nothing_stored():
    return (
        FinancingApplication.objects.count(),
        FinancingDocument.objects.count(),
        FinancingEvent.objects.count(),
    ) == (0, 0, 0)


def test_the_package_range_is_the_catalogues():
    # given the financing package as the catalogue describes it (1000 万-10 亿, 一年起)
    product, *_ = financing_world()
    # then the range and the shortest term are these
    assert selectors.amount_range(product=product) == (Decimal("10000000"), Decimal("1000000000"))
    assert selectors.min_term_months(product=product) == 12


def test_ten_million_is_accepted_for_the_units_handler():
    # given a unit's 经办人 and the package
    product, partner, _vendor, unit, members = financing_world()
    # when they apply for exactly ¥10,000,000 over 12 months
    application = _apply(members["handler"], product, amount="10000000", term_months="12")
    # then the application belongs to the unit, goes to the package's vendor and is 已提交
    assert application.unit_id == unit.pk
    assert application.partner_id == partner.pk
    assert application.amount == Decimal("10000000.00")
    assert application.term_months == 12
    assert (application.city, application.county) == ("长沙市", "岳麓区")
    assert application.status == "submitted"
    assert application.get_status_display() == "已提交"
    assert sorted(application.documents.values_list("kind", flat=True)) == ["approval", "feasibility"]
    assert list(application.events.values_list("kind", "to_status")) == [("submitted", "submitted")]


def test_one_billion_is_accepted():
    product, _partner, _vendor, _unit, members = financing_world()
    application = _apply(members["handler"], product, amount="1000000000")
    assert application.amount == Decimal("1000000000.00")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("9999999", "¥9,999,999.00"),
        ("1000000001", "¥1,000,000,001.00"),
        ("9999999.99", "¥9,999,999.99"),
        ("9999999.999", "¥9,999,999.999"),
        ("1e30", "¥1,000,000,000,000,000,000,000,000,000,000.00"),
        ("-10000000", "¥-10,000,000.00"),
    ],
)
def test_an_amount_outside_the_range_is_refused_and_nothing_is_stored(amount, shown):
    # given the package and a 经办人
    product, _partner, _vendor, _unit, members = financing_world()
    # when they apply for an amount outside ¥10,000,000 – ¥1,000,000,000
    with pytest.raises(Invalid) as refused:
        _apply(members["handler"], product, amount=amount)
    # then the refusal names the range and the amount, on the amount field, and nothing is stored
    assert refused.value.message == (
        f"申请金额须在 ¥10,000,000.00 至 ¥1,000,000,000.00 之间（本服务包的融资额度），当前为 {shown}。"
    )
    assert list(refused.value.fields) == ["amount"]
    assert _nothing_stored()


def test_eleven_months_is_refused():
    product, _partner, _vendor, _unit, members = financing_world()
    with pytest.raises(Invalid) as refused:
        _apply(members["handler"], product, term_months="11")
    assert refused.value.message == "融资期限至少 1 年（12 个月），当前为 11 个月。"
    assert refused.value.fields == {"term_months": [refused.value.message]}
    assert _nothing_stored()


@pytest.mark.parametrize(
    ("kept", "message"),
    [
        (["approval"], "请上传申请材料：可研报告。"),
        (["feasibility"], "请上传申请材料：立项批复。"),
        ([], "请上传申请材料：立项批复、可研报告。"),
    ],
)
def test_missing_documents_are_refused(kept, message):
    product, _partner, _vendor, _unit, members = financing_world()
    docs = [(kind, upload) for kind, upload in documents() if kind in kept]
    with pytest.raises(Invalid) as refused:
        services.financing_apply(
            actor=members["handler"].user, product=product, data=application_input(), documents=docs
        )
    assert refused.value.message == message
    assert _nothing_stored()


def test_a_document_that_is_not_what_its_name_says_is_refused():
    product, _partner, _vendor, _unit, members = financing_world()
    # given a "PDF" that is an HTML page
    fake = SimpleUploadedFile("可研报告.pdf", b"<html>not a pdf</html>")
    with pytest.raises(Invalid) as refused:
        services.financing_apply(
            actor=members["handler"].user,
            product=product,
            data=application_input(),
            documents=[("approval", pdf()), ("feasibility", fake)],
        )
    assert refused.value.message == (
        "可研报告“可研报告.pdf”：不支持的文件类型，仅接受：Word (DOCX)、GIF、JPEG、PDF、PNG、WEBP、Excel (XLSX)。"
    )
    assert _nothing_stored()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region": "长沙市"}, "region", "请选择项目所在的湖南省市州和县（市、区）。"),
        ({"region": "长沙市/吉首市"}, "region", "请选择项目所在的湖南省市州和县（市、区）。"),
        ({"project_type": "bot"}, "project_type", "请选择项目类型：EPC、PPP 或其他。"),
        ({"project_type": "other"}, "project_type_other", "项目类型选择“其他”时，请说明项目类型。"),
        (
            {"contact_phone": "1381234567"},
            "contact_phone",
            "请输入有效的电话号码：11 位手机号码，或带区号的固定电话（如 0731-88881234）。",
        ),
        ({"amount": "一千万"}, "amount", "请输入有效的申请金额（元）。"),
        ({"amount": "NaN"}, "amount", "请输入有效的申请金额（元）。"),
        ({"term_months": "361"}, "term_months", "融资期限最长 360 个月（30 年）。"),
        ({"term_months": "1e3"}, "term_months", "请输入融资期限（月数，整数）。"),
        ({"amount": "10000000.005"}, "amount", "申请金额最多保留两位小数。"),
    ],
)
def test_bad_input_is_refused_by_field(changes, field, message):
    product, _partner, _vendor, _unit, members = financing_world()
    with pytest.raises(Invalid) as refused:
        _apply(members["handler"], product, **changes)
    assert refused.value.fields[field] == [message]
    assert _nothing_stored()


def test_other_project_types_are_described():
    product, _partner, _vendor, _unit, members = financing_world()
    application = _apply(members["handler"], product, project_type="other", project_type_other="BOT")
    assert application.project_type_label == "其他（BOT）"


def test_an_approver_may_not_apply_for_the_unit():
    # given a unit member who is only 审批人
    product, _partner, _vendor, _unit, members = financing_world()
    with pytest.raises(PermissionDenied) as refused:
        _apply(members["approver"], product)
    assert refused.value.message == "只有本单位的经办人可以提交询价、接受报价或下单。"
    assert _nothing_stored()


def test_hunan_has_fourteen_cities_and_122_county_level_divisions():
    assert len(CITIES) == 14
    assert sum(len(counties) for _code, _name, counties in CITIES) == 122
    assert region_parse("湘西土家族苗族自治州/吉首市").label == "湘西土家族苗族自治州吉首市"
    assert region_parse("株洲市/株洲县") is None  # became 渌口区 in 2018
    assert region_parse("长沙市").label == "长沙市（全市州）"
    assert region_parse("长沙市", county_required=True) is None


def test_the_loaded_catalogues_financing_package_has_its_published_range():
    # given the catalogue as make run loads it (catalog_fixtures/12_planning_finance.yaml)
    from io import StringIO

    from django.core.management import call_command
    from oscar.core.loading import get_model

    call_command("load_catalogue", stdout=StringIO())
    package = get_model("catalogue", "Product").objects.get(upc="XH-FINANCE")
    # then it is a financing package of ¥10,000,000 – ¥1,000,000,000, a year at least
    assert selectors.is_financing_product(package)
    assert selectors.amount_range(product=package) == (Decimal("10000000"), Decimal("1000000000"))
    assert selectors.min_term_months(product=package) == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000 万-10 亿", (Decimal("10000000"), Decimal("1000000000"))),
        ("500-800 万", (Decimal("5000000"), Decimal("8000000"))),
        ("面议", None),
    ],
)
def test_a_range_is_read_from_the_catalogues_wording(text, expected):
    assert selectors.range_from_text(text) == expected
