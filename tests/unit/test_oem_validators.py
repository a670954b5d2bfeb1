"""OEM input rules and the submit service: bad input gets a Chinese error and writes nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from shop.buyers.models import BuyerOrganisation
from shop.oem import services, validators
from shop.oem.models import OemOrder, OemOrderEvent
from tests.factories.accounts import UserFactory
from tests.factories.oem import (
    PDF_OK,
    SVG_OK,
    SVG_SCRIPT,
    logo_upload,
    make_oem_product,
    oem_private_root,  # noqa: F401  (fixture)
    order_kwargs,
    png_bytes,
    submit_oem_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("oem_private_root")]


def private_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "oem"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    "quantity,base,moq,sample,days",
    [
        (100, 15, 100, False, 15),  # one batch: the base lead time
        (101, 15, 100, False, 19),  # a second batch adds ⌈15/4⌉ = 4
        (250, 15, 100, True, 30),  # 3 batches + 7 sample days
        (10, 20, 1, False, 20),  # MOQ under the batch size: batches of 50
        (120, 20, 1, False, 30),  # ⌈120/50⌉ = 3 batches: 20 + 2 x 5
    ],
)
def test_lead_time_estimate_formula(quantity, base, moq, sample, days):
    assert (
        services.estimate_lead_days(quantity=quantity, base_lead_days=base, moq=moq, sample_required=sample)
        == days
    )


def test_submit_saves_order_with_readable_number_event_and_private_logo():
    # given a buyer and an OEM product
    buyer = UserFactory()
    product = make_oem_product(moq=50)
    # when the order is submitted
    order = submit_oem_order(buyer=buyer, product=product, quantity=80)
    # then it is saved, numbered, logged, its logo private, the organisation remembered
    assert order.number == f"OEM{timezone.localdate():%Y%m%d}0001"
    assert (order.status, order.quantity, order.logo_kind, order.logo_name) == (
        "submitted",
        80,
        "png",
        "logo.png",
    )
    assert list(order.events.values_list("kind", flat=True)) == ["submitted"]
    assert order.customisations == [{"code": "boot_screen", "detail": "开机显示星城智联 Logo"}]
    assert order.logo.name.startswith("oem/logos/")
    assert Path(settings.PRIVATE_MEDIA_ROOT, order.logo.name).read_bytes() == png_bytes()
    assert BuyerOrganisation.objects.get(user=buyer).org_name == "长沙市数据资源局"


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"quantity": 99}, "quantity", "OEM 定制最小起订量为 100 台，当前数量 99 不足。"),
        (
            {"customisations": [{"code": "domain", "detail": "oem.example"}]},
            "customisations",
            "该产品不提供定制项“独立域名”。",
        ),
        (
            {"customisations": [{"code": "packaging", "detail": ""}]},
            "customisations",
            "请填写“包装”的定制要求。",
        ),
        ({"target_date": "today"}, "target_date", "期望交货日期必须晚于今天。"),
        (
            {"delivery_phone": "12345"},
            "delivery_phone",
            "请输入有效的联系电话（11 位手机号或带区号的固定电话）。",
        ),
        ({"logo": "png-named-pdf"}, "logo", "文件扩展名“.pdf”与文件内容（PNG）不符。"),
        ({"logo": "svg-script"}, "logo", "SVG 中含有脚本或外部内容（script），已拒绝。"),
        ({"logo": "text"}, "logo", "不支持的文件类型，仅接受：PDF、PNG、SVG。"),
        ({"logo": "oversized"}, "logo", "文件过大：1.5 MB，最大允许 1 MB。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(settings, overrides, field, message):
    settings.OEM_LOGO_MAX_BYTES = 1024 * 1024
    logos = {
        "png-named-pdf": logo_upload(png_bytes(), "logo.pdf"),
        "svg-script": logo_upload(SVG_SCRIPT, "logo.svg"),
        "text": logo_upload(b"hello, not a logo", "logo.png"),
        "oversized": logo_upload(png_bytes() + b"\0" * (1536 * 1024 - len(png_bytes())), "logo.png"),
    }
    if "logo" in overrides:
        overrides["logo"] = logos[overrides["logo"]]
    if overrides.get("target_date") == "today":
        overrides["target_date"] = timezone.localdate()
    buyer = UserFactory()
    with pytest.raises(ValidationError) as exc:
        services.oem_order_submit(**order_kwargs(buyer=buyer, product=make_oem_product(), **overrides))
    assert exc.value.message_dict == {field: [message]}
    assert (OemOrder.objects.count(), OemOrderEvent.objects.count(), private_files()) == (0, 0, [])
    assert not BuyerOrganisation.objects.filter(user=buyer).exists()


def test_svg_and_pdf_logos_are_accepted_by_content():
    product = make_oem_product()
    svg = submit_oem_order(buyer=UserFactory(), product=product, logo=logo_upload(SVG_OK, "brand.svg"))
    pdf = submit_oem_order(buyer=UserFactory(), product=product, logo=logo_upload(PDF_OK, "brand.PDF"))
    assert (svg.logo_kind, pdf.logo_kind) == ("svg", "pdf")


def test_a_failure_while_saving_removes_the_stored_logo():
    # given an organisation that fails the model's own check (bad USCC) after the file checks
    product = make_oem_product()
    kwargs = order_kwargs(buyer=UserFactory(), product=product)
    kwargs["organisation"]["org_uscc"] = "91350100M000100Y44"
    with pytest.raises(ValidationError) as exc:
        services.oem_order_submit(**kwargs)
    assert exc.value.message_dict == {"org_uscc": ["统一社会信用代码校验位不正确，请核对后重新输入。"]}
    assert (OemOrder.objects.count(), private_files()) == (0, [])


def test_a_database_error_after_the_file_was_written_leaves_no_file(monkeypatch):
    # given the event insert fails (a boundary fault, after the logo was written)
    def boom(*args, **kwargs):
        raise RuntimeError("insert failed")

    monkeypatch.setattr(OemOrderEvent.objects, "create", boom)
    with pytest.raises(RuntimeError):
        submit_oem_order(buyer=UserFactory(), product=make_oem_product())
    assert (OemOrder.objects.count(), private_files()) == (0, [])


def test_variant_rules_for_parent_products():
    parent = make_oem_product(variants=["1000", "1200"])
    other = make_oem_product(variants=["900"])
    with pytest.raises(ValidationError, match="请选择规格型号"):
        validators.validate_variant(parent, None)
    with pytest.raises(ValidationError, match="所选规格型号不属于该产品"):
        validators.validate_variant(parent, other.children.get())
    order = submit_oem_order(buyer=UserFactory(), product=parent, variant=parent.children.last())
    assert order.ordered_product == parent.children.last()


def test_a_product_without_oem_support_cannot_be_ordered():
    product = make_oem_product(supports_oem=False)
    with pytest.raises(ValidationError) as exc:
        submit_oem_order(buyer=UserFactory(), product=product)
    assert exc.value.message_dict == {"product": ["该产品不支持 OEM 定制。"]}


def test_target_date_tomorrow_is_fine():
    validators.validate_target_date(timezone.localdate() + timedelta(days=1))
