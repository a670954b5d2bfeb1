"""`python manage.py load_catalogue` as `make run` runs it: a real process on the test database."""

import shutil
import subprocess
import sys

import pytest
from oscar.core.loading import get_model

from tests.conftest import ROOT, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


def _run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "load_catalogue", *args],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_loads_the_catalogue_once_and_reports_no_change_the_second_time():
    # when the command runs on an empty database
    first = _run()
    # then it succeeds with a Chinese summary and the rows are there
    assert first.returncode == 0, first.stderr
    assert (
        "商品目录已载入：12 个分类，36 个商品（另有 13 个子商品），10 个商品类型，45 条库存记录；新建"
        in first.stdout
    )
    assert (Product.objects.count(), StockRecord.objects.count()) == (49, 45)
    updated = sorted(Product.objects.values_list("code", "date_updated"))
    # when it runs again, then nothing changes
    second = _run()
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().endswith("45 条库存记录；无变化。")
    assert sorted(Product.objects.values_list("code", "date_updated")) == updated


def test_command_exits_non_zero_naming_file_item_and_field_and_writes_nothing(tmp_path):
    # given fixtures with a negative price
    fixtures = tmp_path / "fixtures"
    shutil.copytree(ROOT / "catalog_fixtures", fixtures)
    path = fixtures / "09_developer_outsourcing.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("price: 15000", "price: -15000"), encoding="utf-8"
    )
    # when the command runs on them
    result = _run("--path", str(fixtures))
    # then it fails with the message on stderr and the database is untouched
    assert result.returncode == 1
    assert "商品目录数据有误（共 1 处），未做任何修改" in result.stderr
    assert (
        "文件 09_developer_outsourcing.yaml，条目 商品 XH-DEV-L2（products[0].children[1]），"
        "字段 price：价格必须大于 0，现为 -15000" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert Product.objects.count() == 0
