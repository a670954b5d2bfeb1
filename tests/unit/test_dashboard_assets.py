"""The dashboard loads Oscar's heavy widgets only where a page uses them: the TinyMCE editor on
pages with a rich-text form, the date pickers (moment, Tempus Dominus) on pages with a date field;
the home page and the lists load neither."""

import re
from pathlib import Path

import oscar
import pytest
from django.urls import reverse
from oscar.test.factories import create_product

from shop.apps.dashboard.widgets import WYSIWYG_TEMPLATES
from tests.factories.accounts import OperatorFactory

pytestmark = pytest.mark.django_db

TINYMCE = "oscar/js/tinymce/tinymce.min.js"
PICKERS = "bootstrap4-datetimepicker/moment-with-locales.min.js"


def scripts(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


def loads(html: str, asset: str) -> bool:
    return any(asset in src for src in scripts(html))


@pytest.fixture
def operator_client(client):
    client.force_login(OperatorFactory(username="assets_operator", is_superuser=True))
    return client


def test_the_home_page_and_lists_load_neither_the_editor_nor_the_date_pickers(operator_client):
    create_product(title="智慧灯杆", price=100)
    for name in ("dashboard:index", "dashboard:catalogue-product-list", "dashboard:payments-stripe-events"):
        # when the operator opens the page
        response = operator_client.get(reverse(name))
        html = response.content.decode()
        # then Oscar's dashboard script is there, the editor and the pickers are not
        assert response.status_code == 200, name
        assert loads(html, "oscar/js/oscar/dashboard.js"), name
        assert not loads(html, TINYMCE) and "tinymce" not in html, name
        assert not loads(html, PICKERS) and "tempusdominus" not in html, name


def test_the_product_edit_page_loads_the_editor(operator_client):
    product = create_product(title="智慧灯杆", price=100)
    html = operator_client.get(
        reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    ).content.decode()
    assert loads(html, TINYMCE) and loads(html, "oscar/js/tinymce/jquery.tinymce.min.js")
    assert 'class="form-stacked wysiwyg' in html or "wysiwyg" in html


def test_a_page_with_a_date_field_loads_the_date_pickers_but_not_the_editor(operator_client):
    html = operator_client.get(reverse("dashboard:voucher-create")).content.decode()
    assert loads(html, PICKERS) and loads(html, "tempusdominus-bootstrap-4.min.js")
    assert 'data-oscarWidget="datetime"' in html
    assert not loads(html, TINYMCE)


def test_every_oscar_dashboard_template_with_a_rich_text_form_is_listed():
    # given Oscar's dashboard templates, and those extending one with a ``wysiwyg`` form
    root = Path(oscar.__file__).parent / "templates"
    sources = {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in (root / "oscar" / "dashboard").rglob("*.html")
    }
    rich = {name for name, source in sources.items() if "wysiwyg" in source}
    rich |= {
        name
        for name, source in sources.items()
        if any(re.search(rf"{{% extends [\"']{re.escape(parent)}[\"'] %}}", source) for parent in rich)
    }
    # then each is in the list the layout reads, and the list names nothing else
    assert rich == set(WYSIWYG_TEMPLATES)
